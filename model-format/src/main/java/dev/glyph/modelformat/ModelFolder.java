package dev.glyph.modelformat;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The model folder on disk ({@code models/<name>/<version>/}, docs/model-folder.md): its file names, checking
 * files against the manifest, and replacing a whole folder atomically through a hidden staging sibling.
 *
 * <pre>{@code
 * ManifestFile m = ManifestFile.read(dir);
 * byte[] onnx = ModelFolder.readVerified(dir, m, ModelFolder.ONNX);   // size and SHA-256 checked
 * }</pre>
 *
 * <p>Staging folders are called {@code .<parent>-<folder>.tmp-<pid>-<n>} and replaced folders are parked as
 * {@code .<parent>-<folder>.old-<pid>-<n>} while the new one moves in; both live next to the target, so every
 * move is a rename within one file system. Readers that poll for versions ignore names starting with a dot.
 *
 * <p>Thread-safety: stateless apart from an atomic counter; safe to call concurrently for different targets.
 */
public final class ModelFolder {

    /** The manifest file. */
    public static final String MANIFEST = "manifest.json";
    /** The ONNX file. */
    public static final String ONNX = "model.onnx";
    /** The TorchScript file. */
    public static final String TORCHSCRIPT = "model.pt";
    /** The report written by verify. */
    public static final String PARITY = "parity.json";
    /** The picture of the test images whose label an optimised (int8, fp16) version changed, written by optimize. */
    public static final String FLIPS = "flips.png";
    /** Every name a model folder may hold; replacing is allowed only for folders made of these. */
    public static final Set<String> KNOWN_FILES = Set.of(MANIFEST, ONNX, TORCHSCRIPT, PARITY, FLIPS);

    private static final Logger LOG = LoggerFactory.getLogger(ModelFolder.class);
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final Pattern STAGING = Pattern.compile("\\.(.+)\\.(tmp|old)-(\\d+)-(\\d+)");

    private ModelFolder() {
    }

