package dev.glyph.exporter.internal;

import dev.glyph.datasets.DataException;
import dev.glyph.datasets.Datasets;
import dev.glyph.datasets.ImageSet;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The first images of a data set's test split as model input (float32 pixel/255, NCHW) plus their labels.
 *
 * <p>Thread-safety: immutable; do not modify the arrays.
 *
 * @param dataset the data set name
 * @param count images held
 * @param total images in the whole test split
 * @param pixels {@code count * 784} floats
 * @param labels {@code count} labels
 */
public record TestImages(String dataset, int count, int total, float[] pixels, byte[] labels) {

    /** Default data folder of {@code dataset}: {@code data/<dataset>} relative to the working directory. */
    public static Path defaultDir(String dataset) {
        return Path.of("data", dataset);
    }

    /**
     * Loads the test split of {@code dataset} from {@code dir} and keeps the first {@code limit} images
     * ({@code 0} = all).
     *
     * @throws DataException with a user-facing message that says to pass --data or run {@code ./glyph fetch}
     * @throws IllegalArgumentException if {@code limit} exceeds the test split
     */
    public static TestImages load(String dataset, Path dir, int limit) throws DataException {
        String hint = "; pass --data DIR (the folder with the " + dataset + " IDX files) or run `./glyph fetch`";
        if (!Datasets.NAMES.contains(dataset)) {
            throw new DataException("unknown data set \"" + dataset + "\"; expected one of " + Datasets.NAMES);
        }
        if (!Files.isDirectory(dir)) {
            throw new DataException("no " + dataset + " data at " + dir + hint);
        }
        ImageSet test;
        try {
            test = Datasets.load(dataset, dir).test();
        } catch (DataException e) {
            throw new DataException(e.getMessage() + hint, e);
        }
        if (test.rows() != 28 || test.cols() != 28) {
            throw new DataException(dir + ": test images are " + test.rows() + "x" + test.cols()
                    + "; MnistNet expects 28x28");
        }
        if (limit > test.count()) {
            throw new IllegalArgumentException(limit + " test images requested but " + dir + " holds only "
                    + test.count());
        }
        int n = limit == 0 ? test.count() : limit;
        byte[] raw = test.images();
        float[] px = new float[n * FormatRunner.PIXELS];
        for (int i = 0; i < px.length; i++) {
            px[i] = (raw[i] & 0xff) / 255f;
        }
        return new TestImages(dataset, n, test.count(), px, java.util.Arrays.copyOf(test.labels(), n));
    }
}
