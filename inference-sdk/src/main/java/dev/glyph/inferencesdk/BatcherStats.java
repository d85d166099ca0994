package dev.glyph.inferencesdk;

import java.util.Arrays;

/**
 * A snapshot of a {@link BatchingClassifier}'s counters and distributions since it was created.
 *
 * <pre>{@code
 * BatcherStats s = batcher.stats();
 * System.out.printf("%d images in %d batches (mean %.1f), %d expired%n",
 *         s.images(), s.batches(), s.meanBatchSize(), s.expired());
 * }</pre>
 *
 * <p>Thread-safety: immutable.
 *
 * @param submitted images accepted into the queue
 * @param images images run through the model (in successful or failed batches)
 * @param batches model calls made
 * @param rejected submissions refused because the queue was full (one per submit call)
 * @param expired images dropped because their deadline passed before they joined a batch
 * @param cancelled images dropped because their future was cancelled (the caller left) before they
 *     joined a batch
 * @param failed images whose batch failed in the engine
 * @param queueDepth images waiting at the time of the snapshot
 * @param batchSize distribution of batch sizes
 * @param queueWaitNanos distribution of each image's time in the queue
 * @param computeNanos distribution of each model call's wall time
 */
public record BatcherStats(long submitted, long images, long batches, long rejected, long expired, long cancelled,
        long failed,
        int queueDepth, Histogram batchSize, Histogram queueWaitNanos, Histogram computeNanos) {

    /** Returns images per batch on average, or 0 before the first batch. */
    public double meanBatchSize() {
        return batches == 0 ? 0.0 : (double) images / batches;
    }

    /**
     * A fixed-bucket histogram snapshot. Bucket {@code i} counts observations {@code v} with
     * {@code upperBounds[i-1] < v <= upperBounds[i]}; the last bound is {@link Long#MAX_VALUE}.
     *
     * @param upperBounds inclusive upper bound of each bucket, ascending
     * @param counts observations per bucket (not cumulative)
     * @param count total observations
     * @param sum sum of all observations
     * @param max largest observation, or 0 when empty
     */
    public record Histogram(long[] upperBounds, long[] counts, long count, long sum, long max) {
        /** Copies the arrays. */
        public Histogram {
            if (upperBounds.length != counts.length) {
                throw new IllegalArgumentException(upperBounds.length + " bounds but " + counts.length + " counts");
            }
            upperBounds = upperBounds.clone();
            counts = counts.clone();
        }

        /** Returns a copy of the bounds. */
        @Override
        public long[] upperBounds() {
            return upperBounds.clone();
        }

        /** Returns a copy of the per-bucket counts. */
        @Override
        public long[] counts() {
            return counts.clone();
        }

        /** Returns the mean observation, or 0 when empty. */
        public double mean() {
            return count == 0 ? 0.0 : (double) sum / count;
        }

        /**
         * Returns an upper estimate of quantile {@code q} (0..1): the bound of the bucket holding it
         * (the maximum for the last bucket), or 0 when empty.
         */
        public long quantileUpperBound(double q) {
            if (count == 0) {
                return 0;
            }
            long rank = (long) Math.ceil(q * count);
            long seen = 0;
            for (int i = 0; i < counts.length; i++) {
                seen += counts[i];
                if (seen >= Math.max(1, rank)) {
                    return Math.min(upperBounds[i], max);
                }
            }
            return max;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Histogram h && h.count == count && h.sum == sum && h.max == max
                    && Arrays.equals(h.upperBounds, upperBounds) && Arrays.equals(h.counts, counts);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(count) * 31 + Arrays.hashCode(counts);
        }

        @Override
        public String toString() {
            return "Histogram[count=" + count + ", mean=" + mean() + ", max=" + max + "]";
        }
    }
}
