package dev.glyph.client;

import dev.glyph.proto.v1.Image;
import dev.glyph.datasets.DataException;
import dev.glyph.datasets.Datasets;
import dev.glyph.datasets.ImageSet;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The test split of an IDX data set (MNIST or Fashion-MNIST) as request payloads: 28x28 gray8
 * images and their labels, read once. This is the only place the client reads IDX files.
 *
 * <pre>{@code
 * TestImages test = TestImages.load("mnist", Path.of("data/mnist"), 1000);
 * List<Prediction> ps = remote.classify(test, 0, test.count());
 * boolean right = ps.get(0).getLabel() == test.label(0);
 * }</pre>
 *
 * <p>Thread-safety: immutable after loading; share it freely.
 */
public final class TestImages {

    private final String dataset;
    private final int count;
    private final byte[] gray8;
    private final byte[] labels;

    private TestImages(String dataset, int count, byte[] gray8, byte[] labels) {
        this.dataset = dataset;
        this.count = count;
        this.gray8 = gray8;
        this.labels = labels;
    }

    /**
     * Loads the test split of {@code dataset} from the IDX files in {@code dir}, keeping at most
     * {@code limit} images.
     *
     * @param dataset {@code mnist} or {@code fashion-mnist}
     * @param limit most images to keep, at least 1
     * @throws IllegalArgumentException if the name or limit is wrong, or the images are not 28x28
     * @throws IOException if the files are missing or malformed; the message names the file
     */
    public static TestImages load(String dataset, Path dir, int limit) throws IOException {
        if (limit < 1) {
            throw new IllegalArgumentException("limit is " + limit + "; expected >= 1");
        }
        ImageSet test;
        try {
            test = Datasets.load(dataset, dir).test();
        } catch (DataException e) {
            throw new IOException(e.getMessage(), e);
        }
        if (test.rows() != 28 || test.cols() != 28 || test.count() == 0) {
            throw new IllegalArgumentException(dir + " holds " + test.count() + " test images of " + test.rows() + "x"
                    + test.cols() + "; expected 28x28 images");
        }
        int n = Math.min(limit, test.count());
        ImageSet kept = test.first(n);
        return new TestImages(dataset, n, kept.images(), kept.labels());
    }

    /** Returns the data set name. */
    public String dataset() {
        return dataset;
    }

    /** Returns how many images there are. */
    public int count() {
        return count;
    }

    /** Returns the label of image {@code i}. */
    public int label(int i) {
        return labels[Objects.checkIndex(i, count)] & 0xff;
    }

    /** Returns image {@code i} as a gray8 message (784 bytes, 0 = background). */
    public Image image(int i) {
        return GlyphClient.gray8(gray8, Objects.checkIndex(i, count) * GlyphClient.PIXELS);
    }
}
