package dev.glyph.datasets;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A loaded IDX data set: its training and test split and the SHA-256 of each file.
 *
 * <pre>{@code
 * Dataset d = Datasets.ensure("mnist", Path.of("data/mnist"));
 * log.info("{}: {} train / {} test images", d.dataset(), d.train().count(), d.test().count());
 * String hash = d.sha256().get("train-images-idx3-ubyte");
 * }</pre>
 *
 * <p>Thread-safety: immutable (see {@link ImageSet} about its arrays).
 *
 * @param dataset {@code "mnist"} or {@code "fashion-mnist"}
 * @param train the training split
 * @param test the test split
 * @param sha256 canonical file name (for example {@code train-images-idx3-ubyte}) to the lowercase
 *     hex SHA-256 of the uncompressed IDX bytes, in the order train images, train labels, test
 *     images, test labels; unmodifiable
 */
public record Dataset(String dataset, ImageSet train, ImageSet test, Map<String, String> sha256) {

    /** Checks for nulls and makes {@code sha256} an unmodifiable ordered copy. */
    public Dataset {
        Objects.requireNonNull(dataset, "dataset");
        Objects.requireNonNull(train, "train");
        Objects.requireNonNull(test, "test");
        sha256 = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(sha256, "sha256")));
    }
}
