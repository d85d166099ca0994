package dev.glyph.inferencesdk.internal;

import dev.glyph.inferencesdk.BatcherStats;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;

/**
 * A lock-free fixed-bucket histogram of non-negative longs. Bucket {@code i} counts values
 * {@code bounds[i-1] < v <= bounds[i]}; a final overflow bucket has bound {@link Long#MAX_VALUE}.
 *
 * <p>Thread-safety: {@link #record(long)} and {@link #snapshot()} may be called concurrently; a
 * snapshot taken during recording may be off by the in-flight observations.
 */
public final class FixedHistogram {

    private final long[] bounds;
    private final AtomicLongArray counts;
    private final LongAdder count = new LongAdder();
    private final LongAdder sum = new LongAdder();
    private final LongAccumulator max = new LongAccumulator(Math::max, 0);

    /** Creates a histogram with the given ascending finite bounds plus an overflow bucket. */
    public FixedHistogram(long... finiteBounds) {
        bounds = new long[finiteBounds.length + 1];
        for (int i = 0; i < finiteBounds.length; i++) {
            if (i > 0 && finiteBounds[i] <= finiteBounds[i - 1]) {
                throw new IllegalArgumentException("bounds must ascend");
            }
            bounds[i] = finiteBounds[i];
        }
        bounds[finiteBounds.length] = Long.MAX_VALUE;
        counts = new AtomicLongArray(bounds.length);
    }

    /** Powers of two from 1 to {@code max} (inclusive), for batch sizes. */
    public static FixedHistogram powersOfTwo(long max) {
        int n = 64 - Long.numberOfLeadingZeros(max);
        long[] b = new long[n];
        for (int i = 0; i < n; i++) {
            b[i] = 1L << i;
        }
        return new FixedHistogram(b);
    }

    /** A 1-2-5 series of nanosecond bounds from 1 microsecond to 10 seconds. */
    public static FixedHistogram nanos() {
        long[] b = new long[22];
        long base = 1_000;
        for (int i = 0; i < b.length; i += 3) {
            b[i] = base;
            if (i + 1 < b.length) {
                b[i + 1] = 2 * base;
            }
            if (i + 2 < b.length) {
                b[i + 2] = 5 * base;
            }
            base *= 10;
        }
        return new FixedHistogram(b);
    }

    /** Records one observation (negative values count as 0). */
    public void record(long v) {
        long x = Math.max(0, v);
        int lo = 0;
        int hi = bounds.length - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (x <= bounds[mid]) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        counts.incrementAndGet(lo);
        count.increment();
        sum.add(x);
        max.accumulate(x);
    }

    /** Returns a snapshot. */
    public BatcherStats.Histogram snapshot() {
        long[] c = new long[bounds.length];
        long total = 0;
        for (int i = 0; i < c.length; i++) {
            c[i] = counts.get(i);
            total += c[i];
        }
        return new BatcherStats.Histogram(bounds, c, total, sum.sum(), max.get());
    }
}
