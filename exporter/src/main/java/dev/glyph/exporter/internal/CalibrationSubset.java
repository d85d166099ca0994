package dev.glyph.exporter.internal;

import dev.glyph.modelformat.Sha256;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The seeded choice of calibration images from a training split: {@code n} distinct indices drawn by a partial
 * Fisher-Yates shuffle driven by {@link SplittableRandom}{@code (seed)}, then sorted ascending. Its fingerprint is
 * the SHA-256 of the indices written as ASCII decimal numbers, one per line, each ending in {@code \n} (so
 * {@code printf '%s\n' 3 17 ... | sha256sum} reproduces it).
 *
 * <pre>{@code
 * CalibrationSubset s = CalibrationSubset.choose(60000, 1000, 1);
 * int[] idx = s.indices();   // ascending
 * }</pre>
 *
 * <p>Thread-safety: immutable; {@link #indices()} returns a copy.
 *
 * @param population the size of the split
 * @param seed the seed
 * @param sortedIndices the chosen indices, ascending
 */
public record CalibrationSubset(int population, long seed, int[] sortedIndices) {

    /**
     * Chooses {@code n} of {@code population} indices.
     *
     * @throws IllegalArgumentException if {@code n} is not in 1..population
     */
    public static CalibrationSubset choose(int population, int n, long seed) {
        if (n < 1 || n > population) {
            throw new IllegalArgumentException("--calibration-images is " + n + "; the training split holds "
                    + population + " images, so expected 1.." + population);
        }
        int[] all = new int[population];
        for (int i = 0; i < population; i++) {
            all[i] = i;
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int i = 0; i < n; i++) {
            int j = i + rnd.nextInt(population - i);
            int t = all[i];
            all[i] = all[j];
            all[j] = t;
        }
        int[] chosen = Arrays.copyOf(all, n);
        Arrays.sort(chosen);
        return new CalibrationSubset(population, seed, chosen);
    }

    /** The chosen indices, ascending (a copy). */
    public int[] indices() {
        return sortedIndices.clone();
    }

    /** The number of chosen images. */
    public int size() {
        return sortedIndices.length;
    }

    /** The SHA-256 (lowercase hex) of the indices, as the class comment describes. */
    public String sha256() {
        StringBuilder sb = new StringBuilder();
        for (int i : sortedIndices) {
            sb.append(i).append('\n');
        }
        byte[] b = sb.toString().getBytes(StandardCharsets.US_ASCII);
        return Sha256.hex(Sha256.digest(b, 0, b.length));
    }

    /** Returns the chosen images' pixels as model input: {@code size() * 784} floats, pixel/255. */
    public float[] pixels(byte[] images, int pixelsPerImage) {
        float[] out = new float[sortedIndices.length * pixelsPerImage];
        for (int k = 0; k < sortedIndices.length; k++) {
            int base = sortedIndices[k] * pixelsPerImage;
            for (int p = 0; p < pixelsPerImage; p++) {
                out[k * pixelsPerImage + p] = (images[base + p] & 0xff) / 255f;
            }
        }
        return out;
    }
}
