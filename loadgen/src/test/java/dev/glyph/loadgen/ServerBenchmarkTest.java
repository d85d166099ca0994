package dev.glyph.loadgen;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.glyph.proto.v1.ClassifierGrpc;
import dev.glyph.proto.v1.ClassifyRequest;
import dev.glyph.proto.v1.ClassifyResponse;
import dev.glyph.proto.v1.Prediction;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class ServerBenchmarkTest {

    static final Path MNIST = Path.of("..", "data", "mnist");

    /**
     * A real loopback glyph.v1 server (no model: label = pixel sum mod 10) that counts its calls
     * and images and exports them as the {@code glyph_batch_size} histogram on {@code /metrics},
     * one "batch" per call. The load generator needs nothing more than the wire protocol.
     */
    static final class CountingServer implements AutoCloseable {
        final AtomicLong calls = new AtomicLong();
        final AtomicLong images = new AtomicLong();
        final Server grpc;
        final HttpServer http;

        CountingServer() throws Exception {
            grpc = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                    .addService(new ClassifierGrpc.ClassifierImplBase() {
                        @Override
                        public void classify(ClassifyRequest req, StreamObserver<ClassifyResponse> out) {
                            ClassifyResponse.Builder r = ClassifyResponse.newBuilder();
                            req.getImagesList().forEach(img -> {
                                int sum = 0;
                                for (byte b : img.getGray8().toByteArray()) {
                                    sum += b & 0xff;
                                }
                                r.addPredictions(Prediction.newBuilder().setLabel(sum % 10).setConfidence(1f));
                            });
                            images.addAndGet(req.getImagesCount());
                            calls.incrementAndGet();
                            out.onNext(r.build());
                            out.onCompleted();
                        }
                    }).build().start();
            http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            http.createContext("/metrics", ex -> {
                byte[] body = ("# TYPE glyph_batch_size histogram\nglyph_batch_size_count " + calls.get()
                        + "\nglyph_batch_size_sum " + images.get() + ".0\n").getBytes(StandardCharsets.UTF_8);
                ex.sendResponseHeaders(200, body.length);
                ex.getResponseBody().write(body);
                ex.close();
            });
            http.start();
        }

        String target() {
            return "127.0.0.1:" + grpc.getPort();
        }

        String metricsUrl() {
            return "http://127.0.0.1:" + http.getAddress().getPort() + "/metrics";
        }

        @Override
        public void close() throws InterruptedException {
            http.stop(0);
            grpc.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void parseBatchSize_prometheusText_sumAndCount() {
        String text = "# TYPE glyph_batch_size histogram\nglyph_batch_size_bucket{le=\"1.0\"} 2\n"
                + "glyph_batch_size_count 7\nglyph_batch_size_sum 90.0\nglyph_queue_depth 0\n";
        assertArrayEquals(new double[] {90.0, 7.0}, ServerBenchmark.parseBatchSize(text));
        assertNull(ServerBenchmark.parseBatchSize("glyph_queue_depth 0\n"));
    }

    @Test
    void config_badConcurrency_throwsNamingIt() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new ServerBenchmark.Config("localhost:1", List.of(0), Duration.ZERO, Duration.ofSeconds(1), 1,
                        MNIST, null));
        assertTrue(e.getMessage().contains("concurrency"), e.getMessage());
    }

    @Test
    void config_badTarget_throwsNamingIt() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new ServerBenchmark.Config("nohostport", List.of(1), Duration.ZERO, Duration.ofSeconds(1), 1,
                        MNIST, null));
        assertTrue(e.getMessage().contains("'nohostport'") && e.getMessage().contains("host:port"), e.getMessage());
    }

    @Test
    void run_loopbackServer_pointsWithThroughputLatencyAndServerBatchSize() throws Exception {
        Assumptions.assumeTrue(Files.exists(MNIST.resolve("t10k-images-idx3-ubyte")),
                "skipped: MNIST IDX files are not in " + MNIST.toAbsolutePath().normalize());
        try (CountingServer server = new CountingServer()) {
            List<ServerBenchmark.Point> seen = new ArrayList<>();
            ServerBenchmark.Result r = ServerBenchmark.run(new ServerBenchmark.Config(server.target(),
                    List.of(1, 4), Duration.ofMillis(100), Duration.ofMillis(400), 3, MNIST, server.metricsUrl()),
                    seen::add);
            assertEquals(2, r.points().size());
            assertEquals(r.points(), seen, "each point is reported as it finishes");
            for (ServerBenchmark.Point p : r.points()) {
                assertTrue(p.requests() > 0, p.text());
                assertEquals(3 * p.requests(), p.images());
                assertEquals(Map.of(), p.errors());
                assertTrue(p.p50Ms() > 0 && p.p50Ms() <= p.p99Ms() && p.p99Ms() <= p.maxMs(), p.text());
                assertEquals(3.0, p.serverMeanBatch(), 1e-9, "every call is one 3-image batch: " + p.text());
                assertTrue(p.serverBatches() >= p.requests(), p.text());
            }
            assertEquals(1, r.points().get(0).concurrency());
            assertTrue(server.images.get() >= 3 * (r.points().get(0).requests() + r.points().get(1).requests()));
            assertTrue(r.json().startsWith("{\"target\":\"" + server.target() + "\""), r.json());
            assertTrue(r.json().contains("\"sweep\":[{\"concurrency\":1,"), r.json());
            com.fasterxml.jackson.databind.JsonNode j = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.json());
            assertEquals(r.points().get(0).requests(), j.path("sweep").get(0).path("requests").asLong(), r.json());
            assertTrue(j.path("sweep").get(0).path("errors").isObject(), r.json());
            r.jsonNode().putObject("sdk").put("x", 1);
            assertTrue(r.jsonNode().toString().endsWith("}]}"), "jsonNode() is a fresh object each call");
            assertTrue(r.table().lines().count() == 3, r.table());
        }
    }
}
