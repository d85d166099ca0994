package dev.glyph.evaluation;

import dev.glyph.datasets.ImageSet;
import dev.glyph.inferencesdk.DigitClassifier;
import dev.glyph.inferencesdk.DigitImage;
import dev.glyph.inferencesdk.Prediction;
import dev.glyph.modelformat.TemperatureScaling;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Scores a classifier on a test set: images go through the model in batches of
 * {@link DigitClassifier#maxBatchSize()} and the answers become an {@link EvaluationReport}.
 *
 * <pre>{@code
 * try (DigitClassifier c = DigitClassifier.open(Path.of("models/mnist/1"))) {
 *     EvaluationReport scans = Evaluation.ofFolder(c, Path.of("digits"));     // LABEL/x.png or NNNN_LABEL.png
 *     EvaluationReport test = Evaluation.ofImageSet(c, "mnist", mnist.test());
 * }
 * }</pre>
 *
 * <p>Thread-safety: stateless; the methods may be called from any thread (the classifier is thread-safe).
 */
public final class Evaluation {

    /** The most misclassified images a report keeps. */
    public static final int MAX_ERRORS = 200;

    private Evaluation() {
    }

    /**
     * Loads {@code folder} ({@link ImageFolder#load}) and scores it as the set {@code images}; undecodable files
     * are listed in the report's {@code rejected}.
     *
     * @throws IllegalArgumentException if the folder's layout is wrong, or it has no decodable image
     * @throws IOException if it cannot be read
     */
    public static EvaluationReport ofFolder(DigitClassifier classifier, Path folder) throws IOException {
        ImageFolder f = ImageFolder.load(folder);
        if (f.images().isEmpty()) {
            throw new IllegalArgumentException("image folder " + folder + " has " + f.rejected().size()
                    + " file(s) and none decodes (e.g. " + f.rejected().get(0).file() + ": "
                    + f.rejected().get(0).reason() + "); expected PNG, JPEG, BMP or GIF images");
        }
        return of(classifier, "images", f.images(), f.rejected());
    }

    /** Scores {@code images} as the set {@code name}. */
    public static EvaluationReport of(DigitClassifier classifier, String name, List<LabelledImage> images) {
        return of(classifier, name, images, List.of());
    }

    /**
     * Scores {@code images} as the set {@code name}, carrying {@code rejected} into the report.
     *
     * @throws IllegalArgumentException if {@code classifier} or {@code images} is null
     */
    public static EvaluationReport of(DigitClassifier classifier, String name, List<LabelledImage> images,
            List<ImageFolder.Rejected> rejected) {
        if (classifier == null || images == null) {
            throw new IllegalArgumentException("classifier or images are null; expected both");
        }
        List<DigitImage> pixels = new ArrayList<>(images.size());
        int[] labels = new int[images.size()];
        for (int i = 0; i < images.size(); i++) {
            pixels.add(images.get(i).image());
            labels[i] = images.get(i).label();
        }
        List<Prediction> ps = classifyAll(classifier, pixels);
        Map<String, long[]> groups = new LinkedHashMap<>();
        for (int i = 0; i < images.size(); i++) {
            String g = images.get(i).group();
            if (!g.isEmpty()) {
                long[] c = groups.computeIfAbsent(g, k -> new long[2]);
                c[1]++;
                if (ps.get(i).label() == labels[i]) {
                    c[0]++;
                }
            }
        }
        return report(name, labels, ps, i -> images.get(i).id(), pixels, rejected, groups, classifier.temperature());
    }

    /**
     * Scores the gray8 images of {@code set} (28x28, fed as pixel/255 through {@link DigitImage#ofGray8}) as the
     * set {@code name}; image ids are {@code name#index}.
     *
     * @throws IllegalArgumentException if the images are not 28x28
     */
    public static EvaluationReport ofImageSet(DigitClassifier classifier, String name, ImageSet set) {
        List<float[]> px = new ArrayList<>(set.count());
        for (int i = 0; i < set.count(); i++) {
            px.add(pixels(set, i));
        }
        return ofPixels(classifier, name, px, labels(set));
    }

    /**
     * Scores 28x28 float images in [0,1] (784 each, 0 = background; fed through {@link DigitImage#ofPixels}) with
     * their labels as the set {@code name}; ids are {@code name#index}.
     *
     * @throws IllegalArgumentException if the counts differ or an image is not 784 floats in [0,1]
     */
    public static EvaluationReport ofPixels(DigitClassifier classifier, String name, List<float[]> pixels,
            int[] labels) {
        if (pixels.size() != labels.length) {
            throw new IllegalArgumentException("found " + pixels.size() + " images and " + labels.length
                    + " labels; expected the same number");
        }
        List<DigitImage> images = new ArrayList<>(pixels.size());
        for (float[] p : pixels) {
            images.add(DigitImage.ofPixels(p));
        }
        return report(name, labels, classifyAll(classifier, images), i -> name + "#" + i, images, List.of(), Map.of(),
                classifier.temperature());
    }

    static float[] pixels(ImageSet set, int index) {
        if (set.rows() != DigitImage.SIZE || set.cols() != DigitImage.SIZE) {
            throw new IllegalArgumentException("image set holds " + set.rows() + "x" + set.cols()
                    + " images; expected 28x28");
        }
        byte[] src = set.images();
        int off = index * DigitImage.PIXELS;
        float[] px = new float[DigitImage.PIXELS];
        for (int k = 0; k < px.length; k++) {
            px[k] = (src[off + k] & 0xff) / 255f;
        }
        return px;
    }

    static int[] labels(ImageSet set) {
        int[] l = new int[set.count()];
        for (int i = 0; i < l.length; i++) {
            l[i] = set.label(i);
        }
        return l;
    }

    /** Classifies all {@code images} in batches of the classifier's largest batch. */
    static List<Prediction> classifyAll(DigitClassifier classifier, List<DigitImage> images) {
        List<Prediction> out = new ArrayList<>(images.size());
        int chunk = Math.max(1, classifier.maxBatchSize());
        for (int start = 0; start < images.size(); start += chunk) {
            out.addAll(classifier.classifyBatch(images.subList(start, Math.min(images.size(), start + chunk))));
        }
        return out;
    }

    private static EvaluationReport report(String name, int[] labels, List<Prediction> ps,
            java.util.function.IntFunction<String> id, List<DigitImage> images, List<ImageFolder.Rejected> rejected,
            Map<String, long[]> groups, double temperature) {
        int[] predicted = new int[labels.length];
        float[][] logProbs = new float[labels.length][];
        List<Misclassified> errors = new ArrayList<>();
        for (int i = 0; i < labels.length; i++) {
            Prediction p = ps.get(i);
            predicted[i] = p.label();
            logProbs[i] = p.logProbabilities();
            if (p.label() != labels[i] && errors.size() < MAX_ERRORS) {
                errors.add(new Misclassified(id.apply(i), labels[i], p.label(), p.confidence(), images.get(i)));
            }
        }
        double ece = labels.length == 0 ? Double.NaN
                : TemperatureScaling.ece(logProbs, labels, 1.0, TemperatureScaling.ECE_BINS);
        double eceAtT = labels.length == 0 ? Double.NaN
                : TemperatureScaling.ece(logProbs, labels, temperature, TemperatureScaling.ECE_BINS);
        return new EvaluationReport(name, ConfusionMatrix.of(labels, predicted), ece, temperature, eceAtT, errors,
                rejected, groups);
    }
}
