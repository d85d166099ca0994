package dev.glyph.benchmarks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glyph.exporter.internal.OnnxWriter;
import dev.glyph.grpcserver.GlyphServer;
import dev.glyph.grpcserver.ServerConfig;
import dev.glyph.trainer.MnistNet;
import dev.glyph.trainer.ModelWeights;
import dev.glyph.trainer.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerBenchmarkTest {

    static final Path MNIST = Path.of("..", "data", "mnist");

    @TempDir
    Path tmp;

    private Path modelFolder() throws Exception {
        SplittableRandom rnd = new SplittableRandom(21);
        List<Tensor> ts = new ArrayList<>();
        for (MnistNet.ParameterSpec s : MnistNet.PARAMETERS) {
            float[] d = new float[(int) s.numel()];
            for (int i = 0; i < d.length; i++) {
                d[i] = (float) ((rnd.nextDouble() * 2 - 1) * 0.05);
            }
            ts.add(new Tensor(s.name(), s.shape(), d));
        }
        Path dir = Files.createDirectories(tmp.resolve("mnist/1"));
        byte[] onnx = OnnxWriter.toBytes(new ModelWeights(ts), Map.of());
        Files.write(dir.resolve("model.onnx"), onnx);
        Files.writeString(dir.resolve("manifest.json"), """
            {"format_version": 1, "name": "mnist", "version": "1",
             "files": {"model.onnx": {"sha256": "%s", "size": %d}},
             "input": {"name": "image", "dtype": "float32", "shape": [-1, 1, 28, 28]},
             "outputs": [{"name": "log_probs", "dtype": "float32", "shape": [-1, 10]}],
             "labels": ["0","1","2","3","4","5","6","7","8","9"], "provenance": null}
            """.formatted(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(onnx)), onnx.length));
        return dir;
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
                        MNIST, null, null));
        assertTrue(e.getMessage().contains("concurrency"), e.getMessage());
    }

    @Test
    void run_localServer_pointsWithThroughputLatencyAndServerBatchSize() throws Exception {
        Assumptions.assumeTrue(Files.exists(MNIST.resolve("t10k-images-idx3-ubyte")),
                "skipped: MNIST IDX files are not in " + MNIST.toAbsolutePath().normalize());
        try (GlyphServer server = GlyphServer.open(ServerConfig.defaults(modelFolder()).host("127.0.0.1").port(0)
                .metricsPort(0).intraOpThreads(1))) {
            List<ServerBenchmark.Point> seen = new ArrayList<>();
            ServerBenchmark.Result r = ServerBenchmark.run(new ServerBenchmark.Config("127.0.0.1:" + server.port(),
                    List.of(1, 4), Duration.ofMillis(100), Duration.ofMillis(400), 3, MNIST,
                    "http://127.0.0.1:" + server.metricsPort() + "/metrics", null), seen::add);
            assertEquals(2, r.points().size());
            assertEquals(r.points(), seen, "each point is reported as it finishes");
            for (ServerBenchmark.Point p : r.points()) {
                assertTrue(p.requests() > 0, p.text());
                assertEquals(3 * p.requests(), p.images());
                assertEquals(Map.of(), p.errors());
                assertTrue(p.p50Ms() > 0 && p.p50Ms() <= p.p99Ms() && p.p99Ms() <= p.maxMs(), p.text());
                assertTrue(p.serverMeanBatch() >= 1.0 && p.serverBatches() > 0, p.text());
            }
            assertEquals(1, r.points().get(0).concurrency());
            assertTrue(r.json().startsWith("{\"target\":\"127.0.0.1:" + server.port() + "\""), r.json());
            assertTrue(r.json().contains("\"sweep\":[{\"concurrency\":1,"), r.json());
            com.fasterxml.jackson.databind.JsonNode j = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.json());
            assertEquals(r.points().get(0).requests(), j.path("sweep").get(0).path("requests").asLong(), r.json());
            assertTrue(j.path("sweep").get(0).path("errors").isObject(), r.json());
            assertTrue(r.table().lines().count() == 3, r.table());
        }
    }
}
