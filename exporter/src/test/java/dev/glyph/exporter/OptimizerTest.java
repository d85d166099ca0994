package dev.glyph.exporter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glyph.datasets.Datasets;
import dev.glyph.datasets.ImageSet;
import dev.glyph.exporter.internal.CalibrationSubset;
import dev.glyph.exporter.internal.OnnxTensors;
import dev.glyph.modelformat.FileDigest;
import dev.glyph.modelformat.Manifest;
import dev.glyph.modelformat.ManifestFile;
import dev.glyph.modelformat.ModelFolder;
import dev.glyph.onnxschema.ModelProto;
import dev.glyph.onnxschema.NodeProto;
import dev.glyph.onnxschema.TensorProto;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Optimizer} on the shared test model: the QDQ graph's structure, ONNX Runtime's fusion into integer
 * kernels, the manifest, determinism, the gate refusing a bad calibration, fp16, and refusals.
 */
class OptimizerTest {

    @TempDir
    Path tmp;

    /** The op types of a model's nodes, in order. */
    static List<String> opTypes(ModelProto m) {
        List<String> ops = new ArrayList<>();
        for (NodeProto n : m.getGraph().getNodeList()) {
            ops.add(n.getOpType());
        }
        return ops;
    }

    private static ModelProto read(Path dir) throws Exception {
        return ModelProto.parseFrom(Files.readAllBytes(dir.resolve(ModelFolder.ONNX)));
    }

