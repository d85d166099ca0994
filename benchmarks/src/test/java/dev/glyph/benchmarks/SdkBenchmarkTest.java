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
    void run_missingModel_throwsModelLoadException() {
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> SdkBenchmark.run(
                new SdkBenchmark.Config(tmp.resolve("none"), Duration.ZERO, Duration.ofMillis(10), 0, 1, 1)));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }
}
