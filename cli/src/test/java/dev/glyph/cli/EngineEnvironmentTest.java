package dev.glyph.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glyph.datasets.Datasets;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How {@code glyph train} finds libtorch, in child JVMs: DJL's PYTORCH_LIBRARY_PATH / PYTORCH_VERSION /
 * PYTORCH_FLAVOR pointing at a libtorch folder of one's own (here the CPU build, extracted from the native jar
 * as a user would unpack a pip wheel's torch/lib), and the opt-in download (which cannot reach DJL's CDN
 * here, so the tests check that offline mode was lifted and that the failure is one clear line).
 */
class EngineEnvironmentTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Path DATA = Path.of("..", "data", "mnist");

    @TempDir
    static Path tmp;
    static Path libtorch;

    @BeforeAll
    static void extractLibtorch() throws Exception {
        Datasets.ensure("mnist", DATA);
        libtorch = Files.createDirectories(tmp.resolve("libtorch-cpu/lib"));
        try (ZipFile jar = new ZipFile(ChildJvm.entry("pytorch-native-cpu-").toFile())) {
            Enumeration<? extends ZipEntry> es = jar.entries();
            while (es.hasMoreElements()) {
                ZipEntry e = es.nextElement();
                if (!e.isDirectory() && e.getName().startsWith("pytorch/cpu/")) {
                    try (InputStream in = jar.getInputStream(e)) {
                        Files.copy(in, libtorch.resolve(Path.of(e.getName()).getFileName().toString()));
                    }
                }
            }
        }
        assertTrue(Files.isRegularFile(libtorch.resolve("libtorch.so")));
    }

    static ChildJvm.Result train(Path out, String classPath, Map<String, String> env, List<String> jvm, String... extra)
            throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("train", "--data", DATA.toString(), "--out", out.toString(),
                "--limit", "64", "--epochs", "1", "--threads", "2", "--device", "cpu"));
        args.addAll(List.of(extra));
        return ChildJvm.run(classPath, env, jvm, tmp, args.toArray(String[]::new));
    }

    static Map<String, String> cache(String name) throws Exception {
        return Map.of("ENGINE_CACHE_DIR", Files.createDirectories(tmp.resolve("cache-" + name)).toString());
    }

    static String allJars() {
        return ChildJvm.classPath(p -> false);
    }

    static String withoutNativeJar() {
        return ChildJvm.classPath(p -> Path.of(p).getFileName().toString().startsWith("pytorch-native-cpu-"));
    }

    @Test
    void train_pytorchLibraryPathWithVersionAndFlavor_loadsThatFolderAndRecordsItInProvenance() throws Exception {
        Path run = tmp.resolve("run-explicit");
        Map<String, String> env = new java.util.HashMap<>(cache("explicit"));
        env.putAll(Map.of("PYTORCH_LIBRARY_PATH", libtorch.toString(), "PYTORCH_VERSION", "2.7.1", "PYTORCH_FLAVOR", "cpu"));
        ChildJvm.Result r = train(run, allJars(), env, List.of());
        assertEquals(0, r.code(), r.err());
        JsonNode lt = JSON.readTree(run.resolve("provenance.json").toFile()).get("libtorch");
        assertEquals("library_path", lt.get("source").asText(), lt.toString());
        assertEquals(libtorch.toAbsolutePath().toString(), lt.get("path").asText());
        assertEquals("PYTORCH_LIBRARY_PATH=" + libtorch, lt.get("origin").asText());
        assertEquals("cpu", lt.get("flavor").asText());
        assertEquals("2.7.1", lt.get("version").asText());
        assertTrue(lt.get("jni").asText().startsWith(env.get("ENGINE_CACHE_DIR")), lt.toString());
        assertTrue(r.out().contains("done: test accuracy"), r.out());
    }

    @Test
    void train_pytorchLibraryPathAlone_glyphPicksTheBundledCpuJni() throws Exception {
        // DJL alone asks for a cpu-precxx11 JNI here, which pytorch-jni 2.7.1-0.36.0 does not bundle
        Path run = tmp.resolve("run-defaulted");
        Map<String, String> env = new java.util.HashMap<>(cache("defaulted"));
        env.put("PYTORCH_LIBRARY_PATH", libtorch.toString());
        ChildJvm.Result r = train(run, withoutNativeJar(), env, List.of());
        assertEquals(0, r.code(), r.err());
        JsonNode lt = JSON.readTree(run.resolve("provenance.json").toFile()).get("libtorch");
        assertEquals("library_path", lt.get("source").asText());
        assertEquals(libtorch.toAbsolutePath().toString(), lt.get("path").asText());
        assertEquals("cpu", lt.get("flavor").asText());
    }

    @Test
    void train_pytorchLibraryPathWithoutLibtorch_failsWithOneLineAndNoRun() throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("not-libtorch"));
        Files.writeString(empty.resolve("README"), "nothing here");
        Path run = tmp.resolve("run-empty");
        ChildJvm.Result r = train(run, allJars(), Map.of("PYTORCH_LIBRARY_PATH", empty.toString()), List.of());
        assertEquals(1, r.code(), r.out());
        assertEquals(List.of("glyph train: PYTORCH_LIBRARY_PATH=" + empty + ": " + empty + " holds no libtorch.so;"
                + " expected the lib/ folder of a libtorch 2.7.1 build with libtorch.so, e.g. .../site-packages/torch/lib"
                + " of pip's torch==2.7.1, or unset it to use the bundled CPU libtorch"), r.errLines());
        assertTrue(!Files.exists(run), "a run folder was created");
    }

    @Test
    void train_allowEngineDownloadWithoutNetwork_liftsOfflineModeAndFailsWithOneLine() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort(); // nothing listens there once closed: the "proxy" refuses at once
        }
        List<String> proxy = List.of("-Dhttps.proxyHost=127.0.0.1", "-Dhttps.proxyPort=" + closed);
        ChildJvm.Result r = train(tmp.resolve("run-dl"), withoutNativeJar(), cache("dl"), proxy,
                "--allow-engine-download");
        assertEquals(1, r.code(), r.out());
        assertEquals(1, r.errLines().size(), r.err());
        assertTrue(r.err().startsWith("glyph train: cannot download libtorch 2.7.1 from https://publish.djl.ai"
                + " (ConnectException: Connection refused); check the network and proxy"), r.err());
    }

    @Test
    void train_glyphEngineDownloadVariable_liftsOfflineModeLikeTheOption() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        Map<String, String> env = new java.util.HashMap<>(cache("env"));
        env.put("GLYPH_ENGINE_DOWNLOAD", "1");
        ChildJvm.Result r = train(tmp.resolve("run-env"), withoutNativeJar(), env,
                List.of("-Dhttps.proxyHost=127.0.0.1", "-Dhttps.proxyPort=" + closed));
        assertEquals(1, r.code(), r.out());
        assertTrue(r.err().startsWith("glyph train: cannot download libtorch 2.7.1 from https://publish.djl.ai"), r.err());
    }

    @Test
    void train_offlineWithoutNativeJar_saysHowToAllowTheDownload() throws Exception {
        ChildJvm.Result r = train(tmp.resolve("run-offline"), withoutNativeJar(), cache("offline"), List.of());
        assertEquals(1, r.code(), r.out());
        assertEquals(1, r.errLines().size(), r.err());
        assertTrue(r.err().startsWith("glyph train: libtorch is not on the class path and DJL is in offline mode"), r.err());
        assertTrue(r.err().contains("add --allow-engine-download (or set GLYPH_ENGINE_DOWNLOAD=1)"), r.err());
    }
}
