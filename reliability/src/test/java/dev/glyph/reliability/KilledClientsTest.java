package dev.glyph.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status.Code;
import io.grpc.health.v1.HealthCheckResponse;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Twenty python3 grpcio clients, each with a ClassifyStream, four unary Classify loops and
 * GetModelInfo calls in flight, killed with SIGKILL at a seeded moment; afterwards the server is
 * SERVING, answers the golden request right, and its in-flight gauges are back to 0.
 */
class KilledClientsTest {

    static final int KILLS = 20;

    @Test
    void clientsKilledMidCall_twentySigkills_serverHealthyAndGaugesBackToZero() throws Exception {
        Fixtures.requireOutside(Fixtures.pythonGrpc(), Fixtures.PYTHON + " with grpc (apt install python3-grpcio)");
        Path dir = Files.createDirectories(Fixtures.work().resolve("killed-clients"));
        Path script = dir.resolve("raw_client.py");
        try (InputStream in = KilledClientsTest.class.getResourceAsStream("/python/raw_client.py")) {
            Files.copy(in, script, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        Path request = dir.resolve("request.bin");
        Files.write(request, Fixtures.goldenRequest(5));
        Report report = new Report("killed-clients");
        SplittableRandom rnd = new SplittableRandom(Fixtures.SEED);
        List<Long> delays = new ArrayList<>();
        try (ServerProcess server = ServerProcess.builder(Fixtures.model(), dir.resolve("server.log")).start()) {
            ManagedChannel ch = RawRpc.channel(server.target());
            try {
                long maxInFlightSeen = 0;
                for (int k = 0; k < KILLS; k++) {
                    Process p = new ProcessBuilder(Fixtures.PYTHON, script.toString(), server.target(),
                            request.toString(), Long.toString(Fixtures.SEED + k))
                            .redirectError(dir.resolve("client-" + k + ".err").toFile()).start();
                    BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(),
                            StandardCharsets.UTF_8));
                    CompletableFuture<String> ready = CompletableFuture.supplyAsync(() -> {
                        try {
                            return out.readLine();
                        } catch (java.io.IOException e) {
                            return e.toString();
                        }
                    });
                    String line;
                    try {
                        line = ready.get(120, TimeUnit.SECONDS);
                    } catch (java.util.concurrent.TimeoutException e) {
                        line = "timed out";
                    }
                    if (!"ready".equals(line)) {
                        p.destroyForcibly();
                        throw new AssertionError("client " + k + " said " + line + ": "
                                + Files.readString(dir.resolve("client-" + k + ".err")));
                    }
                    long delay = rnd.nextLong(300);
                    delays.add(delay);
                    Thread.sleep(delay);
                    maxInFlightSeen = Math.max(maxInFlightSeen,
                            Math.round(server.metrics().value("glyph_stream_requests_in_flight")));
                    p.destroyForcibly(); // SIGKILL
                    assertTrue(p.waitFor(30, TimeUnit.SECONDS), "client " + k + " did not die");
                }
                boolean gaugesZero = Poll.until(Duration.ofSeconds(60), () -> {
                    Metrics m = server.metrics();
                    return m.value("glyph_stream_requests_in_flight") == 0 && m.value("glyph_queue_depth") == 0;
                });
                Metrics m = server.metrics();
                RawRpc.Outcome health = RawRpc.unary(ch, RawRpc.HEALTH, new byte[0],
                        CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS));
                RawRpc.Outcome golden = RawRpc.unary(ch, RawRpc.CLASSIFY, Fixtures.goldenRequest(5),
                        CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS));
                report.put("kills", KILLS).put("seed", Fixtures.SEED).put("kill_delays_ms_after_ready", delays)
                        .put("max_stream_in_flight_seen_before_a_kill", maxInFlightSeen)
                        .put("stream_in_flight_after", m.value("glyph_stream_requests_in_flight"))
                        .put("queue_depth_after", m.value("glyph_queue_depth"))
                        .put("server_codes_classify", m.callsByCode("glyph.v1.Classifier/Classify"))
                        .put("server_codes_stream", m.callsByCode("glyph.v1.Classifier/ClassifyStream"))
                        .put("server_codes_model_info", m.callsByCode("glyph.v1.Classifier/GetModelInfo"))
                        .put("health_after", health.toString())
                        .put("server_alive", server.process().isAlive());
                report.write();
                assertTrue(gaugesZero, "in-flight gauges after the kills: stream "
                        + m.value("glyph_stream_requests_in_flight") + ", queue " + m.value("glyph_queue_depth"));
                assertEquals(Code.OK, health.code(), health.toString());
                assertEquals(HealthCheckResponse.ServingStatus.SERVING,
                        HealthCheckResponse.parseFrom(health.first()).getStatus());
                assertNull(Fixtures.checkGolden(golden, 5));
                assertEquals(0, m.sum("glyph_grpc_requests_total", "code=\"INTERNAL\"")
                        + m.sum("glyph_grpc_requests_total", "code=\"UNKNOWN\""), "INTERNAL/UNKNOWN closes");
            } finally {
                ch.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            }
        }
    }
}
