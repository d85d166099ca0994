package dev.glyph.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glyph.inferencesdk.ModelLoadException;
import dev.glyph.testfixtures.TestModels;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SdkBenchmarkTest {

    @TempDir
    Path tmp;

    private Path modelFolder() throws Exception {
        return TestModels.folder(tmp.resolve("m/1"), 5);
    }

    @Test
    void run_shortDurations_measuresEveryCase() throws Exception {
        SdkBenchmark.Result r = SdkBenchmark.run(new SdkBenchmark.Config(modelFolder(), Duration.ofMillis(50),
                Duration.ofMillis(300), 1, 4, 1));
        for (SdkBenchmark.Measurement m : List.of(r.raw1(), r.sdk1(), r.raw64(), r.sdk64(), r.batcher())) {
            assertTrue(m.calls() > 0, m.name());
            assertTrue(m.images() >= m.calls(), m.name());
            assertTrue(m.imagesPerSecond() > 0, m.name());
        }
        assertEquals(64 * r.raw64().calls(), r.raw64().images());
        assertTrue(r.batcherStats().images() >= r.batcher().images());
        assertTrue(r.table().contains("batch 64"), r.table());
        assertEquals("CPU", r.provider());
        com.fasterxml.jackson.databind.JsonNode j = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.toJson());
        assertEquals(5, j.path("cases").size(), r.toJson());
        assertEquals(r.raw64().images(), j.path("cases").get(2).path("images").asLong(), r.toJson());
        assertEquals(r.overheadBatch1(), j.path("sdk_overhead_batch1").asDouble(), 1e-12);
        assertEquals("CPU", j.path("provider").asText());
    }

    @Test
    void compare_twoFoldersShortRun_measuresBothAtBatch1And64WithRooflines() throws Exception {
        Path a = modelFolder();
        Path b = TestModels.folder(tmp.resolve("m/2"), 6);
        SdkBenchmark.Comparison c = SdkBenchmark.compare(new SdkBenchmark.CompareConfig(a, b, Duration.ofMillis(50),
                Duration.ofMillis(400), 2, 2));
        for (SdkBenchmark.Measurement m : List.of(c.first1(), c.second1(), c.first64(), c.second64())) {
            assertTrue(m.calls() > 0 && m.imagesPerSecond() > 0, m.name());
        }
        assertEquals(64 * c.second64().calls(), c.second64().images());
        assertEquals("fp32", c.firstPrecision());
        assertEquals(c.second64().imagesPerSecond() / c.first64().imagesPerSecond(), c.speedup64(), 1e-12);
        assertTrue(c.table().contains("roofline: fp32") && c.table().contains("roofline assumptions"), c.table());
        com.fasterxml.jackson.databind.JsonNode j = new com.fasterxml.jackson.databind.ObjectMapper().readTree(c.toJson());
        assertEquals(4, j.path("cases").size());
        assertEquals(c.speedup1(), j.path("speedup_batch1").asDouble(), 1e-12);
    }

    @Test
    void roofline_avx512VnniBox_peaksFromFlagsClockAndCores() {
        Roofline r = Roofline.parse("processor : 0\ncpu MHz : 2500.000\nflags : sse4_2 avx avx2 fma avx512f avx512bw "
                + "avx512_vnni\nprocessor : 1\n");
        assertEquals(2, r.cpus());
        assertEquals(2 * 2.5 * 64, r.fp32Gflops(), 1e-9);
        assertEquals(2 * 2.5 * 256, r.int8Gops(), 1e-9);
        Roofline zen = Roofline.parse("processor : 0\ncpu MHz : 2445.430\nflags : avx fma avx2\n");
        assertEquals(32, zen.fp32PerCycle());
        assertEquals(64, zen.int8PerCycle());
        assertEquals(11_992_448L, Roofline.MNISTNET_MACS);
        assertEquals(zen.fp32Gflops() * 1e9 / (2.0 * Roofline.MNISTNET_MACS), zen.fp32ImagesPerSecond(), 1e-6);
    }

    @Test
    void run_missingModel_throwsModelLoadException() {
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> SdkBenchmark.run(
                new SdkBenchmark.Config(tmp.resolve("none"), Duration.ZERO, Duration.ofMillis(10), 0, 1, 1)));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }
}
