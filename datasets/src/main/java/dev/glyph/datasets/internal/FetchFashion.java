package dev.glyph.datasets.internal;

import dev.glyph.datasets.DataException;
import dev.glyph.datasets.Datasets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies Fashion-MNIST from the folder of Debian's {@code dataset-fashion-mnist} package (four
 * {@code .gz} IDX files) into the data folder, each file through a temporary file and a rename.
 *
 * <p>Thread-safety: stateless.
 */
final class FetchFashion {

    private static final Logger LOG = LoggerFactory.getLogger(FetchFashion.class);

    private FetchFashion() {
    }

    /** Copies the four {@code .gz} files from {@code source} into {@code dir}, which must exist. */
    static void fetch(Path source, Path dir) throws DataException {
        List<String> missing = new ArrayList<>();
        for (String f : Datasets.FILES) {
            if (!Files.isRegularFile(source.resolve(f + ".gz"))) {
                missing.add(f + ".gz");
            }
        }
        if (!missing.isEmpty()) {
            String found = Files.isDirectory(source) ? DataFiles.display(source) + " lacks " + DataFiles.join(missing)
                    : DataFiles.display(source) + " does not exist";
            throw new DataException("Fashion-MNIST is not installed (" + found + "): run `sudo apt-get install "
                    + "dataset-fashion-mnist`, or put the four IDX files (plain or .gz) into "
                    + DataFiles.display(dir) + ": " + DataFiles.join(Datasets.FILES));
        }
        LOG.info("Fetching Fashion-MNIST: copying {} into {}", DataFiles.display(source), DataFiles.display(dir));
        Map<String, Path> temps = new LinkedHashMap<>();
        try {
            for (String f : Datasets.FILES) {
                Path tmp = DataFiles.tempFileFor(dir, f + ".gz");
                temps.put(f, tmp);
                Files.copy(source.resolve(f + ".gz"), tmp, StandardCopyOption.REPLACE_EXISTING);
            }
            for (String f : Datasets.FILES) {
                Path target = dir.resolve(f + ".gz");
                DataFiles.moveIntoPlace(temps.remove(f), target);
                Path stale = dir.resolve(f);
                if (Files.isRegularFile(stale)) {
                    // a plain file would take precedence over the fresh copy on load
                    Files.delete(stale);
                    LOG.info("Removed {}, superseded by {}", DataFiles.display(stale), target.getFileName());
                }
                LOG.info("Wrote {}", DataFiles.display(target));
            }
        } catch (IOException e) {
            throw new DataException("copying Fashion-MNIST from " + DataFiles.display(source) + " into "
                    + DataFiles.display(dir) + " failed: " + DataFiles.describe(e), e);
        } finally {
            temps.values().forEach(DataFiles::deleteQuietly);
        }
    }
}
