package dev.glyph.reliability;

import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPOutputStream;
import javax.imageio.ImageIO;

/**
 * Images an adversarial client sends: one digit in every format ImageIO can write, a malformed
 * TIFF, and decompression ("pixel") bombs — PNGs of a few KB that decode to tens of megapixels —
 * written row by row so that building them needs no big image in memory.
 *
 * <pre>{@code
 * byte[] bomb = HostileImages.pngBomb(6000, 6000, HostileImages.PngKind.GRAY8);   // ~40 KB on the wire
 * Map<String, byte[]> all = HostileImages.everyFormat(HostileImages.digit(gray8)); // png, jpeg, bmp, gif, tiff, wbmp
 * }</pre>
 *
 * <p>Thread-safety: stateless.
 */
public final class HostileImages {

    private HostileImages() {
    }

    /**
     * A 28x28 gray8 digit (0 = background, as in MNIST) as a 56x56 RGB image with dark ink on a
     * light background, as a photo or scan would be.
     */
    public static BufferedImage digit(byte[] gray8) {
        BufferedImage img = new BufferedImage(56, 56, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 56; y++) {
            for (int x = 0; x < 56; x++) {
                int v = 255 - (gray8[(y / 2) * 28 + x / 2] & 0xff);
                img.setRGB(x, y, (v << 16) | (v << 8) | v);
            }
        }
        return img;
    }

    /** The digit encoded as {@code format} by ImageIO (png, jpeg, bmp, gif, tiff, wbmp). */
    public static byte[] encode(BufferedImage img, String format) {
        BufferedImage src = img;
        if (format.equals("wbmp")) {
            src = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_BYTE_BINARY);
            Graphics2D g = src.createGraphics();
            g.drawImage(img, 0, 0, null);
            g.dispose();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(src, format, out)) {
                throw new IllegalStateException("ImageIO has no writer for " + format);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** {@code img} in every format ImageIO writes, by format name. */
    public static Map<String, byte[]> everyFormat(BufferedImage img) {
        Map<String, byte[]> m = new LinkedHashMap<>();
        for (String f : new String[] {"png", "jpeg", "bmp", "gif", "tiff", "wbmp"}) {
            m.put(f, encode(img, f));
        }
        return m;
    }

    /**
     * A TIFF that ImageIO reads but cannot turn into RGB: 5x9 pixels, SamplesPerPixel 2,
     * Photometric RGB, SampleFormat 32-bit float, uncompressed, one strip, 506 bytes; its sample bytes read as NaN and huge floats,
     * which make {@code BufferedImage.getRGB} index out of bounds (issue 9, item 3).
     */
    public static byte[] malformedTiff() {
        int entries = 11;
        int dataOffset = 8 + 2 + entries * 12 + 4;
        int dataBytes = 5 * 9 * 2 * 4;
        ByteBuffer b = ByteBuffer.allocate(dataOffset + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.put("II".getBytes(StandardCharsets.US_ASCII)).putShort((short) 42).putInt(8);
        b.putShort((short) entries);
        shortEntry(b, 256, 5);                 // ImageWidth
        shortEntry(b, 257, 9);                 // ImageLength
        b.putShort((short) 258).putShort((short) 3).putInt(2).putShort((short) 32).putShort((short) 32); // BitsPerSample
        shortEntry(b, 259, 1);                 // Compression: none
        shortEntry(b, 262, 2);                 // PhotometricInterpretation: RGB
        b.putShort((short) 273).putShort((short) 4).putInt(1).putInt(dataOffset); // StripOffsets
        shortEntry(b, 277, 2);                 // SamplesPerPixel
        shortEntry(b, 278, 9);                 // RowsPerStrip
        b.putShort((short) 279).putShort((short) 4).putInt(1).putInt(dataBytes); // StripByteCounts
        shortEntry(b, 284, 1);                 // PlanarConfiguration: chunky
        b.putShort((short) 339).putShort((short) 3).putInt(2).putShort((short) 3).putShort((short) 3); // SampleFormat float
        b.putInt(0);                           // no next IFD
        for (int i = 0; i < dataBytes; i++) {
            b.put((byte) (i * 37));
        }
        return b.array();
    }

    private static void shortEntry(ByteBuffer b, int tag, int value) {
        b.putShort((short) tag).putShort((short) 3).putInt(1).putShort((short) value).putShort((short) 0);
    }

    /** Pixel layouts of {@link #pngBomb}. */
    public enum PngKind {
        /** 8-bit grayscale, 1 byte per pixel. */
        GRAY8(0, 8, 1),
        /** 16-bit RGBA, 8 bytes per pixel. */
        RGBA16(6, 16, 8);

        final int colorType;
        final int bitDepth;
        final int bytesPerPixel;

        PngKind(int colorType, int bitDepth, int bytesPerPixel) {
            this.colorType = colorType;
            this.bitDepth = bitDepth;
            this.bytesPerPixel = bytesPerPixel;
        }
    }

    /**
     * A valid PNG of {@code width x height} zero pixels (black, or transparent for RGBA), deflated
     * at level 9: 6000x6000 GRAY8 is about 40 KB, 6324x6324 RGBA16 about 330 KB.
     */
    public static byte[] pngBomb(int width, int height, PngKind kind) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
            ByteBuffer ihdr = ByteBuffer.allocate(13);
            ihdr.putInt(width).putInt(height).put((byte) kind.bitDepth).put((byte) kind.colorType)
                    .put((byte) 0).put((byte) 0).put((byte) 0);
            chunk(out, "IHDR", ihdr.array());
            ByteArrayOutputStream idat = new ByteArrayOutputStream();
            Deflater d = new Deflater(9);
            try (DeflaterOutputStream z = new DeflaterOutputStream(idat, d, 1 << 16)) {
                byte[] row = new byte[1 + width * kind.bytesPerPixel];
                for (int y = 0; y < height; y++) {
                    z.write(row);
                }
            } finally {
                d.end();
            }
            chunk(out, "IDAT", idat.toByteArray());
            chunk(out, "IEND", new byte[0]);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) throws IOException {
        DataOutputStream d = new DataOutputStream(out);
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        d.writeInt(data.length);
        d.write(t);
        d.write(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        d.writeInt((int) crc.getValue());
    }

    /** gzip of {@code bytes}. */
    public static byte[] gzip(byte[] bytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(out)) {
            z.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