    @Test
    void optimize_int8_everyConvAndGemmQuantisedScalesPositiveZeroPointsInRange() throws Exception {
        ModelProto m = read(OptimizeFixtures.int8().dir());
        Map<String, NodeProto> producer = new HashMap<>();
        m.getGraph().getNodeList().forEach(n -> n.getOutputList().forEach(o -> producer.put(o, n)));
        Map<String, TensorProto> inits = new HashMap<>();
        m.getGraph().getInitializerList().forEach(t -> inits.put(t.getName(), t));
        int quantised = 0;
        for (NodeProto n : m.getGraph().getNodeList()) {
            if (!n.getOpType().equals("Conv") && !n.getOpType().equals("Gemm")) {
                continue;
            }
            quantised++;
            NodeProto x = producer.get(n.getInput(0));
            NodeProto w = producer.get(n.getInput(1));
            NodeProto b = producer.get(n.getInput(2));
            assertEquals("DequantizeLinear", x.getOpType(), n.getName() + " activation");
            assertEquals("QuantizeLinear", producer.get(x.getInput(0)).getOpType(), n.getName() + " activation Q->DQ");
            assertEquals("DequantizeLinear", w.getOpType(), n.getName() + " weight");
            assertEquals(TensorProto.DataType.INT8_VALUE, inits.get(w.getInput(0)).getDataType(), n.getName());
            assertEquals(0, OnnxTensors.intAttribute(w, "axis", -1), n.getName() + " per output channel");
            assertEquals("DequantizeLinear", b.getOpType(), n.getName() + " bias");
            assertEquals(TensorProto.DataType.INT32_VALUE, inits.get(b.getInput(0)).getDataType(), n.getName());
            int channels = (int) inits.get(w.getInput(0)).getDims(0);
            assertEquals(List.of((long) channels), inits.get(w.getInput(1)).getDimsList(), n.getName() + " scales");
            byte[] q = inits.get(w.getInput(0)).getRawData().toByteArray();
            for (byte v : q) {
                assertTrue(v >= -63 && v <= 63, n.getName() + " weight level " + v + " outside the 7-bit range");
            }
            for (byte zp : inits.get(w.getInput(2)).getRawData().toByteArray()) {
                assertEquals(0, zp, n.getName() + " symmetric weights");
            }
            float[] xs = OnnxTensors.readFloats(inits.get(x.getInput(1)));
            float[] ws = OnnxTensors.readFloats(inits.get(w.getInput(1)));
            float[] bs = OnnxTensors.readFloats(inits.get(b.getInput(1)));
            for (int c = 0; c < ws.length; c++) {
                assertEquals(xs[0] * ws[c], bs[c], n.getName() + " bias scale = activation x weight scale");
            }
        }
        assertEquals(4, quantised, "conv1, conv2, fc1, fc2");
        for (TensorProto t : m.getGraph().getInitializerList()) {
            if (t.getName().endsWith("_scale")) {
                for (float s : OnnxTensors.readFloats(t)) {
                    assertTrue(s > 0 && Float.isFinite(s), t.getName() + " = " + s);
                }
            }
            if (t.getName().endsWith("_zero_point") && t.getDataType() == TensorProto.DataType.UINT8_VALUE) {
                int zp = t.getRawData().byteAt(0) & 0xff;
                assertEquals(0, zp, t.getName() + ": non-negative activations start at 0");
            }
        }
        NodeProto logSoftmax = m.getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("LogSoftmax"))
                .findFirst().orElseThrow();
        assertEquals("Gemm", producer.get(logSoftmax.getInput(0)).getOpType(), "LogSoftmax runs on float fc2 output");
    }

    @Test
    void optimize_int8_onnxRuntimeFusesIntoQLinearConvAndQGemm() throws Exception {
        Path optimised = tmp.resolve("optimised.onnx");
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            so.setOptimizedModelFilePath(optimised.toString());
            try (OrtSession s = OrtEnvironment.getEnvironment().createSession(
                    OptimizeFixtures.int8().dir().resolve(ModelFolder.ONNX).toString(), so)) {
                assertEquals(List.of("image"), new ArrayList<>(s.getInputNames()));
            }
        }
        List<String> ops = opTypes(ModelProto.parseFrom(Files.readAllBytes(optimised)));
        System.out.println("ONNX Runtime's optimised int8 graph: " + ops);
        assertEquals(2, ops.stream().filter("QLinearConv"::equals).count(), ops.toString());
        assertEquals(2, ops.stream().filter("QGemm"::equals).count(), ops.toString());
        assertFalse(ops.contains("Conv") || ops.contains("Gemm") || ops.contains("FusedConv"), ops.toString());
        assertFalse(ops.contains("DequantizeLinear"), "no float path left: " + ops);
    }

    @Test
    void optimize_int8_manifestRecordsPrecisionCalibrationScalesSourceGateAndOwnSelfTest() throws Exception {
        OptimizeResult r = OptimizeFixtures.int8();
        Manifest m = ManifestFile.read(r.dir()).manifest();
        Manifest src = ManifestFile.read(ExportFixtures.model()).manifest();
        assertEquals("int8", m.precision());
        assertEquals("2", m.version());
        assertEquals(src.provenance(), m.provenance(), "provenance travels on");
        JsonNode o = m.optimization();
        assertEquals(src.files().get(ModelFolder.ONNX).sha256(), o.path("source").path("model_onnx_sha256").asText());
        assertEquals("1", o.path("source").path("version").asText());
        JsonNode cal = o.path("calibration");
        assertEquals("percentile", cal.path("method").asText());
        assertEquals(OptimizeFixtures.CALIBRATION_IMAGES, cal.path("images").asInt());
        assertEquals("train", cal.path("split").asText());
        assertEquals(CalibrationSubset.choose(60000, OptimizeFixtures.CALIBRATION_IMAGES, 1).sha256(),
                cal.path("indices_sha256").asText());
        assertEquals(List.of("image", "relu1_out", "relu2_out", "relu3_out"),
                iterable(o.path("scales").fieldNames()));
        assertEquals(1f / 255f, (float) o.path("scales").path("image").path("scale").asDouble());
        assertEquals(32, o.path("weight_scales").path("conv1.weight").size());
        assertEquals(r.gate().argmaxAgreement(), o.path("gate").path("argmax_agreement").asDouble());
        assertTrue(o.path("gate").path("passed").asBoolean());
        assertFalse(o.path("gate").has("created"), "only the manifest's own created changes between runs");
        // its own self test, of its own model.onnx
        byte[] onnx = Files.readAllBytes(r.dir().resolve(ModelFolder.ONNX));
        assertEquals(ModelFiles.selfTest(onnx), m.selfTest());
        assertFalse(m.selfTest().equals(src.selfTest()), "the int8 self test is not the fp32 one");
        assertEquals(FileDigest.of(onnx), m.files().get(ModelFolder.ONNX));
        assertNull(m.files().get(ModelFolder.TORCHSCRIPT));
        assertEquals(r.gate().candidateResult().accuracy(), m.accuracy().get("onnx"));
        // flips.png shows the flipped images, hashed like the model
        assertFalse(r.gate().flips().isEmpty());
        assertNotNull(r.flips());
        assertEquals(FileDigest.of(r.dir().resolve(ModelFolder.FLIPS)), m.files().get(ModelFolder.FLIPS));
        BufferedImage png = ImageIO.read(r.dir().resolve(ModelFolder.FLIPS).toFile());
        assertTrue(png.getWidth() > 28 && png.getHeight() > 28);
        assertTrue(ModelFolder.verifyFiles(r.dir(), ManifestFile.read(r.dir())).containsKey(ModelFolder.FLIPS));
    }

    private static List<String> iterable(java.util.Iterator<String> it) {
        List<String> l = new ArrayList<>();
        it.forEachRemaining(l::add);
        return l;
    }

    @Test
    void optimize_sameInputsTwice_byteIdenticalModelOnnxAndOnlyCreatedDiffers() throws Exception {
        OptimizeResult first = OptimizeFixtures.int8();
        OptimizeResult again = Optimizer.optimize(ExportFixtures.model(), tmp.resolve("models/mnist/2"),
                OptimizeFixtures.options().build());
        assertArrayEquals(Files.readAllBytes(first.dir().resolve(ModelFolder.ONNX)),
                Files.readAllBytes(again.dir().resolve(ModelFolder.ONNX)));
        assertArrayEquals(Files.readAllBytes(first.dir().resolve(ModelFolder.FLIPS)),
                Files.readAllBytes(again.dir().resolve(ModelFolder.FLIPS)));
        ObjectMapper json = new ObjectMapper();
        ObjectNode a = (ObjectNode) json.readTree(Files.readString(first.dir().resolve(ModelFolder.MANIFEST)));
        ObjectNode b = (ObjectNode) json.readTree(Files.readString(again.dir().resolve(ModelFolder.MANIFEST)));
        a.remove("created");
        b.remove("created");
        assertEquals(a, b, "manifests differ in more than created");
    }

    @Test
    void optimize_oneThinCalibrationImage_gateRefusesSaysByHowMuchAndWritesNothing() throws Exception {
        // the seed (of the first 50) whose single calibration image has the fewest lit pixels: a thin stroke whose
        // small activations clip everybody else's
        ImageSet train = Datasets.load("mnist", ExportFixtures.DATA).train();
        long seed = 1;
        int fewest = Integer.MAX_VALUE;
        for (long s = 1; s <= 50; s++) {
            int i = CalibrationSubset.choose(train.count(), 1, s).indices()[0];
            int lit = 0;
            for (int p = 0; p < 784; p++) {
                lit += (train.images()[i * 784 + p] & 0xff) > 0 ? 1 : 0;
            }
            if (lit < fewest) {
                fewest = lit;
                seed = s;
            }
        }
        Path out = tmp.resolve("models/mnist/3");
        long chosen = seed;
        OptimizeException e = assertThrows(OptimizeException.class, () -> Optimizer.optimize(ExportFixtures.model(),
                out, OptimizeFixtures.options().calibration(CalibrationMethod.MINMAX).calibrationImages(1)
                        .seed(chosen).build()));
        System.out.println("1 calibration image (" + fewest + " lit pixels): " + e.getMessage());
        assertNotNull(e.gate());
        assertFalse(e.gate().passed());
        assertTrue(e.getMessage().contains("missed by") && e.getMessage().endsWith("nothing was written"),
                e.getMessage());
        assertFalse(Files.exists(out));
        Path parent = tmp.resolve("models/mnist");
        assertTrue(!Files.exists(parent) || ModelFolder.list(parent).isEmpty(), "no staging folder is left");
    }

    @Test
    void optimize_fp16_float16GraphWithFloatInterfacePassesGateOnCpu() throws Exception {
        OptimizeResult r = OptimizeFixtures.fp16();
        System.out.print(r.gate().table());
        assertTrue(r.gate().passed());
        assertNull(r.calibration());
        ModelProto m = read(r.dir());
        for (TensorProto t : m.getGraph().getInitializerList()) {
            assertEquals(TensorProto.DataType.FLOAT16_VALUE, t.getDataType(), t.getName());
        }
        assertEquals(TensorProto.DataType.FLOAT_VALUE, m.getGraph().getInput(0).getType().getTensorType().getElemType());
        for (var o : m.getGraph().getOutputList()) {
            assertEquals(TensorProto.DataType.FLOAT_VALUE, o.getType().getTensorType().getElemType(), o.getName());
        }
        List<String> ops = opTypes(m);
        assertEquals("Cast", ops.get(0));
        assertTrue(ops.indexOf("Cast") != ops.lastIndexOf("Cast"), "a Cast back to float before LogSoftmax: " + ops);
        Manifest man = ManifestFile.read(r.dir()).manifest();
        assertEquals("fp16", man.precision());
        assertEquals(Optimizer.FP16_SELF_TEST_TOLERANCE, man.selfTest().tolerance());
        assertTrue(man.optimization().path("checked_on").asText().contains("GPU"));
        assertTrue(r.gate().maxAbsDiff() < 0.05, "fp16 log-probabilities stay close: " + r.gate().maxAbsDiff());
    }

    @Test
    void optimize_int8Source_refusedNamingItsPrecision() throws Exception {
        OptimizeException e = assertThrows(OptimizeException.class, () -> Optimizer.optimize(
                OptimizeFixtures.int8().dir(), tmp.resolve("models/mnist/5"), OptimizeFixtures.options().build()));
        assertTrue(e.getMessage().contains("is a int8 version; expected an fp32 version"), e.getMessage());
    }

    @Test
    void optimize_existingNonEmptyTarget_refusedWithoutForce() throws Exception {
        Path out = Files.createDirectories(tmp.resolve("models/mnist/6"));
        Files.writeString(out.resolve(ModelFolder.MANIFEST), "{}");
        OptimizeException e = assertThrows(OptimizeException.class, () -> Optimizer.optimize(ExportFixtures.model(),
                out, OptimizeFixtures.options().build()));
        assertTrue(e.getMessage().contains("already exists and is not empty") && e.getMessage().contains("--force"),
                e.getMessage());
        assertEquals("{}", Files.readString(out.resolve(ModelFolder.MANIFEST)));
    }

    @Test
    void options_looserGateOrFp32Target_illegalArgumentNamingTheOption() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OptimizeOptions.builder().gate(0.5, 99.5).build());
        assertTrue(e.getMessage().contains("tightened, not loosened"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> OptimizeOptions.builder().precision(Precision.FP32).build());
        assertTrue(e.getMessage().contains("expected int8 or fp16"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> OptimizeOptions.builder().calibrationImages(0).build());
        assertTrue(e.getMessage().contains("--calibration-images is 0"), e.getMessage());
    }
}
