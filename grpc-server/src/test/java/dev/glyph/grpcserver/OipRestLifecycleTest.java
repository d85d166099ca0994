package dev.glyph.grpcserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.glyph.testfixtures.TestModels;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The REST server's lifecycle and load behaviour on real servers: not ready before the model is loaded, 429 when
 * the queue is full, a client that disconnects has its queued images dropped unexecuted, draining lets in-flight
 * requests finish while new ones get 503, and the repository extension with management on.
 */
class OipRestLifecycleTest {

    @TempDir
    static Path tmp;
    static Path model;
    static final List<byte[]> IMAGES = TestModels.gray8Images(5, 31);

    @BeforeAll
    static void folders() throws Exception {
        model = TestModels.folder(tmp.resolve("repo/mnist/1"), 99);
        TestModels.folder(tmp.resolve("repo/digits/1"), 5);
    }

    private static ServerConfig.Builder config() {
        return Harness.config(model).allowUnverified(true).host("127.0.0.1").httpPort(0);
    }

    private static String one() {
        return Rest.fp32Flat(IMAGES.subList(0, 1), "");
    }

    @Test
    void beforeModelLoaded_ready503AndInfer503_liveAndMetadata200() throws Exception {
        try (Harness h = Harness.started(config())) {
            Rest rest = new Rest(h.server.httpPort());
            rest.get("/v2/health/live").is(200);
            rest.get("/v2/health/ready").is(503, "not ready");
            Rest.Answer infer = rest.post("/v2/models/mnist/infer", one()).is(503, "not loaded");
            assertEquals("1", infer.headers().firstValue("retry-after").orElse(""));
            rest.get("/v2").is(200);
            h.server.loadModel();
            rest.get("/v2/health/ready").is(200);
            rest.post("/v2/models/mnist/infer", one()).is(200);
        }
    }

    @Test
    void queueFull_429WithRetryAfter_thenServesAgain() throws Exception {
        Gate gate = new Gate();
        try (Harness h = Harness.serving(config().batchers(1).maxBatchSize(1).maxQueue(2).listener(gate))) {
            Rest rest = new Rest(h.server.httpPort());
            gate.arm();
            CompletableFuture<Rest.Answer> holder = rest.postAsync("/v2/models/mnist/infer", one());
            gate.awaitHeld();
            CompletableFuture<Rest.Answer> queued = rest.postAsync("/v2/models/mnist/infer",
                    Rest.fp32Flat(IMAGES.subList(0, 2), ""));
            Harness.await(() -> h.server.batcherStats().queueDepth() == 2, "2 images queued");
            Rest.Answer full = rest.post("/v2/models/mnist/infer", one()).is(429, "queue is full");
            assertEquals("1", full.headers().firstValue("retry-after").orElse(""));
            gate.release();
            holder.get(60, TimeUnit.SECONDS).is(200);
            queued.get(60, TimeUnit.SECONDS).is(200);
            rest.post("/v2/models/mnist/infer", one()).is(200);
        }
    }

