package dev.glyph.evaluation;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Accuracy of a model on the MNIST test set against shift strength, per {@link Corruption}, the way MNIST-C and
 * ImageNet-C report it, with the mean corruption error.
 *
 * <pre>{@code
 * ShiftReport s = RobustnessSuite.shifts(classifier, mnist.test(), RobustnessOptions.defaults());
 * double mce = s.meanCorruptionError();   // percent
 * }</pre>
 *
 * <p>The corruption error of one corruption is its mean test error (100 - accuracy, percent) over its strengths,
 * leaving out identity strengths (rotation by 0); the mean corruption error is the mean of those over the
 * corruptions run. It is not normalised by a baseline model (ImageNet-C divides by AlexNet's errors; MNIST-C
 * reports plain test error, as here); compare it with {@link #cleanError()}.
 *
 * <p>Thread-safety: immutable.
 *
 * @param images test images per strength
 * @param clean the unshifted images' report
 * @param curves one per corruption, in {@link Corruption} order
 */
public record ShiftReport(int images, EvaluationReport clean, List<Curve> curves) {

    /**
     * One corruption's results, one entry per strength.
     *
     * @param corruption which
     * @param strengths the strengths, mildest first
     * @param accuracies accuracy in percent at each strength
     * @param eces expected calibration error in percent at each strength
     */
    public record Curve(Corruption corruption, List<Double> strengths, List<Double> accuracies, List<Double> eces) {

        /** Checks that the lists have one entry per strength and copies them. */
        public Curve {
            Objects.requireNonNull(corruption, "corruption");
            strengths = List.copyOf(strengths);
            accuracies = List.copyOf(accuracies);
            eces = List.copyOf(eces);
            if (accuracies.size() != strengths.size() || eces.size() != strengths.size()) {
                throw new IllegalArgumentException(corruption.id() + ": " + strengths.size() + " strengths, "
                        + accuracies.size() + " accuracies and " + eces.size() + " ECEs; expected as many of each");
            }
        }

        /** Mean error in percent over the non-identity strengths (NaN if there are none). */
        public double corruptionError() {
            double sum = 0;
            int n = 0;
            for (int i = 0; i < strengths.size(); i++) {
                if (!corruption.isIdentity(strengths.get(i))) {
                    sum += 100.0 - accuracies.get(i);
                    n++;
                }
            }
            return n == 0 ? Double.NaN : sum / n;
        }
    }

    /** Checks for nulls and copies the list. */
    public ShiftReport {
        Objects.requireNonNull(clean, "clean");
        curves = List.copyOf(curves);
    }

    /** Returns the error in percent on the unshifted images. */
    public double cleanError() {
        return 100.0 - clean.accuracy();
    }

    /** Returns the mean over the corruptions of {@link Curve#corruptionError()}, percent (NaN with none). */
    public double meanCorruptionError() {
        return curves.isEmpty() ? Double.NaN
                : curves.stream().mapToDouble(Curve::corruptionError).filter(d -> !Double.isNaN(d)).average()
                        .orElse(Double.NaN);
    }

    /** Returns a text table: one line per corruption, strength:accuracy pairs and its corruption error. */
    public String table() {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT,
                "shifted MNIST (%d images per strength; accuracy %% at strength):%n", images));
        b.append(String.format(Locale.ROOT, "  %-12s %s%n", "clean", fmt(clean.accuracy())));
        for (Curve c : curves) {
            StringBuilder row = new StringBuilder();
            for (int i = 0; i < c.strengths().size(); i++) {
                row.append(String.format(Locale.ROOT, "%8s", strength(c.strengths().get(i)) + ":"))
                        .append(String.format(Locale.ROOT, "%-6s", fmt(c.accuracies().get(i))));
            }
            b.append(String.format(Locale.ROOT, "  %-12s%s  CE %s%n", c.corruption().id(), row,
                    fmt(c.corruptionError())));
        }
        b.append(String.format(Locale.ROOT, "  mean corruption error %s %% (clean error %s %%)%n",
                fmt(meanCorruptionError()), fmt(cleanError())));
        return b.toString();
    }

    static String strength(double s) {
        return s == Math.rint(s) ? Long.toString((long) s) : Double.toString(s);
    }

    private static String fmt(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.1f", v);
    }
}