    /**
     * Reads {@code dir/name} and checks its size and SHA-256 against the manifest entry, so the bytes returned
     * are exactly the bytes that were checked.
     *
     * @throws ModelFormatException if the manifest does not list the file, the file is missing, or it differs
     *     (naming the file, the expected and the actual size and hash)
     */
    public static byte[] readVerified(Path dir, ManifestFile manifest, String name) throws ModelFormatException {
        FileDigest want = manifest.requireFile(name);
        Path f = dir.resolve(name);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(f);
        } catch (NoSuchFileException e) {
            throw missing(name, manifest, f, want);
        } catch (IOException e) {
            throw new ModelFormatException("cannot read " + f + ": " + e.getMessage(), e);
        }
        check(name, manifest, want, FileDigest.of(bytes));
        return bytes;
    }

    /**
     * Checks every file listed in the manifest (size and SHA-256) and that each of {@code required} is listed.
     *
     * @return the verified digests
     * @throws ModelFormatException naming the first file that is missing or differs
     */
    public static Map<String, FileDigest> verifyFiles(Path dir, ManifestFile manifest, String... required)
            throws ModelFormatException {
        for (String r : required) {
            if (!manifest.manifest().files().containsKey(r)) {
                throw new ModelFormatException(manifest.path() + ": files lists " + manifest.manifest().files().keySet()
                        + "; expected entries for " + String.join(" and ", required), null);
            }
        }
        for (Map.Entry<String, FileDigest> e : manifest.manifest().files().entrySet()) {
            Path f = dir.resolve(e.getKey());
            if (!Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
                throw missing(e.getKey(), manifest, f, e.getValue());
            }
            FileDigest actual;
            try {
                actual = FileDigest.of(f);
            } catch (IOException ex) {
                throw new ModelFormatException("cannot read " + f + ": " + ex.getMessage(), ex);
            }
            check(e.getKey(), manifest, e.getValue(), actual);
        }
        return manifest.manifest().files();
    }

    private static ModelFormatException missing(String name, ManifestFile manifest, Path f, FileDigest want) {
        return new ModelFormatException(name + " is listed in " + manifest.path() + " but " + f
                + " does not exist: the file is missing (expected " + want.size() + " bytes, SHA-256 "
                + want.sha256() + ")", null);
    }

    private static void check(String name, ManifestFile manifest, FileDigest want, FileDigest actual)
            throws ModelFormatException {
        if (!actual.equals(want)) {
            throw new ModelFormatException(name + " does not match " + manifest.path() + ": expected SHA-256 "
                    + want.sha256() + " (" + want.size() + " bytes), found SHA-256 " + actual.sha256() + " ("
                    + actual.size() + " bytes, the manifest expects " + want.size() + "); the file was modified or "
                    + "corrupted, re-export the model", null);
        }
    }

    /** Returns {@code <parent name>-<folder name>} for naming staging folders. */
    static String stem(Path target) {
        Path abs = target.toAbsolutePath().normalize();
        Path parent = abs.getParent();
        String p = parent == null || parent.getFileName() == null ? "root" : parent.getFileName().toString();
        return p + "-" + abs.getFileName();
    }

    /** Returns a fresh, not yet existing sibling path of {@code target} of the given kind (tmp or old). */
    public static Path sibling(Path target, String kind) {
        Path abs = target.toAbsolutePath().normalize();
        long pid = ProcessHandle.current().pid();
        while (true) {
            Path p = abs.resolveSibling("." + stem(abs) + "." + kind + "-" + pid + "-" + COUNTER.incrementAndGet());
            if (!Files.exists(p)) {
                return p;
            }
        }
    }

    /**
     * Deletes staging folders next to {@code target} that belong to processes that are no longer running
     * (left behind by an export that was killed). Failures are logged, never thrown.
     */
    public static void removeStale(Path target) {
        Path abs = target.toAbsolutePath().normalize();
        Path parent = abs.getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            return;
        }
        String stem = stem(abs);
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(parent, "." + stem + ".*")) {
            for (Path p : ds) {
                Matcher m = STAGING.matcher(p.getFileName().toString());
                if (!m.matches() || !m.group(1).equals(stem) || !Files.isDirectory(p)) {
                    continue;
                }
                long pid = Long.parseLong(m.group(3));
                if (pid == ProcessHandle.current().pid()
                        || ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                    continue; // a running export (possibly another thread of this process)
                }
                LOG.info("removing {} left behind by an interrupted export (process {} has ended)", p, pid);
                deleteRecursively(p);
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("could not clean up stale export folders next to {}: {}", abs, e.toString());
        }
    }

    /** Returns the entries of {@code dir} (names only), sorted. */
    public static List<String> list(Path dir) throws IOException {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                names.add(p.getFileName().toString());
            }
        }
        names.sort(null);
        return names;
    }

    /**
     * A hidden staging folder next to {@code target}, in which a whole model folder is written before
     * {@link #install()} renames it into place; closing it without installing deletes it.
     *
     * <pre>{@code
     * try (ModelFolder.Staging s = ModelFolder.stage(Path.of("models/mnist/2"))) {
     *     AtomicFiles.write(s.dir().resolve(ModelFolder.ONNX), bytes);
     *     s.install();
     * }
     * }</pre>
     *
     * <p>Thread-safety: one thread at a time; {@link #close()} is idempotent.
     */
    public static final class Staging implements AutoCloseable {
        private final Path dir;
        private final Path target;
        private boolean installed;
        private boolean closed;

        private Staging(Path dir, Path target) {
            this.dir = dir;
            this.target = target;
        }

        /** Returns the staging folder to write into. */
        public Path dir() {
            return dir;
        }

        /** Moves the staged folder to the target (see {@link ModelFolder#install(Path, Path)}). */
        public void install() throws IOException {
            ModelFolder.install(dir, target);
            installed = true;
        }

        /** Deletes the staging folder unless it was installed; a failure to delete is logged. Idempotent. */
        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            if (!installed) {
                try {
                    deleteRecursively(dir);
                } catch (IOException e) {
                    LOG.warn("could not delete the staging folder {}: {}", dir, e.toString());
                }
            }
        }
    }

    /**
     * Creates the parent of {@code target} if needed, removes stale staging folders of killed writers, and creates
     * a fresh staging folder beside {@code target}.
     */
    public static Staging stage(Path target) throws IOException {
        Path parent = target.toAbsolutePath().normalize().getParent();
        Files.createDirectories(parent);
        removeStale(target);
        Path dir = sibling(target, "tmp");
        Files.createDirectory(dir);
        return new Staging(dir, target);
    }

    /**
     * Moves the complete folder {@code staged} to {@code target} and fsyncs the parent folder. An existing
     * {@code target} is first renamed aside, then the new folder is renamed in, then the old one is deleted; if
     * the second rename fails the old folder is put back. The caller has already decided that replacing is
     * allowed.
     */
    public static void install(Path staged, Path target) throws IOException {
        Path abs = target.toAbsolutePath().normalize();
        if (!Files.exists(abs, LinkOption.NOFOLLOW_LINKS)) {
            move(staged, abs);
            AtomicFiles.fsyncDirectory(abs.getParent());
            return;
        }
        Path old = sibling(abs, "old");
        move(abs, old);
        try {
            move(staged, abs);
        } catch (IOException e) {
            try {
                move(old, abs);
            } catch (IOException restore) {
                e.addSuppressed(restore);
                throw new IOException("could not move the new model folder into " + abs + " (" + e.getMessage()
                        + ") nor the old one back; the old folder is at " + old, e);
            }
            throw e;
        }
        AtomicFiles.fsyncDirectory(abs.getParent());
        try {
            deleteRecursively(old);
        } catch (IOException e) {
            LOG.warn("the new model folder is in place at {}, but the old one at {} could not be deleted: {}", abs,
                    old, e.toString());
        }
    }

    private static void move(Path from, Path to) throws IOException {
        Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Deletes a file or a folder tree; a missing path is fine. Symbolic links are removed, not followed. */
    public static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                if (exc != null && !(exc instanceof NoSuchFileException)) {
                    throw exc;
                }
                Files.deleteIfExists(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
