package dev.glyph.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glyph.testtools.OutsideTools;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glyph.exporter.internal.OnnxRunner;
import dev.glyph.exporter.internal.TestImages;
import dev.glyph.trainer.TrainedRun;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Outside readers of an exported model folder: Debian's python3-torch 1.13 loads {@code model.pt} with
 * {@code torch.jit.load} and matches ONNX Runtime on real test images, and python3-onnx 1.12 accepts
 * {@code model.onnx} with {@code onnx.checker.check_model(full_check=True)}. Skipped when no Python with both
 * packages is installed.
 */
class ExportPythonReaderTest {

    private static final int N = 100;

    @TempDir
    Path tmp;

    @Test
    void exportedFolder_pythonTorchAndOnnxChecker_loadMatchAndAccept() throws Exception {
        String python = OutsideTools.requirePython("torch", "onnx").toString();
        Path model = ExportFixtures.model();
        TestImages test = TestImages.load("mnist", ExportFixtures.DATA, N);
        Path input = tmp.resolve("input.f32");
        ByteBuffer buf = ByteBuffer.allocate(test.pixels().length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(test.pixels());
        Files.write(input, buf.array());
        Path script = tmp.resolve("exported_model_reader.py");
        try (InputStream in = getClass().getResourceAsStream("/exported_model_reader.py")) {
            assertNotNull(in, "test resource exported_model_reader.py");
            Files.copy(in, script);
        }
        Path out = tmp.resolve("out.f32");

        TorchScriptFixtures.Result r = TorchScriptFixtures.run(List.of(python, script.toString(), model.toString(),
                input.toString(), Integer.toString(N), out.toString()), 300);

        assertEquals(0, r.exitCode(), "python reader failed:\n" + r.stderr());
        JsonNode report = new ObjectMapper().readTree(r.stdout().lines().reduce((a, b) -> b).orElse(""));
        assertEquals("ok", report.get("onnx_checker").asText());
        assertEquals(8, report.get("onnx_ir_version").asInt());
        assertEquals(17, report.get("onnx_opsets").get("").asInt());
        assertEquals("[" + N + ",10]", report.get("output_shape").toString());
        String provenance = TrainedRun.open(ExportFixtures.run()).provenanceJson();
        assertEquals(provenance, report.get("provenance").asText());
        assertEquals(provenance, report.get("onnx_metadata").get("provenance").asText());

        byte[] bytes = Files.readAllBytes(out);
        float[] torchOut = new float[bytes.length / 4];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(torchOut);
        float[] ort;
        try (OnnxRunner onnx = OnnxRunner.open(model.resolve("model.onnx"))) {
            ort = onnx.logProbs(test.pixels(), N, 50);
        }
        assertEquals(ort.length, torchOut.length);
        double max = 0;
        for (int i = 0; i < ort.length; i++) {
            max = Math.max(max, Math.abs((double) ort[i] - torchOut[i]));
        }
        System.out.printf("python torch %s torch.jit.load(model.pt) vs ONNX Runtime on %d test images: max |diff| "
                + "%.3g; onnx %s check_model(full_check=True): ok%n", report.get("torch").asText(), N, max,
                report.get("onnx").asText());
        assertTrue(max <= 1e-4, "max |diff| " + max);
    }
}
