package dev.glyph.datasets.internal;

import dev.glyph.datasets.DataException;
import dev.glyph.datasets.Datasets;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * File-system helpers of the data layer: finding the four IDX files in a folder, atomic writes and
 * clean-up.
 *
 * <p>Thread-safety: stateless.
 */
public final class DataFiles {

    private static final Logger LOG = LoggerFactory.getLogger(DataFiles.class);

    private DataFiles() {
    }

    /**
     * What a data folder holds.
     *
     * @param present canonical name to the file found for it (plain preferred over {@code .gz})
     * @param missing canonical names with neither a plain nor a {@code .gz} file, in canonical order
     */
    public record Located(Map<String, Path> present, List<String> missing) {
    }

    /** Looks for each canonical file, plain or {@code .gz}, in {@code dir}. */
    public static Located locate(Path dir) {
        Map<String, Path> present = new LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        for (String name : Datasets.FILES) {
            Path plain = dir.resolve(name);
            Path gz = dir.resolve(name + ".gz");
            boolean hasPlain = Files.isRegularFile(plain);
            boolean hasGz = Files.isRegularFile(gz);
            if (hasPlain && hasGz) {
                LOG.warn("{} has both {} and {}.gz; using the plain file", display(dir), name, name);
            }
            if (hasPlain) {
                present.put(name, plain);
            } else if (hasGz) {
                present.put(name, gz);
            } else {
                missing.add(name);
            }
        }
        return new Located(Collections.unmodifiableMap(present), List.copyOf(missing));
    }

    /** The absolute, normalised form of {@code p} used in messages. */
    public static String display(Path p) {
        return p.toAbsolutePath().normalize().toString();
    }

    /** The canonical names joined for messages: {@code a, b, c}. */
    public static String join(List<String> names) {
        return String.join(", ", names);
    }

    /** Creates {@code dir} and its parents, as a {@link DataException} on failure. */
    public static void createFolder(Path dir) throws DataException {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new DataException(display(dir) + ": cannot create the data folder: " + describe(e), e);
        }
    }

    /**
     * Creates an empty temporary file in {@code dir} for {@code finalName}, to be renamed later.
     * Unlike {@link Files#createTempFile}, it gets the usual permissions (umask), not owner-only,
     * because it becomes the final file.
     */
    public static Path tempFileFor(Path dir, String finalName) throws IOException {
        for (int attempt = 0; ; attempt++) {
            String suffix = Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36);
            try {
                return Files.createFile(dir.resolve("." + finalName + "." + suffix + ".part"));
            } catch (FileAlreadyExistsException e) {
                if (attempt >= 10) {
                    throw e;
                }
            }
        }
    }

    /** Renames {@code tmp} to {@code target} atomically (same folder), replacing an existing file. */
    public static void moveIntoPlace(Path tmp, Path target) throws IOException {
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Deletes {@code p} if it exists, logging instead of failing. */
    public static void deleteQuietly(Path p) {
        if (p == null) {
            return;
        }
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            LOG.warn("could not delete {}: {}", display(p), describe(e));
        }
    }

    /** Deletes a folder tree, logging instead of failing. Symbolic links are removed, not followed. */
    public static void deleteTree(Path root) {
        if (root == null || !Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (Files.isDirectory(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(root)) {
                for (Path e : entries) {
                    deleteTree(e);
                }
            } catch (IOException e) {
                LOG.warn("could not list {}: {}", display(root), describe(e));
            }
        }
        deleteQuietly(root);
    }

    /** A short description of an I/O error: its type and message. */
    public static String describe(Throwable e) {
        String msg = e.getMessage();
        String type = e.getClass().getSimpleName();
        return msg == null || msg.isBlank() ? type : type + ": " + msg;
    }
}
