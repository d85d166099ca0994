package dev.glyph.trainer.internal.loop;

import java.util.SplittableRandom;

/**
 * Derives every random stream of a run from (seed, purpose, epoch), so an epoch's data order and
 * dropout masks depend on nothing but the seed and the epoch number: that is what makes a resumed
 * run identical to an uninterrupted one.
 *
 * <p>Thread-safety: stateless.
 */
public final class Seeds {

    private Seeds() {
    }

    /** Mixes two longs into a well-spread seed (SplitMix64 finaliser). */
    public static long mix(long a, long b) {
        long z = a * 0x9E3779B97F4A7C15L + b;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** The libtorch generator seed for epoch {@code epoch} (dropout masks). */
    public static long torchSeed(long seed, int epoch) {
        return mix(mix(seed, 0xD50L), epoch) & Long.MAX_VALUE;
    }

    /** A seeded Fisher-Yates permutation of 0..n-1 for epoch {@code epoch}. */
    public static long[] permutation(long seed, int epoch, int n) {
        SplittableRandom r = new SplittableRandom(mix(mix(seed, 0x5EEDL), epoch));
        long[] p = new long[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            long t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
