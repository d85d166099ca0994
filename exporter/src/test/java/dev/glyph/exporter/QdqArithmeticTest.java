package dev.glyph.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glyph.exporter.internal.TestImages;
import dev.glyph.modelformat.ModelFolder;
import dev.glyph.onnxschema.ModelProto;
import dev.glyph.onnxschema.TensorProto;
import dev.glyph.onnxschema.TypeProto;
import dev.glyph.onnxschema.ValueInfoProto;
import dev.glyph.testtools.OutsideTools;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An independent check of the int8 model's arithmetic: {@code src/test/python/qdq_check.py} (Debian's numpy and
 * onnx) evaluates ONNX's QuantizeLinear/DequantizeLinear semantics through the whole QDQ graph in float64 and
 * compares it with what ONNX Runtime's fused integer kernels computed here, for 8 test images.
 *
 * <p>Tolerances: the first Conv's uint8 codes may differ by at most 1 (a value within rounding of a .5 boundary,
 * where ONNX Runtime's fused requantisation multiplies by the float32 product of the scales and numpy divides in
 * float64), and at least 99.9 % of them must be equal; the log-probabilities may differ by at most 0.05 and the
 * argmax must agree on every image. A saturating integer kernel (AVX2's u8×s8 multiply-add with full 8-bit weights)
 * breaks these by far, which is what {@code reduceRange} prevents.
 */
class QdqArithmeticTest {

    private static final int N = 8;

    @TempDir
    Path tmp;

    @Test
    void qdqGraph_numpyReferenceOfQuantizeDequantize_matchesOnnxRuntimeIntegerKernels() throws Exception {
        Path python = OutsideTools.requirePython("numpy", "onnx");
        OptimizeResult r = OptimizeFixtures.int8();
        Path model = r.dir().resolve(ModelFolder.ONNX);
        ModelProto int8 = ModelProto.parseFrom(Files.readAllBytes(model));
        // the ONNX Runtime side: the same model with the first Conv's quantised output as an extra graph output
        ModelProto probe = int8.toBuilder().setGraph(int8.getGraph().toBuilder().addOutput(ValueInfoProto.newBuilder()
                .setName("relu1_out_quantized").setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor
                        .newBuilder().setElemType(TensorProto.DataType.UINT8_VALUE))))).build();
        TestImages test = TestImages.load("mnist", ExportFixtures.DATA, N);
        Path optimised = tmp.resolve("probe.optimised.onnx");
        byte[] relu1;
        float[] logProbs = new float[N * 10];
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setOptimizedModelFilePath(optimised.toString());
            try (OrtSession s = env.createSession(probe.toByteArray(), so);
                    OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(test.pixels()), new long[] {N, 1, 28, 28});
                    OrtSession.Result res = s.run(Map.of("image", x), Set.of("relu1_out_quantized", "log_probs"))) {
                ByteBuffer b = ((OnnxTensor) res.get("relu1_out_quantized").orElseThrow()).getByteBuffer();
                relu1 = new byte[b.remaining()];
                b.get(relu1);
                ((OnnxTensor) res.get("log_probs").orElseThrow()).getFloatBuffer().get(logProbs);
            }
        }
        List<String> kernels = OptimizerTest.opTypes(ModelProto.parseFrom(Files.readAllBytes(optimised)));
        assertTrue(kernels.contains("QLinearConv"), "the probe must run ONNX Runtime's integer conv: " + kernels);
        assertEquals(N * 32 * 26 * 26, relu1.length);

        Path images = tmp.resolve("images.f32");
        Files.write(images, floats(test.pixels()));
        Path relu1File = Files.write(tmp.resolve("relu1.u8"), relu1);
        Path lpFile = Files.write(tmp.resolve("log_probs.f32"), floats(logProbs));
        Path script = Path.of("src", "test", "python", "qdq_check.py");
        Process p = new ProcessBuilder(python.toString(), script.toString(), model.toString(), images.toString(),
                Integer.toString(N), relu1File.toString(), lpFile.toString()).redirectErrorStream(false).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "qdq_check.py did not finish");
        assertEquals(0, p.exitValue(), "qdq_check.py failed (the checker or the evaluation):\n" + err + out);
        JsonNode j = new ObjectMapper().readTree(out);
        System.out.println("numpy QDQ reference vs ONNX Runtime: " + j);
        long codes = j.get("conv1_codes").asLong();
        assertEquals(relu1.length, codes);
        assertTrue(j.get("conv1_max_code_diff").asInt() <= 1, "first Conv's codes differ by more than 1: " + j);
        assertTrue(j.get("conv1_codes_equal").asLong() >= codes * 0.999, "fewer than 99.9 % equal codes: " + j);
        assertTrue(j.get("log_probs_max_abs_diff").asDouble() <= 0.05, "log-probabilities differ: " + j);
        assertEquals(j.get("argmax_ort"), j.get("argmax_numpy"));
        assertEquals("[\"Conv\",\"DequantizeLinear\",\"Exp\",\"Flatten\",\"Gemm\",\"LogSoftmax\",\"MaxPool\","
                + "\"QuantizeLinear\",\"Relu\"]", j.get("ops").toString());
    }

    private static byte[] floats(float[] v) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            b.putFloat(f);
        }
        return b.array();
    }
}
