package dev.glyph.evaluation;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What one test set scored: accuracy, the confusion matrix, per-class accuracy, expected calibration error and
 * the misclassified images.
 *
 * <pre>{@code
 * EvaluationReport r = Evaluation.ofFolder(classifier, Path.of("digits"));
 * System.out.print(r.table());
 * double ece = r.ece();                    // percent, 15 bins, at T = 1
 * }</pre>
 *
 * <p>Thread-safety: immutable.
 *
 * @param name the set's name, e.g. {@code images}, {@code fonts}, {@code mnist}
 * @param confusion the confusion matrix
 * @param ece expected calibration error in percent ({@code TemperatureScaling.ece} with
 *     {@code TemperatureScaling.ECE_BINS} bins at T = 1); NaN for an empty set
 * @param temperature the temperature the classifier applies to its probabilities (the manifest's, 1 when none)
 * @param eceAtTemperature the expected calibration error of those probabilities, at {@code temperature}
 * @param errors misclassified images, in set order, at most {@link Evaluation#MAX_ERRORS}
 * @param rejected files that could not be decoded (image folders only)
 * @param groups per-group accuracy (e.g. per font family), group name to {@code [correct, count]}; empty when the
 *     set has no groups
 */
public record EvaluationReport(String name, ConfusionMatrix confusion, double ece, double temperature,
        double eceAtTemperature, List<Misclassified> errors,
        List<ImageFolder.Rejected> rejected, Map<String, long[]> groups) {

    /** Checks for nulls and copies the collections. */
    public EvaluationReport {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(confusion, "confusion");
        errors = List.copyOf(errors);
        rejected = List.copyOf(rejected);
        TreeMap<String, long[]> g = new TreeMap<>();
        groups.forEach((k, v) -> g.put(k, v.clone()));
        groups = java.util.Collections.unmodifiableMap(g);
    }

    /** Returns the number of images evaluated. */
    public long count() {
        return confusion.total();
    }

    /** Returns the number classified correctly. */
    public long correct() {
        return confusion.correct();
    }

    /** Returns the accuracy in percent (NaN for an empty set). */
    public double accuracy() {
        return confusion.accuracy();
    }

    /** Returns the per-class accuracy in percent (NaN for a digit with no images). */
    public double[] perClassAccuracy() {
        return confusion.perClassAccuracy();
    }

    /** Returns a text summary: counts, accuracy, ECE, per-class accuracy and the confusion matrix. */
    public String table() {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%s: %d images, %d correct, accuracy %s, ECE %s%n", name, count(),
                correct(), percent(accuracy()), percent(ece)));
        if (!rejected.isEmpty()) {
            b.append(String.format(Locale.ROOT, "  %d file(s) could not be decoded, e.g. %s: %s%n", rejected.size(),
                    rejected.get(0).file(), rejected.get(0).reason()));
        }
        b.append("  per class:");
        double[] pc = perClassAccuracy();
        for (int d = 0; d < pc.length; d++) {
            b.append(String.format(Locale.ROOT, " %d:%s", d, Double.isNaN(pc[d]) ? "-" : String.format(Locale.ROOT,
                    "%.1f", pc[d])));
        }
        b.append('\n');
        for (String line : confusion.table().split("\n")) {
            b.append("  ").append(line).append('\n');
        }
        return b.toString();
    }

    static String percent(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2f %%", v);
    }
}
