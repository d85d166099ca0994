package dev.glyph.evaluation;

import dev.glyph.datasets.ImageSet;
import dev.glyph.inferencesdk.DigitClassifier;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The robustness suite: data no model here trains on. {@link #fonts} renders digits from the machine's fonts
 * ({@link FontDigits}); {@link #shifts} runs the MNIST test set under every {@link Corruption} at each of its
 * strengths, feeding the shifted 28x28 images as pixel/255 tensors (no PNG decoding, no re-centring).
 *
 * <pre>{@code
 * try (DigitClassifier c = DigitClassifier.open(Path.of("models/mnist/1"))) {
 *     ImageSet test = Datasets.ensure("mnist", Path.of("data/mnist")).test();
 *     RobustnessReport r = RobustnessSuite.run(c, test, RobustnessOptions.defaults().withMnistImages(2000));
 *     System.out.print(r.shifts().table());
 * }
 * }</pre>
 *
 * <p>Deterministic: the same model, data and options give the same report. Image {@code i} under a random
 * corruption uses the seed {@code options.seed()} mixed with {@code i}, so its shift does not depend on the other
 * images or on the strength list. Progress is logged through SLF4J.
 *
 * <p>Thread-safety: stateless; may be called from any thread.
 */
public final class RobustnessSuite {

    private static final Logger LOG = LoggerFactory.getLogger(RobustnessSuite.class);

    private RobustnessSuite() {
    }

    /**
     * Runs the suites {@code options} selects; {@code mnistTest} may be null when the shifts are off.
     *
     * @throws IllegalArgumentException if the shifts are on and {@code mnistTest} is null or not 28x28, or no
     *     font is found for the font suite
     * @throws IOException if a font folder cannot be listed
     */
    public static RobustnessReport run(DigitClassifier classifier, ImageSet mnistTest, RobustnessOptions options)
            throws IOException {
        EvaluationReport fonts = options.fonts() ? fonts(classifier, options) : null;
        ShiftReport shifts = options.shifts() ? shifts(classifier, mnistTest, options) : null;
        return new RobustnessReport(fonts, shifts);
    }

    /**
     * Renders {@code options.fontsPerDigit()} digits per class from the fonts under {@code options.fontDirs()} and
     * scores them as the set {@code fonts}, with per-font-family accuracy in {@link EvaluationReport#groups()}.
     *
     * @throws IllegalArgumentException if no usable font is found
     * @throws IOException if a font folder cannot be listed
     */
    public static EvaluationReport fonts(DigitClassifier classifier, RobustnessOptions options) throws IOException {
        long t0 = System.nanoTime();
        List<LabelledImage> set = FontDigits.render(options.fontDirs(), options.fontsPerDigit(), options.seed());
        EvaluationReport r = Evaluation.of(classifier, "fonts", set);
        LOG.info("fonts: {} images, accuracy {} % in {} ms", r.count(), String.format("%.2f", r.accuracy()),
                (System.nanoTime() - t0) / 1_000_000);
        return r;
    }

    /**
     * Scores the first {@code options.mnistImages()} (0 = all) images of {@code mnistTest} unshifted and under each
     * of {@code options.corruptions()} at each of its strengths.
     *
     * @throws IllegalArgumentException if {@code mnistTest} is null, empty or not 28x28
     */
    public static ShiftReport shifts(DigitClassifier classifier, ImageSet mnistTest, RobustnessOptions options) {
        if (mnistTest == null || mnistTest.count() == 0) {
            throw new IllegalArgumentException("the shift suite needs MNIST test images; found "
                    + (mnistTest == null ? "none" : "an empty set"));
        }
        long t0 = System.nanoTime();
        int n = options.mnistImages() == 0 ? mnistTest.count() : Math.min(options.mnistImages(), mnistTest.count());
        List<float[]> clean = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            clean.add(Evaluation.pixels(mnistTest, i));
        }
        int[] labels = java.util.Arrays.copyOf(Evaluation.labels(mnistTest), n);
        EvaluationReport cleanReport = Evaluation.ofPixels(classifier, "mnist", clean, labels);
        List<ShiftReport.Curve> curves = new ArrayList<>();
        for (Corruption c : Corruption.values()) {
            if (!options.corruptions().contains(c)) {
                continue;
            }
            List<Double> acc = new ArrayList<>();
            List<Double> ece = new ArrayList<>();
            for (double s : c.strengths()) {
                List<float[]> shifted = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    shifted.add(c.apply(clean.get(i), s, imageSeed(options.seed(), i)));
                }
                EvaluationReport r = Evaluation.ofPixels(classifier, c.id() + "@" + ShiftReport.strength(s), shifted,
                        labels);
                acc.add(r.accuracy());
                ece.add(r.ece());
            }
            curves.add(new ShiftReport.Curve(c, c.strengths(), acc, ece));
            LOG.debug("shift {}: accuracy {}", c.id(), acc);
        }
        ShiftReport report = new ShiftReport(n, cleanReport, curves);
        LOG.info("shifts: {} images x {} corruptions, mean corruption error {} % in {} ms", n, curves.size(),
                String.format("%.2f", report.meanCorruptionError()), (System.nanoTime() - t0) / 1_000_000);
        return report;
    }

    /** The seed of image {@code index}'s random shifts: {@code seed} mixed with the index (SplitMix64 finaliser). */
    static long imageSeed(long seed, int index) {
        long z = seed + 0x9E3779B97F4A7C15L * (index + 1L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
