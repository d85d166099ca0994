package dev.glyph.grpcserver;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;

/**
 * Writes decompression-bomb PNGs without holding their pixels: a black image with a white bar
 * (a "1") in the middle, row by row through a deflater, so a 6000x6000 image is a few tens of KB.
 */
final class Pngs {

    private Pngs() {
    }

    /**
     * Returns a PNG of {@code w x h}: 8-bit grayscale ({@code rgba16 = false}) or 16-bit RGBA.
     */
    static byte[] bomb(int w, int h, boolean rgba16) {
        int bytesPerPixel = rgba16 ? 8 : 1;
        try {
            ByteArrayOutputStream png = new ByteArrayOutputStream();
            png.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A});
            ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(w).putInt(h);
            ihdr.put((byte) (rgba16 ? 16 : 8)).put((byte) (rgba16 ? 6 : 0)).put((byte) 0).put((byte) 0).put((byte) 0);
            chunk(png, "IHDR", ihdr.array());
            ByteArrayOutputStream idat = new ByteArrayOutputStream();
            try (DeflaterOutputStream z = new DeflaterOutputStream(idat, new Deflater(9), 1 << 16)) {
                byte[] blank = new byte[1 + w * bytesPerPixel];
                byte[] ink = blank.clone();
                for (int x = w * 45 / 100; x < w * 55 / 100; x++) {
                    for (int k = 0; k < bytesPerPixel; k++) {
                        ink[1 + x * bytesPerPixel + k] = (byte) 0xFF;
                    }
                }
                if (rgba16) {
                    for (int x = 0; x < w; x++) { // opaque everywhere
                        blank[1 + x * 8 + 6] = (byte) 0xFF;
                        blank[1 + x * 8 + 7] = (byte) 0xFF;
                    }
                }
                for (int y = 0; y < h; y++) {
                    z.write(y >= h / 5 && y < h * 4 / 5 ? ink : blank);
                }
            }
            chunk(png, "IDAT", idat.toByteArray());
            chunk(png, "IEND", new byte[0]);
            return png.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) throws IOException {
        out.write(ByteBuffer.allocate(4).putInt(data.length).array());
        byte[] t = type.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        out.write(t);
        out.write(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.write(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }
}
