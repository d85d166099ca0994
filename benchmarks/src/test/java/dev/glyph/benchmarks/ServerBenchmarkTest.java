package dev.glyph.benchmarks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glyph.grpcserver.GlyphServer;
import dev.glyph.grpcserver.ServerConfig;
import dev.glyph.testfixtures.TestModels;
import dev.glyph.testtools.OutsideTools;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerBenchmarkTest {

    static final Path MNIST = Path.of("..", "data", "mnist");

    @TempDir
    Path tmp;

    private Path modelFolder() throws Exception {
        return TestModels.folder(tmp.resolve("mnist/1"), 21);
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
        OutsideTools.requireMnist(MNIST);
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
            assertTrue(r.table().lines().count() == 3, r.table());
        }
    }
}
