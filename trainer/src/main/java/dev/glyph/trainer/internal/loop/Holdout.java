package dev.glyph.trainer.internal.loop;

import dev.glyph.datasets.ImageSet;
import dev.glyph.modelformat.Sha256;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The split of a training set into the images trained on and the images held out of training (to fit the
 * probability temperature on): a seeded choice of {@code heldOut} indices, kept in ascending order on both sides.
 *
 * <p>Thread-safety: immutable record; {@link #of} is pure.
 *
 * @param train the images trained on
 * @param heldOut the images held out (empty when none)
 * @param heldOutIndices their indices in the original set, ascending
 * @param heldOutSha256 SHA-256 of those indices as int32 little-endian, or null when none are held out
 */
public record Holdout(ImageSet train, ImageSet heldOut, int[] heldOutIndices, String heldOutSha256) {

    private static final long STREAM = 0x401D0E7L;

    /**
     * Holds {@code count} seeded images of {@code set} out.
     *
     * @throws IllegalArgumentException if fewer than one image would be left to train on
     */
    public static Holdout of(ImageSet set, int count, long seed) {
        if (count == 0) {
            return new Holdout(set, set.first(0), new int[0], null);
        }
        if (count >= set.count()) {
            throw new IllegalArgumentException("--holdout " + count + " leaves no image to train on: the training set "
                    + "has " + set.count() + " images");
        }
        int n = set.count();
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        SplittableRandom r = new SplittableRandom(Seeds.mix(seed, STREAM));
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        int[] held = Arrays.copyOfRange(p, 0, count);
        int[] kept = Arrays.copyOfRange(p, count, n);
        Arrays.sort(held);
        Arrays.sort(kept);
        ByteBuffer b = ByteBuffer.allocate(4 * count).order(ByteOrder.LITTLE_ENDIAN);
        for (int k : held) {
            b.putInt(k);
        }
        return new Holdout(set.select(kept), set.select(held), held, Sha256.hex(b.array()));
    }
}
