package dev.glyph.modelformat;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The manifest's {@code self_test}: a few fixed images and the log-probabilities that {@code model.onnx} gave for
 * them at export, so a reader can check after loading that its engine computes what the exporter's did.
 *
 * <pre>{@code
 * SelfTest t = manifest.selfTest();                  // null for folders written before self tests
 * for (SelfTest.Case c : t.cases()) {
 *     float[] got = run(c.gray8());                  // (b & 0xFF) / 255f, shape [1,1,28,28]
 *     if (c.maxAbsDiff(got) > t.tolerance()) { ... }
 * }
 * }</pre>
 *
 * <p>JSON: {@code {"tolerance": 1.0E-4, "images": [{"gray8_base64": "...", "log_probs": [10 numbers]}]}}.
 *
 * <p>Thread-safety: immutable (arrays are copied in and out).
 *
 * @param tolerance the largest allowed absolute difference of a log-probability, finite and {@code >= 0}
 * @param cases the images with their expected outputs, at least one
 */
@JsonPropertyOrder({"tolerance", "images"})
public record SelfTest(double tolerance, @JsonProperty("images") List<Case> cases) {

    /** Bytes of one image: 28 x 28 gray8. */
    public static final int PIXELS = 28 * 28;
    /** Log-probabilities of one image. */
    public static final int CLASSES = 10;
    /** The tolerance the exporter records: the export parity criterion, 1e-4. */
    public static final double DEFAULT_TOLERANCE = 1e-4;

    /**
     * Checks the values and copies the list.
     *
     * @throws IllegalArgumentException if the tolerance is negative or not finite, or there is no case
     */
    public SelfTest {
        if (!(tolerance >= 0) || Double.isInfinite(tolerance)) {
            throw new IllegalArgumentException("self_test tolerance is " + tolerance + "; expected a finite number >= 0");
        }
        Objects.requireNonNull(cases, "cases");
        if (cases.isEmpty()) {
            throw new IllegalArgumentException("self_test has no images; expected at least one");
        }
        cases = List.copyOf(cases);
    }

    /**
     * Returns a gray8 image as model input, as the SDK preprocesses it: {@code (b & 0xFF) / 255f} per pixel, in
     * order (the {@code [1,1,28,28]} tensor's data).
     *
     * @throws IllegalArgumentException if {@code gray8} is not {@value #PIXELS} bytes
     */
    public static float[] pixels(byte[] gray8) {
        if (gray8 == null || gray8.length != PIXELS) {
            throw new IllegalArgumentException("image is " + (gray8 == null ? "null" : gray8.length + " bytes")
                    + "; expected " + PIXELS + " (28x28 gray8)");
        }
        float[] px = new float[PIXELS];
        for (int i = 0; i < PIXELS; i++) {
            px[i] = (gray8[i] & 0xFF) / 255f;
        }
        return px;
    }

    /**
     * One image and the log-probabilities expected for it.
     *
     * <p>Thread-safety: immutable (arrays are copied in and out).
     *
     * @param gray8 {@value SelfTest#PIXELS} bytes, row-major, 0 = background, 255 = ink (MNIST style); JSON
     *     {@code gray8_base64}, standard base64
     * @param logProbs {@value SelfTest#CLASSES} finite log-probabilities
     */
    @JsonPropertyOrder({"gray8_base64", "log_probs"})
    public record Case(@JsonProperty("gray8_base64") byte[] gray8, @JsonProperty("log_probs") float[] logProbs) {

        /**
         * Checks the sizes and copies the arrays.
         *
         * @throws IllegalArgumentException if the image is not 784 bytes or there are not 10 finite values
         */
        public Case {
            if (gray8 == null || gray8.length != PIXELS) {
                throw new IllegalArgumentException("self_test image is " + (gray8 == null ? "null" : gray8.length
                        + " bytes") + "; expected " + PIXELS + " (28x28 gray8)");
            }
            if (logProbs == null || logProbs.length != CLASSES) {
                throw new IllegalArgumentException("self_test log_probs has " + (logProbs == null ? "null"
                        : logProbs.length + " values") + "; expected " + CLASSES);
            }
            for (int i = 0; i < logProbs.length; i++) {
                if (!Float.isFinite(logProbs[i])) {
                    throw new IllegalArgumentException("self_test log_probs[" + i + "] is " + logProbs[i]
                            + "; expected a finite number");
                }
            }
            gray8 = gray8.clone();
            logProbs = logProbs.clone();
        }

        /** Returns a copy of the image. */
        @Override
        public byte[] gray8() {
            return gray8.clone();
        }

        /** Returns a copy of the expected log-probabilities. */
        @Override
        public float[] logProbs() {
            return logProbs.clone();
        }

        /** Returns the image as model input, {@link SelfTest#pixels(byte[])}. */
        public float[] pixels() {
            return SelfTest.pixels(gray8);
        }

        /**
         * Returns the largest absolute difference between {@code actual} and the expected log-probabilities
         * (infinite if a value is NaN or infinite).
         *
         * @throws IllegalArgumentException if {@code actual} does not hold 10 values
         */
        public double maxAbsDiff(float[] actual) {
            if (actual == null || actual.length != CLASSES) {
                throw new IllegalArgumentException("expected " + CLASSES + " log-probabilities, found "
                        + (actual == null ? "null" : actual.length + " values"));
            }
            double max = 0;
            for (int i = 0; i < CLASSES; i++) {
                double d = Math.abs((double) actual[i] - logProbs[i]);
                max = Double.isNaN(d) ? Double.POSITIVE_INFINITY : Math.max(max, d);
            }
            return max;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Case c && Arrays.equals(c.gray8, gray8) && Arrays.equals(c.logProbs, logProbs);
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(gray8) + Arrays.hashCode(logProbs);
        }

        @Override
        public String toString() {
            return "Case[" + PIXELS + " bytes, log_probs " + Arrays.toString(logProbs) + "]";
        }
    }
}
