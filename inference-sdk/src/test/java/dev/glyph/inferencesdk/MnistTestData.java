package dev.glyph.inferencesdk;

import dev.glyph.testtools.OutsideTools;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Test-only reader for the raw MNIST IDX test files, if present in the source tree's data/mnist. */
final class MnistTestData {

    /**
     * Test images and labels.
     *
     * @param count number of images
     * @param images count*784 gray8 bytes
     * @param labels count labels
     */
    record Set(int count, byte[] images, byte[] labels) {
        DigitImage image(int i) {
            return DigitImage.ofGray8(images, i * DigitImage.PIXELS);
        }
    }

    private MnistTestData() {
    }

    /**
     * Returns the data folder holding the test files; without it the test is skipped, or fails under CI=true
     * ({@link OutsideTools}).
     */
    static Path dir() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path d = p.resolve("data/mnist");
            if (Files.isRegularFile(d.resolve("t10k-images-idx3-ubyte"))
                    && Files.isRegularFile(d.resolve("t10k-labels-idx1-ubyte"))) {
                return d;
            }
        }
        return OutsideTools.requireMnist(Path.of("..", "data", "mnist"));
    }

    static Set loadTest(Path dir) throws IOException {
        byte[] images;
        int n;
        try (DataInputStream in = new DataInputStream(Files.newInputStream(dir.resolve("t10k-images-idx3-ubyte")))) {
            check(in.readInt(), 0x803);
            n = in.readInt();
            check(in.readInt(), 28);
            check(in.readInt(), 28);
            images = readFully(in, n * 784);
        }
        byte[] labels;
        try (DataInputStream in = new DataInputStream(Files.newInputStream(dir.resolve("t10k-labels-idx1-ubyte")))) {
            check(in.readInt(), 0x801);
            check(in.readInt(), n);
            labels = readFully(in, n);
        }
        return new Set(n, images, labels);
    }

    private static byte[] readFully(InputStream in, int n) throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length != n) {
            throw new IOException("IDX file truncated: " + b.length + " of " + n + " bytes");
        }
        return b;
    }

    private static void check(int found, int expected) throws IOException {
        if (found != expected) {
            throw new IOException("IDX header field is " + found + "; expected " + expected);
        }
    }
}
