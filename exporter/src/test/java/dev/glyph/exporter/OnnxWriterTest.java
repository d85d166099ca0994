package dev.glyph.exporter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glyph.exporter.internal.OnnxInspector;
import dev.glyph.exporter.internal.OnnxModelInfo;
import dev.glyph.exporter.internal.OnnxWriter;
import dev.glyph.onnxschema.GraphProto;
import dev.glyph.onnxschema.ModelProto;
import dev.glyph.onnxschema.NodeProto;
import dev.glyph.onnxschema.TensorProto;
import dev.glyph.onnxschema.TensorShapeProto;
import dev.glyph.trainer.MnistNet;
import dev.glyph.trainer.ModelWeights;
import dev.glyph.trainer.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Structure of the file {@link OnnxWriter} writes, read back through the generated messages. */
class OnnxWriterTest {

    private static ModelWeights weights;

    @TempDir
    Path dir;

    @BeforeAll
    static void weights() {
        weights = OnnxTestSupport.randomWeights(7);
    }

    private static Map<String, String> metadata() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("provenance", "{\"run\": \"r1\", \"seed\": 42}");
        m.put("dataset", "mnist");
        m.put("test_accuracy", "98.91");
        m.put("producer_name", "glyph");
        m.put(OnnxWriter.META_PRODUCER_VERSION, "0.1.0-test");
        return m;
    }

    @Test
    void write_randomWeights_declaresIr8Opset17AndGraphName() throws IOException {
        Path out = dir.resolve("model.onnx");
        OnnxWriter.write(weights, metadata(), out);

        OnnxModelInfo info = OnnxInspector.inspect(out);
        assertEquals(8, info.irVersion());
        assertEquals(Map.of("", 17L), info.opsets());
        assertEquals(17, info.defaultOpset());
        assertEquals("glyph", info.producerName());
        assertEquals("0.1.0-test", info.producerVersion());
        assertEquals("mnistnet", info.graphName());
        assertEquals(Files.size(out), info.sizeBytes());
        assertEquals(List.of(), OnnxInspector.contractProblems(info), info.describe());
    }

    @Test
    void write_randomWeights_hasDynamicBatchInputAndTwoOutputs() throws IOException {
        Path out = dir.resolve("model.onnx");
        OnnxWriter.write(weights, metadata(), out);

        OnnxModelInfo info = OnnxInspector.inspect(out);
        assertEquals(1, info.inputs().size());
        OnnxModelInfo.Value image = info.input("image");
        assertEquals("float32", image.elemType());
        assertEquals("[batch,1,28,28]", image.shapeText());
        assertEquals("batch", image.shape().get(0).param());
        assertArrayEquals(new long[] {-1, 1, 28, 28}, image.dims());
        assertEquals(List.of("log_probs", "probs"), info.outputs().stream().map(OnnxModelInfo.Value::name).toList());
        for (OnnxModelInfo.Value v : info.outputs()) {
            assertEquals("float32", v.elemType());
            assertEquals("[batch,10]", v.shapeText());
        }
        // Dimension oneof: the batch axis carries dim_param only, the others dim_value only.
        TensorShapeProto shape = OnnxInspector.read(out).getGraph().getInput(0).getType().getTensorType().getShape();
        assertTrue(shape.getDim(0).hasDimParam());
        assertFalse(shape.getDim(0).hasDimValue());
        assertTrue(shape.getDim(1).hasDimValue());
        assertFalse(shape.getDim(1).hasDimParam());
    }

    @Test
    void write_randomWeights_nodesInForwardOrderWithPytorchInitializerNames() throws IOException {
        Path out = dir.resolve("model.onnx");
        OnnxWriter.write(weights, metadata(), out);

        OnnxModelInfo info = OnnxInspector.inspect(out);
        assertEquals(List.of("Conv", "Relu", "Conv", "Relu", "MaxPool", "Flatten", "Gemm", "Relu", "Gemm",
                "LogSoftmax", "Exp"), info.opTypes());
        assertEquals(MnistNet.parameterNames(),
                info.initializers().stream().map(OnnxModelInfo.Initializer::name).toList());

        GraphProto g = OnnxInspector.read(out).getGraph();
        NodeProto fc1 = g.getNodeList().stream().filter(n -> n.getName().equals("fc1")).findFirst().orElseThrow();
        assertEquals(List.of("flatten_out", "fc1.weight", "fc1.bias"), fc1.getInputList());
        assertEquals(1, fc1.getAttributeList().stream().filter(a -> a.getName().equals("transB")).findFirst()
                .orElseThrow().getI());
        for (NodeProto n : g.getNodeList()) {
            assertFalse(n.getName().isEmpty(), n.toString());
            assertEquals("", n.getDomain());
            n.getAttributeList().forEach(a -> assertTrue(a.hasType(), "attribute without type: " + a));
        }
    }

    @Test
    void toModel_initializerRawData_isLittleEndianCopyOfWeights() {
        ModelProto model = OnnxWriter.toModel(weights, Map.of());

        for (TensorProto t : model.getGraph().getInitializerList()) {
            Tensor expected = weights.get(t.getName());
            assertEquals(TensorProto.DataType.FLOAT_VALUE, t.getDataType());
            assertArrayEquals(expected.shape(), t.getDimsList().stream().mapToLong(Long::longValue).toArray());
            assertEquals(0, t.getFloatDataCount(), "data must live only in raw_data");
            float[] actual = new float[expected.size()];
            ByteBuffer.wrap(t.getRawData().toByteArray()).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(actual);
            assertEquals(expected.size() * 4, t.getRawData().size());
            assertArrayEquals(expected.data(), actual, t.getName());
        }
    }

    @Test
    void write_metadata_storedSortedByKeyWithProvenanceVerbatim() throws IOException {
        Path out = dir.resolve("model.onnx");
        OnnxWriter.write(weights, metadata(), out);

        OnnxModelInfo info = OnnxInspector.inspect(out);
        assertEquals(new ArrayList<>(new TreeMap<>(metadata()).keySet()), new ArrayList<>(info.metadata().keySet()));
        assertEquals(metadata(), info.metadata());
        assertEquals("{\"run\": \"r1\", \"seed\": 42}", info.metadata().get("provenance"));
    }

    @Test
    void toModel_noProducerVersionKey_leavesProducerVersionUnset() {
        ModelProto model = OnnxWriter.toModel(weights, Map.of("dataset", "mnist"));

        assertFalse(model.hasProducerVersion());
        assertEquals("glyph", model.getProducerName());
        assertEquals(1, model.getMetadataPropsCount());
    }

    @Test
    void toBytes_sameInputsInOtherMapOrder_identicalBytes() {
        Map<String, String> reversed = new LinkedHashMap<>();
        List<String> keys = new ArrayList<>(metadata().keySet());
        for (int i = keys.size() - 1; i >= 0; i--) {
            reversed.put(keys.get(i), metadata().get(keys.get(i)));
        }

        byte[] a = OnnxWriter.toBytes(weights, metadata());
        byte[] b = OnnxWriter.toBytes(OnnxTestSupport.randomWeights(7), reversed);

        assertArrayEquals(a, b);
    }

    @Test
    void write_twice_sameFileBytesAndNoTemporaryFileLeft() throws IOException {
        Path out = dir.resolve("model.onnx");
        OnnxWriter.write(weights, metadata(), out);
        byte[] first = Files.readAllBytes(out);
        OnnxWriter.write(weights, metadata(), out);

        assertArrayEquals(first, Files.readAllBytes(out));
        assertArrayEquals(OnnxWriter.toBytes(weights, metadata()), first);
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(out), files.toList());
        }
    }

    /** Before model-format's atomic write, both writers used the fixed temp name .model.onnx.tmp and collided. */
    @Test
    void write_twoThreadsToOnePath_bothSucceedAndTheFileIsOneOfTheModels() throws Exception {
        Path out = dir.resolve("concurrent.onnx");
        ModelWeights other = OnnxTestSupport.randomWeights(8);
        byte[] a = OnnxWriter.toBytes(weights, metadata());
        byte[] b = OnnxWriter.toBytes(other, metadata());
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            List<java.util.concurrent.Future<?>> writers = new ArrayList<>();
            for (ModelWeights w : List.of(weights, other)) {
                writers.add(pool.submit(() -> {
                    for (int i = 0; i < 10; i++) {
                        OnnxWriter.write(w, metadata(), out);
                    }
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> f : writers) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        byte[] last = Files.readAllBytes(out);
        assertTrue(java.util.Arrays.equals(a, last) || java.util.Arrays.equals(b, last), "a whole model");
        try (Stream<Path> files = Files.list(dir)) {
            assertFalse(files.anyMatch(p -> p.getFileName().toString().contains(".tmp")), "no temporary file left");
        }
    }

    @Test
    void toModel_nanWeight_throwsNamingParameter() {
        List<Tensor> tensors = new ArrayList<>(weights.tensors());
        float[] bias = new float[10];
        bias[3] = Float.NaN;
        tensors.set(7, new Tensor("fc2.bias", new long[] {10}, bias));
        ModelWeights bad = new ModelWeights(tensors);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OnnxWriter.toModel(bad, Map.of()));
        assertTrue(e.getMessage().contains("fc2.bias") && e.getMessage().contains("NaN"), e.getMessage());
    }

    @Test
    void toModel_nullMetadataValue_throwsNamingKey() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("dataset", null);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OnnxWriter.toModel(weights, m));
        assertTrue(e.getMessage().contains("dataset"), e.getMessage());
    }

    @Test
    void contractProblems_otherOpsetAndFixedBatch_listsBoth() throws IOException {
        ModelProto good = OnnxWriter.toModel(weights, Map.of());
        ModelProto.Builder b = good.toBuilder();
        b.getOpsetImportBuilder(0).setVersion(13);
        b.getGraphBuilder().getInputBuilder(0).getTypeBuilder().getTensorTypeBuilder().getShapeBuilder()
                .getDimBuilder(0).setDimValue(1);
        byte[] bytes = b.build().toByteArray();

        List<String> problems = OnnxInspector.contractProblems(OnnxInspector.inspect(bytes, "edited"));

        assertEquals(List.of("default-domain opset is 13, expected 17",
                "input image is float32 [1,1,28,28], expected float32 [batch,1,28,28]"), problems);
    }
}
