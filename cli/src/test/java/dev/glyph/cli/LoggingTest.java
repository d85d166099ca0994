package dev.glyph.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glyph.cli.internal.CliLogging;
import dev.glyph.datasets.Datasets;
import dev.glyph.testfixtures.TestModels;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Commands print their own lines; library INFO only with --verbose or into serve's --log-file. */
class LoggingTest {

    static final Path DATA = Path.of("..", "data", "mnist");

    @TempDir
    static Path tmp;
    static Path model;

    @BeforeAll
    static void setUp() throws Exception {
        Datasets.ensure("mnist", DATA);
        model = TestModels.folder(tmp.resolve("models/mnist/1"), 5);
    }

    @Test
    void fromArgs_verboseAnywhereAndServeLogFile_found() {
        assertEquals(new CliLogging.Settings(true, null), CliLogging.fromArgs(new String[] {"--verbose", "train"}));
        assertEquals(new CliLogging.Settings(true, null), CliLogging.fromArgs(new String[] {"train", "--verbose"}));
        assertEquals(new CliLogging.Settings(false, Path.of("s.log")),
                CliLogging.fromArgs(new String[] {"serve", "--model", "m", "--log-file", "s.log"}));
        assertEquals(new CliLogging.Settings(false, Path.of("s.log")),
                CliLogging.fromArgs(new String[] {"serve", "--log-file=s.log"}));
    }

    @Test
    void fromArgs_logFileOfAnotherCommandOrAfterDoubleDash_ignored() {
        assertNull(CliLogging.fromArgs(new String[] {"train", "--log-file", "x"}).logFile());
        assertEquals(new CliLogging.Settings(false, null),
                CliLogging.fromArgs(new String[] {"classify", "--model", "m", "--", "--verbose"}));
    }

    @Test
    void lineRouter_infoToFileOnly_warnAndItsStackTraceToBoth() throws Exception {
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        try (PrintStream p = new PrintStream(new CliLogging.LineRouter(file, console, false), true, StandardCharsets.UTF_8)) {
            p.println("2026-12-01T10:00:00.000Z [INFO] OrtClassifier - loaded model.onnx");
            p.println("[WARN] ModelRepository - model mnist/1 has no parity.json");
            p.println("java.io.IOException: boom");
            p.println("\tat x.y(Z.java:1)");
            p.println("[DEBUG] X - detail");
            p.println("\tat a.b(C.java:2)");
        }
        String f = file.toString(StandardCharsets.UTF_8);
        String c = console.toString(StandardCharsets.UTF_8);
        assertEquals(6, f.lines().count(), f);
        assertEquals(List.of("[WARN] ModelRepository - model mnist/1 has no parity.json", "java.io.IOException: boom",
                "\tat x.y(Z.java:1)"), c.lines().toList());
    }

    @Test
    void lineRouter_verbose_everythingToBoth() throws Exception {
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        try (PrintStream p = new PrintStream(new CliLogging.LineRouter(file, console, true), true, StandardCharsets.UTF_8)) {
            p.println("[INFO] A - a");
        }
        assertEquals("[INFO] A - a", console.toString(StandardCharsets.UTF_8).strip());
        assertEquals("[INFO] A - a", file.toString(StandardCharsets.UTF_8).strip());
    }

    ChildJvm.Result classify(String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("classify", "--model", model.toString(), "--mnist", DATA.toString(),
                "--limit", "50"));
        args.addAll(List.of(extra));
        return ChildJvm.run(ChildJvm.classPath(p -> false), Map.of(), List.of(), tmp, args.toArray(String[]::new));
    }

    @Test
    void classify_default_printsItsOwnLineAndNoLibraryInfo() throws Exception {
        ChildJvm.Result r = classify();
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("mnist test: 50 images"), r.out());
        assertEquals(1, r.out().lines().count(), r.out());
        assertFalse(r.err().contains("[INFO]"), r.err());
    }

    @Test
    void classify_verbose_bringsTheLibrariesInfoBackOnStderr() throws Exception {
        ChildJvm.Result r = classify("--verbose");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("[INFO] DataStore - Loaded mnist"), r.err());
        assertTrue(r.err().contains("[INFO] OrtClassifier - loaded model.onnx"), r.err());
        assertEquals(1, r.out().lines().count(), r.out());
    }

    @Test
    void serve_logFile_infoGoesToTheFileAndWarningsStillReachStderr() throws Exception {
        Path log = tmp.resolve("logs/serve.log");
        Path out = tmp.resolve("serve.out");
        Path err = tmp.resolve("serve.err");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path"), Main.class.getName(), "serve",
                "--model", model.toString(), "--allow-unverified", "--host", "127.0.0.1", "--port", "0",
                "--metrics-port", "-1", "--http-port", "-1", "--intra-op-threads", "1", "--log-file", log.toString()));
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            Pattern listening = Pattern.compile("glyph serve: model .* listening on 127\\.0\\.0\\.1:(\\d+) \\(gRPC\\)");
            long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (true) {
                Matcher m = listening.matcher(Files.readString(out));
                if (m.find()) {
                    break;
                }
                if (!p.isAlive() || System.nanoTime() > giveUp) {
                    throw new AssertionError("serve did not start: " + Files.readString(out) + Files.readString(err));
                }
                Thread.sleep(50);
            }
            p.destroy(); // SIGTERM
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "serve did not stop after SIGTERM");
            assertEquals(0, p.exitValue(), Files.readString(err));
        } finally {
            p.destroyForcibly();
        }
        String file = Files.readString(log);
        String stderr = Files.readString(err);
        String stdout = Files.readString(out);
        assertTrue(file.matches("(?s).*\\d{4}-\\d\\d-\\d\\dT\\S+ \\[INFO\\] OrtClassifier - loaded model\\.onnx.*"), file);
        assertTrue(file.contains("[INFO] GlyphServer - shutting down"), file);
        assertTrue(file.contains("[WARN] ModelRepository - model mnist/1 has no parity.json"), file);
        assertTrue(stderr.contains("[WARN] ModelRepository - model mnist/1 has no parity.json"), stderr);
        assertFalse(stderr.contains("[INFO]"), stderr);
        assertTrue(stdout.contains("glyph serve: shutting down: no new calls"), stdout);
        assertTrue(stdout.contains("glyph serve: stopped"), stdout);
        assertFalse(stdout.contains("[INFO]") || stdout.contains("[WARN]"), stdout);
    }
}
