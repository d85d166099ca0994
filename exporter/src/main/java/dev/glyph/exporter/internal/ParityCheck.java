package dev.glyph.exporter.internal;

import dev.glyph.exporter.ParityReport;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Compares the log-probabilities of several formats on the same images and builds a {@link ParityReport}.
 *
 * <pre>{@code
 * ParityReport r = ParityCheck.compare("mnist", labels, List.of(trained, ts, onnx), 1e-4, files, notes);
 * }</pre>
 *
 * <p>Thread-safety: stateless.
 */
public final class ParityCheck {

    private ParityCheck() {
    }

    /**
     * One format's output on the compared images.
     *
     * @param format the format name
     * @param engine engine description
     * @param logProbs row-major {@code [n,10]}
     */
    public record Output(String format, String engine, float[] logProbs) {
    }

    /**
     * Runs every {@code runner} on the images and compares the outputs.
     *
     * @param images {@code n * 784} floats, pixel/255
     * @param labels at least {@code n} labels
     * @param batch images per forward call
     */
    public static ParityReport run(String dataset, float[] images, byte[] labels, int n, List<FormatRunner> runners,
            int batch, double tolerance, Map<String, String> files, List<String> notes) {
        List<Output> outputs = new ArrayList<>();
        for (FormatRunner r : runners) {
            outputs.add(new Output(r.format(), r.engine(), r.logProbs(images, n, batch)));
        }
        return compare(dataset, labels, n, outputs, tolerance, files, notes);
    }

    /**
     * Compares {@code outputs} pairwise (in list order) on the first {@code n} images.
     *
     * @throws IllegalArgumentException if fewer than two outputs are given or an output has the wrong length
     */
    public static ParityReport compare(String dataset, byte[] labels, int n, List<Output> outputs, double tolerance,
            Map<String, String> files, List<String> notes) {
        if (outputs.size() < 2) {
            throw new IllegalArgumentException("parity needs at least two formats, found " + outputs.size());
        }
        if (labels.length < n) {
            throw new IllegalArgumentException(labels.length + " labels for " + n + " images");
        }
        int k = FormatRunner.CLASSES;
        List<int[]> argmax = new ArrayList<>();
        List<ParityReport.FormatResult> formats = new ArrayList<>();
        for (Output o : outputs) {
            if (o.logProbs().length != n * k) {
                throw new IllegalArgumentException(o.format() + " produced " + o.logProbs().length
                        + " values; expected " + n + " x " + k);
            }
            int[] am = new int[n];
            int correct = 0;
            for (int i = 0; i < n; i++) {
                am[i] = argmax(o.logProbs(), i * k, k);
                if (am[i] == labels[i]) {
                    correct++;
                }
            }
            argmax.add(am);
            formats.add(new ParityReport.FormatResult(o.format(), o.engine(), correct, n,
                    n == 0 ? 0 : 100.0 * correct / n));
        }

        List<ParityReport.PairResult> pairs = new ArrayList<>();
        ParityReport.Divergence first = null;
        boolean passed = true;
        for (int a = 0; a < outputs.size(); a++) {
            for (int b = a + 1; b < outputs.size(); b++) {
                float[] x = outputs.get(a).logProbs();
                float[] y = outputs.get(b).logProbs();
                int[] ax = argmax.get(a);
                int[] ay = argmax.get(b);
                double max = 0;
                int maxAt = n == 0 ? -1 : 0;
                int agree = 0;
                int firstBad = -1;
                String firstReason = null;
                for (int i = 0; i < n; i++) {
                    double rowMax = 0;
                    int rowClass = 0;
                    for (int c = 0; c < k; c++) {
                        double d = Math.abs((double) x[i * k + c] - y[i * k + c]);
                        if (Double.isNaN(d)) {
                            d = Double.POSITIVE_INFINITY;
                        }
                        if (d > rowMax) {
                            rowMax = d;
                            rowClass = c;
                        }
                    }
                    if (rowMax > max) {
                        max = rowMax;
                        maxAt = i;
                    }
                    boolean same = ax[i] == ay[i];
                    if (same) {
                        agree++;
                    }
                    if (firstBad < 0 && (rowMax > tolerance || !same)) {
                        firstBad = i;
                        firstReason = rowMax > tolerance
                                ? String.format(Locale.ROOT, "|Δ log p| = %.2e > %.1e (class %d: %s vs %s)", rowMax,
                                        tolerance, rowClass, x[i * k + rowClass], y[i * k + rowClass])
                                        + (same ? "" : ", argmax " + ax[i] + " vs " + ay[i])
                                : "argmax " + ax[i] + " vs " + ay[i] + String.format(Locale.ROOT,
                                        " (|Δ log p| = %.2e within tolerance; a near tie)", rowMax);
                    }
                }
                boolean ok = firstBad < 0;
                passed &= ok;
                String fa = outputs.get(a).format();
                String fb = outputs.get(b).format();
                pairs.add(new ParityReport.PairResult(fa, fb, max, maxAt, agree, n, firstBad, ok));
                if (firstBad >= 0 && (first == null || firstBad < first.index())) {
                    first = new ParityReport.Divergence(firstBad, fa, fb, firstReason);
                }
            }
        }
        int c0 = formats.get(0).correct();
        for (ParityReport.FormatResult f : formats) {
            passed &= f.correct() == c0;
        }
        return new ParityReport(passed, dataset, n, tolerance, formats, pairs, first, files, notes,
                Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    }

    /** Index of the largest value in {@code v[from, from+k)}; the first one on ties; NaN never wins. */
    static int argmax(float[] v, int from, int k) {
        int best = 0;
        float bestV = Float.NEGATIVE_INFINITY;
        boolean any = false;
        for (int c = 0; c < k; c++) {
            float x = v[from + c];
            if (!any || x > bestV) {
                if (!Float.isNaN(x)) {
                    best = c;
                    bestV = x;
                    any = true;
                }
            }
        }
        return best;
    }
}
