package dev.glyph.exporter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glyph.testtools.OutsideTools;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glyph.exporter.internal.TorchScriptWriter;
import dev.glyph.trainer.MnistNet;
import dev.glyph.trainer.ModelWeights;
import dev.glyph.trainer.Tensor;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Outside reader: Python {@code torch.jit.load} (Debian python3-torch 1.13) loads the archive, reports state_dict
 * names and shapes, the extra file and the training flags, and runs forward on inputs written by this test; the
 * output is compared with {@link ReferenceForward}. Also re-saves the module with torch's own writer and reloads it.
 */
class TorchScriptPythonReaderTest {

    private static final int N = 16;

    private static float[] readFloats(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        float[] out = new float[bytes.length / 4];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }

    @Test
    void torchJitLoad_python113_matchesWeightsExtraFileAndReferenceForward(@TempDir Path dir) throws IOException {
        String python = OutsideTools.requirePython("torch").toString();

        ModelWeights weights = TorchScriptFixtures.randomWeights(77);
        String provenance = "{\"exporter\":\"glyph\",\"ok\":true,\"µ\":1}";
        Path pt = dir.resolve("model.pt");
        TorchScriptWriter.write(weights, Map.of("provenance.json", provenance.getBytes(StandardCharsets.UTF_8)), pt);

        float[] images = TorchScriptFixtures.randomImages(N, 78);
        Path input = dir.resolve("input.f32");
        ByteBuffer buf = ByteBuffer.allocate(images.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(images);
        Files.write(input, buf.array());

        Path script = dir.resolve("torchscript_reader.py");
        try (InputStream in = getClass().getResourceAsStream("/torchscript_reader.py")) {
            assertNotNull(in, "test resource torchscript_reader.py");
            Files.copy(in, script);
        }
        TorchScriptFixtures.Result r = TorchScriptFixtures.run(List.of(python, script.toString(), pt.toString(),
                input.toString(), Integer.toString(N), dir.toString()), 300);
        assertEquals(0, r.exitCode(), "python reader failed:\n" + r.stderr());
        String json = r.stdout().lines().reduce((a, b) -> b).orElse("");
        JsonNode report = new ObjectMapper().readTree(json);
        System.out.println("python torch " + report.get("torch").asText() + " loaded the archive: " + json);

        List<String> names = new ArrayList<>();
        for (JsonNode e : report.get("state_dict")) {
            names.add(e.get(0).asText());
            long[] shape = new long[e.get(1).size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = e.get(1).get(i).asLong();
            }
            assertArrayEquals(weights.get(e.get(0).asText()).shape(), shape, e.get(0).asText());
        }
        assertEquals(MnistNet.parameterNames(), names);
        List<String> params = new ArrayList<>();
        report.get("named_parameters").forEach(p -> params.add(p.asText()));
        assertEquals(MnistNet.parameterNames(), params, "registered as parameters, not plain attributes");
        assertTrue(report.get("requires_grad").asBoolean());
        for (JsonNode t : report.get("training")) {
            assertFalse(t.asBoolean(), "training flags: " + report.get("training"));
        }
        assertEquals(5, report.get("training").size(), "root + 4 submodules");
        assertEquals("MnistNet", report.get("original_name").asText());
        assertEquals(provenance, report.get("provenance").asText());
        assertEquals("[" + N + ",10]", report.get("output_shape").toString());
        assertTrue(report.get("eval_equal").asBoolean());

        float[] values = readFloats(dir.resolve("params.f32"));
        int offset = 0;
        for (Tensor t : weights.tensors()) {
            float[] part = java.util.Arrays.copyOfRange(values, offset, offset + t.size());
            assertArrayEquals(t.data(), part, t.name());
            offset += t.size();
        }
        assertEquals(values.length, offset);

        float[][] expected = ReferenceForward.logProbs(weights, images, N);
        double diff = TorchScriptFixtures.maxAbsDiff(expected,
                TorchScriptFixtures.rows(readFloats(dir.resolve("logprobs.f32")), 10));
        double resavedDiff = TorchScriptFixtures.maxAbsDiff(expected,
                TorchScriptFixtures.rows(readFloats(dir.resolve("resaved_logprobs.f32")), 10));
        System.out.printf("TorchScript via python torch %s, batch %d: max |diff| vs reference = %.3g"
                + " (after torch.jit.save round trip: %.3g)%n", report.get("torch").asText(), N, diff, resavedDiff);
        assertTrue(diff <= 1e-4, "max |diff| " + diff);
        assertTrue(resavedDiff <= 1e-4, "max |diff| after re-save " + resavedDiff);
    }
}
