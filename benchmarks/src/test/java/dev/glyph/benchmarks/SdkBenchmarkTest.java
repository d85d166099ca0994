package dev.glyph.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glyph.exporter.internal.OnnxWriter;
import dev.glyph.inferencesdk.ModelLoadException;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SdkBenchmarkTest {

    @TempDir
    Path tmp;

    private Path modelFolder() throws Exception {
        List<Tensor> ts = new ArrayList<>();
        for (MnistNet.ParameterSpec s : MnistNet.PARAMETERS) {
            float[] d = new float[(int) s.numel()];
            for (int i = 0; i < d.length; i++) {
                d[i] = ((i * 31 % 17) - 8) / 400f;
            }
            ts.add(new Tensor(s.name(), s.shape(), d));
        }
        byte[] onnx = OnnxWriter.toBytes(new ModelWeights(ts), Map.of());
        Path dir = Files.createDirectories(tmp.resolve("m/1"));
        Files.write(dir.resolve("model.onnx"), onnx);
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(onnx));
        Files.writeString(dir.resolve("manifest.json"), """
            {"format_version": 1, "name": "mnist", "version": "1",
             "files": {"model.onnx": {"sha256": "%s", "size": %d}},
             "input": {"name": "image", "dtype": "float32", "shape": [-1, 1, 28, 28]},
             "outputs": [{"name": "log_probs", "dtype": "float32", "shape": [-1, 10]}],
             "labels": ["0","1","2","3","4","5","6","7","8","9"]}
            """.formatted(sha, onnx.length));
        return dir;
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