    @Test
    void clientDisconnects_queuedImagesDroppedUnexecuted() throws Exception {
        Gate gate = new Gate();
        try (Harness h = Harness.serving(config().batchers(1).maxBatchSize(1).maxQueue(16).listener(gate))) {
            Rest rest = new Rest(h.server.httpPort());
            gate.arm();
            CompletableFuture<Rest.Answer> holder = rest.postAsync("/v2/models/mnist/infer", one());
            gate.awaitHeld();
            byte[] body = Rest.fp32Flat(IMAGES.subList(0, 3), "").getBytes(StandardCharsets.UTF_8);
            try (Socket s = new Socket("127.0.0.1", h.server.httpPort())) {
                OutputStream out = s.getOutputStream();
                out.write(("POST /v2/models/mnist/infer HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(body);
                out.flush();
                Harness.await(() -> h.server.batcherStats().queueDepth() == 3, "the 3 images queued");
            } // the client leaves without its answer
            // the worker is still held: only the disconnect can empty the queue
            Harness.await(() -> h.server.batcherStats().queueDepth() == 0, "queue emptied by the disconnect");
            Harness.await(() -> h.server.batcherStats().cancelled() == 3, "3 images counted cancelled");
            gate.release();
            holder.get(60, TimeUnit.SECONDS).is(200);
            assertEquals(1, h.server.batcherStats().images(), "only the holder's image ran");
            assertEquals(1, gate.images.get());
        }
    }

    @Test
    void bytesPipelinedBehindAHeldCall_answeredWithConnectionClose() throws Exception {
        Gate gate = new Gate();
        try (Harness h = Harness.serving(config().batchers(1).maxBatchSize(1).listener(gate))) {
            Rest rest = new Rest(h.server.httpPort());
            gate.arm();
            byte[] body = one().getBytes(StandardCharsets.UTF_8);
            String head = "POST /v2/models/mnist/infer HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length + "\r\n\r\n";
            try (Socket s = new Socket("127.0.0.1", h.server.httpPort())) {
                s.setSoTimeout(60_000);
                OutputStream out = s.getOutputStream();
                out.write(head.getBytes(StandardCharsets.US_ASCII));
                out.write(body);
                out.flush();
                gate.awaitHeld();
                out.write(head.getBytes(StandardCharsets.US_ASCII)); // a second request while the first is pending
                out.flush();
                Thread.sleep(200);
                gate.release();
                String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(answer.startsWith("HTTP/1.1 200 "), answer);
                assertTrue(answer.contains("Connection: close"), answer);
                assertTrue(answer.contains("\"model_name\":\"mnist\""), answer);
            }
            // keep-alive connections without pipelining are untouched: many calls on the pooled connection
            for (int i = 0; i < 20; i++) {
                rest.post("/v2/models/mnist/infer", one()).is(200);
            }
        }
    }

    @Test
    void drain_inFlightRequestFinishes_newOnesGet503() throws Exception {
        Gate gate = new Gate();
        Harness h = Harness.serving(config().batchers(1).maxBatchSize(1).listener(gate));
        try {
            Rest rest = new Rest(h.server.httpPort());
            gate.arm();
            CompletableFuture<Rest.Answer> inFlight = rest.postAsync("/v2/models/mnist/infer", one());
            gate.awaitHeld();
            CompletableFuture<Boolean> stopped = CompletableFuture.supplyAsync(() -> h.server.shutdown(Duration.ofSeconds(60)));
            Harness.await(() -> h.server.state() == ServerState.DRAINING, "draining");
            rest.post("/v2/models/mnist/infer", one()).is(503, "shutting down");
            rest.get("/v2/health/ready").is(503, "shutting down");
            rest.get("/v2/health/live").is(200);
            assertTrue(!stopped.isDone(), "shutdown waits for the REST request in flight");
            gate.release();
            JsonNode answer = inFlight.get(60, TimeUnit.SECONDS).is(200).json();
            assertEquals("mnist", answer.get("model_name").asText());
            assertTrue(stopped.get(60, TimeUnit.SECONDS), "drained cleanly");
            assertEquals(-1, probe(rest.port), "the REST port is closed after the drain");
        } finally {
            gate.release();
            h.close();
        }
    }

    /** Returns 0 if something still accepts on {@code port}, -1 if the connection is refused. */
    private static int probe(int port) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            return 0;
        } catch (java.io.IOException e) {
            return -1;
        }
    }

    @Test
    void repository_managementOnLoopback_indexLoadUnload() throws Exception {
        ServerConfig.Builder b = ServerConfig.forRepository(tmp.resolve("repo")).inProcessName("glyph-test-"
                + UUID.randomUUID()).metricsPort(-1).intraOpThreads(1).allowUnverified(true).host("127.0.0.1")
                .httpPort(0).management(true);
        try (Harness h = Harness.serving(b)) {
            Rest rest = new Rest(h.server.httpPort());
            JsonNode index = rest.post("/v2/repository/index", "").is(200).json();
            assertEquals("[{\"name\":\"digits\",\"version\":\"1\",\"state\":\"READY\",\"reason\":\"\"},"
                    + "{\"name\":\"mnist\",\"version\":\"1\",\"state\":\"READY\",\"reason\":\"\"}]", index.toString());
            assertEquals("", rest.post("/v2/repository/models/digits/unload", "").is(200).body());
            rest.get("/v2/models/digits/ready").is(503, "not ready");
            rest.post("/v2/models/digits/infer", one()).is(404, "digits");
            JsonNode ready = rest.post("/v2/repository/index", "{\"ready\": true}").is(200).json();
            assertEquals(1, ready.size());
            assertEquals("mnist", ready.get(0).get("name").asText());
            rest.post("/v2/repository/models/digits/load", "{\"parameters\": {}}").is(200);
            rest.get("/v2/models/digits/ready").is(200);
            rest.post("/v2/models/digits/infer", one()).is(200);
            rest.post("/v2/repository/models/fashion/load", "").is(404, "'fashion'");
            rest.post("/v2/repository/index", "{\"ready\": \"yes\"}").is(400, "ready: expected true or false");
            rest.post("/v2/repository/index", "{\"ready\": tru").is(400, "malformed JSON at line 1");
            rest.post("/v2/repository/index", "[true]").is(400, "is an array");
            rest.get("/v2/repository/index").is(405, "use POST");
        }
    }
}
