package dev.glyph.trainer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

/** Builds small IDX files for tests. */
final class IdxTestFiles {

    static final int IMAGES_MAGIC = 2051;
    static final int LABELS_MAGIC = 2049;

    private IdxTestFiles() {
    }

    /** IDX bytes: big-endian magic, the dimension sizes, then the payload. */
    static byte[] idx(int magic, int[] dims, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + payload.length);
        b.putInt(magic);
        for (int d : dims) {
            b.putInt(d);
        }
        b.put(payload);
        return b.array();
    }

    /** Deterministic pseudo-random pixels for {@code count} images of 28x28. */
    static byte[] pixels(int count, long seed) {
        byte[] p = new byte[count * 28 * 28];
        new Random(seed).nextBytes(p);
        return p;
    }

    /** Labels 0..9, deterministic. */
    static byte[] labelValues(int count, long seed) {
        Random r = new Random(seed);
        byte[] l = new byte[count];
        for (int i = 0; i < count; i++) {
            l[i] = (byte) r.nextInt(10);
        }
        return l;
    }

    static byte[] images(byte[] pixels) {
        return idx(IMAGES_MAGIC, new int[] {pixels.length / 784, 28, 28}, pixels);
    }

    static byte[] labels(byte[] labels) {
        return idx(LABELS_MAGIC, new int[] {labels.length}, labels);
    }

    static byte[] gzip(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static Path write(Path file, byte[] data) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            return Files.write(file, data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The content of one small, valid data set. */
    record Content(byte[] trainPixels, byte[] trainLabels, byte[] testPixels, byte[] testLabels) {
        static Content of(int train, int test, long seed) {
            return new Content(pixels(train, seed), labelValues(train, seed + 1), pixels(test, seed + 2),
                    labelValues(test, seed + 3));
        }

        /** The four files' uncompressed bytes in canonical order. */
        byte[][] files() {
            return new byte[][] {images(trainPixels), labels(trainLabels), images(testPixels), labels(testLabels)};
        }

        /** Writes the four files into {@code dir}, gzip-compressed with a .gz name if {@code gz}. */
        Path writeTo(Path dir, boolean gz) {
            byte[][] f = files();
            for (int i = 0; i < 4; i++) {
                String name = Datasets.FILES.get(i);
                write(dir.resolve(gz ? name + ".gz" : name), gz ? gzip(f[i]) : f[i]);
            }
            return dir;
        }
    }
}
