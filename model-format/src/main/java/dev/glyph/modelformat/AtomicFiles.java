package dev.glyph.modelformat;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one crash-safe way Glyph replaces a file: write a temporary file with a unique name in the target's folder,
 * fsync it, rename it over the target atomically, fsync the folder. A reader sees the old file or the new one,
 * never a mix; after a crash the target is the old or the new file.
 *
 * <pre>{@code
 * AtomicFiles.writeString(runDir.resolve("metrics.json"), json);
 * AtomicFiles.write(dir.resolve("model.onnx"), out -> model.writeTo(out));   // streams, no byte[] copy
 * }</pre>
 *
 * <p>Temporary files are called {@code .<name>.tmp-<pid>-<n>} and are created with {@code CREATE_NEW}, so
 * concurrent writers (threads or processes) of the same target never share one; the last rename wins. If writing
 * fails, the temporary file is deleted and the target is left as it was. Temporary files get the default
 * permissions of new files (not the owner-only ones of {@link Files#createTempFile}).
 * A process killed between creating its temporary file and the rename leaves that file behind;
 * {@link #deleteStaleTemporaryFiles} removes those of one target, {@link #temporaryFiles} lists them.
 *
 * <p>Thread-safety: safe to call concurrently, also for the same target.
 */
public final class AtomicFiles {

    /** Writes the new content of a file. */
    @FunctionalInterface
    public interface Content {
        /** Writes the content to {@code out}; do not close it. */
        void writeTo(OutputStream out) throws IOException;
    }

    private static final Logger LOG = LoggerFactory.getLogger(AtomicFiles.class);
    private static final AtomicLong COUNTER = new AtomicLong();

    private AtomicFiles() {
    }

    /** Atomically replaces {@code target} with {@code bytes}, creating its folder if needed. */
    public static void write(Path target, byte[] bytes) throws IOException {
        write(target, out -> out.write(bytes));
    }

    /** Atomically replaces {@code target} with the UTF-8 bytes of {@code text}. */
    public static void writeString(Path target, String text) throws IOException {
        write(target, text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Atomically replaces {@code target} with what {@code content} writes, creating its folder if needed.
     *
     * @throws IOException if the content, the fsync or the rename fails; the target is then unchanged and no
     *     temporary file is left behind (unchecked exceptions of {@code content} are passed on the same way)
     */
    public static void write(Path target, Content content) throws IOException {
        Path abs = target.toAbsolutePath().normalize();
        Path dir = abs.getParent();
        if (dir == null || abs.getFileName() == null) {
            throw new IllegalArgumentException("cannot write " + target + ": expected a file path inside a folder");
        }
        Files.createDirectories(dir);
        Path tmp = createTemp(dir, abs.getFileName().toString());
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16);
                content.writeTo(out);
                out.flush();
                ch.force(true);
            }
            Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException | Error e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
        fsyncDirectory(dir);
    }

    private static Path createTemp(Path dir, String name) throws IOException {
        long pid = ProcessHandle.current().pid();
        while (true) {
            Path tmp = dir.resolve(temporaryName(name, pid, COUNTER.incrementAndGet()));
            try {
                return Files.createFile(tmp);
            } catch (FileAlreadyExistsException e) {
                // left behind by a killed process that had our pid; take the next number
            }
        }
    }

    /** The name of a temporary file for {@code name}: {@code .<name>.tmp-<pid>-<n>}. */
    private static String temporaryName(String name, long pid, long n) {
        return "." + name + ".tmp-" + pid + "-" + n;
    }

    /**
     * Returns the pid of the process that wrote {@code file} as a temporary file for {@code target}
     * (a file named {@code .<target name>.tmp-<pid>-<n>} in the target's folder), or empty if {@code file}
     * is not one.
     */
    public static OptionalLong temporaryFileWriter(Path target, Path file) {
        Path abs = target.toAbsolutePath().normalize();
        Path f = file.toAbsolutePath().normalize();
        if (abs.getFileName() == null || f.getFileName() == null || !f.getParent().equals(abs.getParent())) {
            return OptionalLong.empty();
        }
        Matcher m = Pattern.compile(Pattern.quote("." + abs.getFileName() + ".tmp-") + "([0-9]{1,18})-[0-9]{1,19}")
                .matcher(f.getFileName().toString());
        return m.matches() ? OptionalLong.of(Long.parseLong(m.group(1))) : OptionalLong.empty();
    }

    /** Returns the temporary files of writes of {@code target} that exist now (by any process), sorted by name. */
    public static List<Path> temporaryFiles(Path target) throws IOException {
        Path dir = target.toAbsolutePath().normalize().getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(f -> temporaryFileWriter(target, f).isPresent()).sorted().toList();
        }
    }

    /**
     * Deletes the temporary files that writes of {@code target} left behind when their process was killed
     * (a kill between creating the temporary file and the rename leaves it): those whose writer pid is no
     * running process. Files of running writers are left alone, and so is every other file of the folder.
     *
     * @return the files deleted
     */
    public static List<Path> deleteStaleTemporaryFiles(Path target) throws IOException {
        List<Path> deleted = new ArrayList<>();
        for (Path f : temporaryFiles(target)) {
            long pid = temporaryFileWriter(target, f).orElseThrow();
            if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                continue;
            }
            if (Files.deleteIfExists(f)) {
                deleted.add(f);
            }
        }
        return deleted;
    }

    /**
     * Flushes a folder's entries (names, renames) to disk. Where the platform cannot open a folder for this
     * (Windows), it does nothing: the rename itself is still atomic.
     */
    public static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (UnsupportedOperationException e) {
            LOG.debug("cannot fsync folder {} on this platform: {}", dir, e.toString());
        } catch (IOException e) {
            if (System.getProperty("os.name", "").startsWith("Windows")) {
                LOG.debug("cannot fsync folder {} on this platform: {}", dir, e.toString());
                return;
            }
            throw e;
        }
    }
}
