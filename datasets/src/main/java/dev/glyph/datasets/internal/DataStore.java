package dev.glyph.datasets.internal;

import dev.glyph.datasets.DataException;
import dev.glyph.datasets.Dataset;
import dev.glyph.datasets.Datasets;
import dev.glyph.datasets.ImageSet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The implementation behind {@link Datasets}, with its sources injectable for tests.
 *
 * <pre>{@code
 * Dataset d = new DataStore(DataSources.defaults().withFashionSource(folder)).fetch("fashion-mnist", dir);
 * }</pre>
 *
 * <p>Thread-safety: immutable; see {@link Datasets}.
 */
public final class DataStore {

    private static final Logger LOG = LoggerFactory.getLogger(DataStore.class);

    private final DataSources sources;

    /** Creates a store reading from {@code sources}. */
    public DataStore(DataSources sources) {
        this.sources = Objects.requireNonNull(sources, "sources");
    }

    /** See {@link Datasets#fetch}. */
    public Dataset fetch(String dataset, Path dir) throws DataException {
        checkName(dataset);
        Objects.requireNonNull(dir, "dir");
        DataFiles.createFolder(dir);
        if (dataset.equals("mnist")) {
            FetchMnist.fetch(sources, dir);
        } else {
            FetchFashion.fetch(sources.fashionSource(), dir);
        }
        return load(dataset, dir);
    }

    /** See {@link Datasets#load}. */
    public Dataset load(String dataset, Path dir) throws DataException {
        checkName(dataset);
        Objects.requireNonNull(dir, "dir");
        if (!Files.isDirectory(dir)) {
            throw new DataException(DataFiles.display(dir) + ": the " + dataset + " data folder "
                    + (Files.exists(dir) ? "is not a folder" : "does not exist") + "; " + fetchHint(dataset, dir));
        }
        DataFiles.Located located = DataFiles.locate(dir);
        if (!located.missing().isEmpty()) {
            throw new DataException(DataFiles.display(dir) + ": missing " + DataFiles.join(located.missing())
                    + " (plain or .gz); " + fetchHint(dataset, dir));
        }
        long start = System.nanoTime();
        Map<String, Path> files = located.present();
        Map<String, String> hashes = new LinkedHashMap<>();
        ImageSet train = split("train", files.get(Datasets.FILES.get(0)), files.get(Datasets.FILES.get(1)), hashes);
        ImageSet test = split("test", files.get(Datasets.FILES.get(2)), files.get(Datasets.FILES.get(3)), hashes);
        if (dataset.equals("mnist")) {
            for (String name : Datasets.FILES) {
                String expected = sources.mnistSha256().get(name);
                String actual = hashes.get(name);
                if (!actual.equals(expected)) {
                    throw new DataException(DataFiles.display(files.get(name)) + ": SHA-256 of the uncompressed data is "
                            + actual + ", expected " + expected + " (the official MNIST " + name + "). The file is "
                            + "damaged or not the official MNIST file: delete " + DataFiles.display(dir)
                            + " and run `./glyph fetch` again");
                }
            }
        }
        LOG.info("Loaded {} from {}: {} train and {} test images of {}x{} in {} ms", dataset, DataFiles.display(dir),
                train.count(), test.count(), train.rows(), train.cols(), (System.nanoTime() - start) / 1_000_000);
        return new Dataset(dataset, train, test, hashes);
    }

    /** See {@link Datasets#ensure}. */
    public Dataset ensure(String dataset, Path dir) throws DataException {
        checkName(dataset);
        Objects.requireNonNull(dir, "dir");
        if (!Files.exists(dir)) {
            LOG.info("{} does not exist yet; fetching {}", DataFiles.display(dir), dataset);
            return fetch(dataset, dir);
        }
        if (!Files.isDirectory(dir)) {
            throw new DataException(DataFiles.display(dir) + ": expected a data folder, found a file");
        }
        DataFiles.Located located = DataFiles.locate(dir);
        if (located.present().isEmpty()) {
            LOG.info("{} holds no {} files yet; fetching", DataFiles.display(dir), dataset);
            return fetch(dataset, dir);
        }
        if (!located.missing().isEmpty()) {
            throw new DataException(DataFiles.display(dir) + ": incomplete " + dataset + " folder: has "
                    + DataFiles.join(located.present().values().stream().map(p -> p.getFileName().toString())
                            .toList())
                    + " but is missing " + DataFiles.join(located.missing()) + " (plain or .gz). Add the missing "
                    + "files, or delete the folder and run `./glyph fetch` to fetch " + dataset + " again");
        }
        return load(dataset, dir);
    }

    /** Reads one split's images and labels file and checks that they belong together. */
    private static ImageSet split(String split, Path imagesFile, Path labelsFile, Map<String, String> hashes)
            throws DataException {
        IdxData images = IdxReader.readImages(imagesFile);
        IdxData labels = IdxReader.readLabels(labelsFile);
        if (images.count() != labels.count()) {
            throw new DataException(DataFiles.display(labelsFile) + ": " + split + " split has " + labels.count()
                    + " labels, expected " + images.count() + " (the number of images in "
                    + DataFiles.display(imagesFile) + ")");
        }
        if (images.count() == 0) {
            throw new DataException(DataFiles.display(imagesFile) + ": " + split + " split has 0 images, expected at "
                    + "least 1");
        }
        hashes.put(canonical(imagesFile), images.sha256());
        hashes.put(canonical(labelsFile), labels.sha256());
        return new ImageSet(images.count(), images.rows(), images.cols(), images.payload(), labels.payload());
    }

    private static String canonical(Path file) {
        String n = file.getFileName().toString();
        return n.endsWith(".gz") ? n.substring(0, n.length() - 3) : n;
    }

    private static String fetchHint(String dataset, Path dir) {
        return "run `./glyph fetch` to fetch " + dataset + ", or put the four IDX files (plain or .gz) into "
                + DataFiles.display(dir) + ": " + DataFiles.join(Datasets.FILES);
    }

    private static void checkName(String dataset) {
        if (dataset == null || !Datasets.NAMES.contains(dataset)) {
            throw new IllegalArgumentException("unknown dataset '" + dataset + "': expected one of "
                    + DataFiles.join(Datasets.NAMES));
        }
    }
}
