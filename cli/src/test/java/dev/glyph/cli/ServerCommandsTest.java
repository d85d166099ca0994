package dev.glyph.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glyph.testtools.OutsideTools;
import dev.glyph.client.GlyphClient;
import dev.glyph.grpcserver.GlyphServer;
import dev.glyph.grpcserver.ServerConfig;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** serve (a real process stopped with SIGTERM), classify --server and bench server. */
class ServerCommandsTest {

    @TempDir
    static Path tmp;
    static Path model;
    static Path png;
    static GlyphServer server;

    @BeforeAll
    static void setUp() throws Exception {
        model = ClassifyCommandTest.modelFolder(tmp.resolve("models/mnist/1"));
        png = ClassifyCommandTest.inkPng(tmp.resolve("zero.png"), 40, 50, 5, g -> g.drawOval(8, 8, 24, 34));
        server = GlyphServer.open(ServerConfig.builder(model).allowUnverified(true).host("127.0.0.1").port(0).metricsPort(0)
                .intraOpThreads(1).build());
    }

    @AfterAll
    static void tearDown() {
        server.close();
    }

    static Path mnist() {
        return OutsideTools.requireMnist(Path.of("..", "data", "mnist"));
    }

    record Run(int code, String out, String err) {
    }

    static Run run(Object command, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(command);
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    private static String target() {
        return "127.0.0.1:" + server.port();
    }

    @Test
    void classify_serverWithFile_sameLineAsInProcess() {
        Run local = run(new ClassifyCommand(), "--model", model.toString(), png.toString());
        Run remote = run(new ClassifyCommand(), "--server", target(), png.toString());
        assertEquals(0, remote.code(), remote.err());
        assertEquals(local.out(), remote.out());
    }

    @Test
    void classify_serverWithMnistJson_sameOutputAsInProcess() {
        Path data = mnist();
        Run local = run(new ClassifyCommand(), "--model", model.toString(), "--mnist", data.toString(), "--limit", "150",
                "--json");
        Run remote = run(new ClassifyCommand(), "--server", target(), "--mnist", data.toString(), "--limit", "150",
                "--json");
        assertEquals(0, remote.code(), remote.err());
        assertEquals(151, remote.out().lines().count());
        assertTrue(remote.out().lines().reduce((a, b) -> b).orElseThrow().startsWith("{\"count\":150,\"accuracy\":"));
        assertEquals(local.out(), remote.out(), "remote predictions equal in-process ones, line by line");
    }

    @Test
    void classify_serverAndModelOrBadAddress_usageError() {
        assertEquals(2, run(new ClassifyCommand(), "--server", target(), "--model", model.toString(), png.toString())
                .code());
        assertEquals(2, run(new ClassifyCommand(), "--server", "nohostport", png.toString()).code());
    }

    @Test
    void classify_serverDown_exitsOneWithOneLine() throws IOException {
        int freePort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            freePort = s.getLocalPort();
        }
        Run r = run(new ClassifyCommand(), "--server", "127.0.0.1:" + freePort, png.toString());
        assertEquals(1, r.code());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("UNAVAILABLE"), r.err());
    }

    @Test
    void benchServer_json_onePointPerLineAndSweepLast() {
        Path data = mnist();
        Run r = run(new BenchServerCommand(), "--server", target(), "--concurrency", "1,2", "--duration", "300ms",
                "--warmup", "100ms", "--images-per-request", "4", "--mnist", data.toString(),
                "--metrics-port", Integer.toString(server.metricsPort()), "--json");
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(3, lines.size(), r.out());
        assertTrue(lines.get(0).startsWith("{\"concurrency\":1,\"images_per_request\":4,"), lines.get(0));
        assertTrue(lines.get(1).startsWith("{\"concurrency\":2,"), lines.get(1));
        assertTrue(lines.get(2).contains("\"sweep\":[" + lines.get(0) + "," + lines.get(1) + "]"), lines.get(2));
        assertFalse(lines.get(0).contains("\"server_mean_batch_size\":null"), "batch size read from /metrics");
    }

    @Test
    void benchServer_badDuration_usageError() {
        assertEquals(2, run(new BenchServerCommand(), "--server", target(), "--duration", "soon").code());
    }

    /** Runs {@code serve} in its own JVM (the test runner's classpath) and exits with its code. */
    public static final class ServeMain {
        private ServeMain() {
        }

        /** Entry point. */
        public static void main(String[] args) {
            System.exit(new CommandLine(new ServeCommand()).execute(args));
        }
    }

    @Test
    void serve_sigterm_drainsAndExitsZero() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path log = tmp.resolve("serve.log");
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), ServeMain.class.getName(),
                "--model", model.toString(), "--host", "127.0.0.1", "--port", "0", "--metrics-port", "-1", "--http-port", "-1",
                "--allow-unverified", "--intra-op-threads", "1").redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            Pattern listening = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)");
            int grpcPort = -1;
            long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (grpcPort < 0) {
                Matcher m = listening.matcher(Files.readString(log));
                if (m.find()) {
                    grpcPort = Integer.parseInt(m.group(1));
                } else if (!p.isAlive() || System.nanoTime() > giveUp) {
                    throw new AssertionError("serve did not start listening:\n" + Files.readString(log));
                } else {
                    Thread.sleep(50);
                }
            }
            try (GlyphClient client = GlyphClient.connect("127.0.0.1:" + grpcPort)) {
                assertEquals(ServingStatus.SERVING, client.health());
            }
            p.destroy(); // SIGTERM
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "serve did not stop after SIGTERM");
            String all = Files.readString(log);
            assertEquals(0, p.exitValue(), all);
            assertTrue(all.contains("glyph serve: shutting down: no new calls"), all);
            assertTrue(all.contains("glyph serve: stopped"), all);
        } finally {
            p.destroyForcibly();
        }
    }
}
