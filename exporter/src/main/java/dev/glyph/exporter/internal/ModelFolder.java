package dev.glyph.exporter.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * File-system side of a model folder: names, SHA-256, the hidden staging folder next to the target and the
 * atomic move into place.
 *
 * <p>Staging folders are called {@code .<parent>-<folder>.tmp-<pid>-<n>} and replaced folders are parked as
 * {@code .<parent>-<folder>.old-<pid>-<n>} while the new one moves in; both live next to the target, so every
 * move is a rename within one file system.
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
    /** Every name an exported model folder may hold; --force replaces only folders made of these. */
    public static final Set<String> KNOWN_FILES = Set.of(MANIFEST, ONNX, TORCHSCRIPT, PARITY);

    private static final Logger LOG = LoggerFactory.getLogger(ModelFolder.class);
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final Pattern STAGING = Pattern.compile("\\.(.+)\\.(tmp|old)-(\\d+)-(\\d+)");

    private ModelFolder() {
    }

    /** Returns the lowercase hex SHA-256 of the file. */
    public static String sha256(Path file) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256", e);
        }
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int r; (r = in.read(buf)) > 0; ) {
                md.update(buf, 0, r);
            }
        }
        return HexFormat.of().formatHex(md.digest());
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
     * Moves the complete folder {@code staged} to {@code target}. An existing {@code target} is first renamed
     * aside, then the new folder is renamed in, then the old one is deleted; if the second rename fails the old
     * folder is put back. The caller has already decided that replacing is allowed.
     */
    public static void install(Path staged, Path target) throws IOException {
        Path abs = target.toAbsolutePath().normalize();
        if (!Files.exists(abs, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            move(staged, abs);
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
        try {
            deleteRecursively(old);
        } catch (IOException e) {
            LOG.warn("the new model folder is in place at {}, but the old one at {} could not be deleted: {}", abs,
                    old, e.toString());
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    /** Writes {@code bytes} to a hidden temporary file next to {@code file} and renames it into place. */
    public static void writeAtomically(Path file, byte[] bytes) throws IOException {
        Path abs = file.toAbsolutePath();
        Path tmp = abs.resolveSibling("." + abs.getFileName() + ".tmp-" + ProcessHandle.current().pid() + "-"
                + COUNTER.incrementAndGet());
        try {
            Files.write(tmp, bytes);
            try {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Deletes a file or a folder tree; a missing path is fine. Symbolic links are removed, not followed. */
    public static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
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
