package dev.glyph.exporter.internal;

import dev.glyph.exporter.GateReport;
import dev.glyph.exporter.ParityReport;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Computes a {@link GateReport} from the log-probabilities of an fp32 model and its optimised copy on the same
 * test images.
 *
 * <pre>{@code
 * GateReport g = GateCheck.compare("int8", "mnist", labels, n, fp32, int8, ref, engine, 0.3, 99.5, files, notes);
 * }</pre>
 *
 * <p>Thread-safety: stateless.
 */
public final class GateCheck {

    private GateCheck() {
    }

    /**
     * Compares the two outputs.
     *
     * @param reference fp32 log-probabilities, row-major {@code [n,10]}
     * @param candidate optimised log-probabilities, row-major {@code [n,10]}
     * @throws IllegalArgumentException if the lengths do not match {@code n}
     */
    public static GateReport compare(String precision, String dataset, byte[] labels, int n, float[] reference,
            float[] candidate, GateReport.Reference ref, String engine, double maxAccuracyDrop,
            double minArgmaxAgreement, Map<String, String> files, List<String> notes) {
        int k = FormatRunner.CLASSES;
        if (reference.length != n * k || candidate.length != n * k || labels.length < n) {
            throw new IllegalArgumentException("expected " + n + " x " + k + " log-probabilities and " + n
                    + " labels, found " + reference.length + ", " + candidate.length + " and " + labels.length);
        }
        int[] perClassImages = new int[k];
        int[] perClassRef = new int[k];
        int[] perClassCand = new int[k];
        int refCorrect = 0;
        int candCorrect = 0;
        double maxDiff = 0;
        List<GateReport.Flip> flips = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int label = labels[i];
            int a = ParityCheck.argmax(reference, i * k, k);
            int b = ParityCheck.argmax(candidate, i * k, k);
            perClassImages[label]++;
            if (a == label) {
                refCorrect++;
                perClassRef[label]++;
            }
            if (b == label) {
                candCorrect++;
                perClassCand[label]++;
            }
            if (a != b) {
                flips.add(new GateReport.Flip(i, label, a, b));
            }
            for (int c = 0; c < k; c++) {
                double d = Math.abs((double) reference[i * k + c] - candidate[i * k + c]);
                maxDiff = Double.isNaN(d) ? Double.POSITIVE_INFINITY : Math.max(maxDiff, d);
            }
        }
        List<GateReport.ClassResult> perClass = new ArrayList<>();
        for (int c = 0; c < k; c++) {
            int m = perClassImages[c];
            double change = m == 0 ? 0 : 100.0 * (perClassCand[c] - perClassRef[c]) / m;
            perClass.add(new GateReport.ClassResult(c, m, perClassRef[c], perClassCand[c], change));
        }
        double refAcc = n == 0 ? 0 : 100.0 * refCorrect / n;
        double candAcc = n == 0 ? 0 : 100.0 * candCorrect / n;
        double drop = refAcc - candAcc;
        double agreement = n == 0 ? 100.0 : 100.0 * (n - flips.size()) / n;
        // compare counts of images, so that the rounding of a percentage never decides
        boolean dropOk = (refCorrect - candCorrect) * 100.0 <= maxAccuracyDrop * n + 1e-6;
        boolean agreeOk = (n - flips.size()) * 100.0 >= minArgmaxAgreement * n - 1e-6;
        List<ParityReport.FormatResult> formats = List.of(
                new ParityReport.FormatResult(GateReport.REFERENCE_FORMAT, engine, refCorrect, n, refAcc),
                new ParityReport.FormatResult(precision, engine, candCorrect, n, candAcc));
        return new GateReport(dropOk && agreeOk, precision, dataset, n, ref, formats, drop, maxAccuracyDrop,
                agreement, minArgmaxAgreement, maxDiff, perClass, flips, files, notes,
                Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    }
}
