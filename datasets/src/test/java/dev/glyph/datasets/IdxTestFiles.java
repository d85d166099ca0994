package dev.glyph.datasets;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

/** Builds small IDX files for the data module's tests, and the assertions they share. */
public final class IdxTestFiles {

    public static final int IMAGES_MAGIC = 2051;
    public static final int LABELS_MAGIC = 2049;

    private IdxTestFiles() {
    }

    /** Asserts that the message of {@code e} contains every one of {@code parts}. */
    public static void assertMentions(Exception e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), () -> "message lacks '" + p + "': " + e.getMessage());
        }
    }

    /** The names of the entries of {@code dir}, sorted. */
    public static List<String> fileNames(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** Lowercase hex SHA-256 of {@code b}. */
    public static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** IDX bytes: big-endian magic, the dimension sizes, then the payload. */
    public static byte[] idx(int magic, int[] dims, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + payload.length);
        b.putInt(magic);
        for (int d : dims) {
            b.putInt(d);
        }
        b.put(payload);
        return b.array();
    }

    /** Deterministic pseudo-random pixels for {@code count} images of 28x28. */
    public static byte[] pixels(int count, long seed) {
        byte[] p = new byte[count * 28 * 28];
        new Random(seed).nextBytes(p);
        return p;
    }

    /** Labels 0..9, deterministic. */
    public static byte[] labelValues(int count, long seed) {
        Random r = new Random(seed);
        byte[] l = new byte[count];
        for (int i = 0; i < count; i++) {
            l[i] = (byte) r.nextInt(10);
        }
        return l;
    }

    public static byte[] images(byte[] pixels) {
        return idx(IMAGES_MAGIC, new int[] {pixels.length / 784, 28, 28}, pixels);
    }

    public static byte[] labels(byte[] labels) {
        return idx(LABELS_MAGIC, new int[] {labels.length}, labels);
    }

    public static byte[] gzip(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    public static Path write(Path file, byte[] data) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            return Files.write(file, data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The content of one small, valid data set. */
    public record Content(byte[] trainPixels, byte[] trainLabels, byte[] testPixels, byte[] testLabels) {
        public static Content of(int train, int test, long seed) {
            return new Content(pixels(train, seed), labelValues(train, seed + 1), pixels(test, seed + 2),
                    labelValues(test, seed + 3));
        }

        /** The four files' uncompressed bytes in canonical order. */
        public byte[][] files() {
            return new byte[][] {images(trainPixels), labels(trainLabels), images(testPixels), labels(testLabels)};
        }

        /** Writes the four files into {@code dir}, gzip-compressed with a .gz name if {@code gz}. */
        public Path writeTo(Path dir, boolean gz) {
            byte[][] f = files();
            for (int i = 0; i < 4; i++) {
                String name = Datasets.FILES.get(i);
                write(dir.resolve(gz ? name + ".gz" : name), gz ? gzip(f[i]) : f[i]);
            }
            return dir;
        }

        /** Canonical file name to the SHA-256 of its uncompressed bytes, in canonical order. */
        public Map<String, String> sha256() {
            Map<String, String> m = new LinkedHashMap<>();
            byte[][] f = files();
            for (int i = 0; i < 4; i++) {
                m.put(Datasets.FILES.get(i), IdxTestFiles.sha256(f[i]));
            }
            return m;
        }
    }
}
