package dev.glyph.exporter.internal;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.glyph.modelformat.AtomicFiles;
import dev.glyph.onnxschema.AttributeProto;
import dev.glyph.onnxschema.GraphProto;
import dev.glyph.onnxschema.ModelProto;
import dev.glyph.onnxschema.NodeProto;
import dev.glyph.onnxschema.OperatorSetIdProto;
import dev.glyph.onnxschema.StringStringEntryProto;
import dev.glyph.onnxschema.TensorProto;
import dev.glyph.onnxschema.TensorShapeProto;
import dev.glyph.onnxschema.TypeProto;
import dev.glyph.onnxschema.ValueInfoProto;
import dev.glyph.trainer.MnistNet;
import dev.glyph.trainer.ModelWeights;
import dev.glyph.trainer.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a {@link ModelWeights} as an ONNX model (IR 8, default-domain opset 17) with pure Java and
 * the generated {@code dev.glyph.onnxschema} messages; no native code is involved.
 *
 * <p>The graph, named {@value #GRAPH_NAME}:
 * <pre>
 * image [batch,1,28,28] f32
 *  → Conv(conv1, 3×3) → Relu → Conv(conv2, 3×3) → Relu → MaxPool(2×2, stride 2) → Flatten(axis 1)
 *  → Gemm(fc1, transB=1) → Relu → Gemm(fc2, transB=1) → LogSoftmax(axis 1) → log_probs [batch,10]
 *  → Exp → probs [batch,10]
 * </pre>
 * Initializers carry the PyTorch parameter names ({@code conv1.weight}, ..., {@code fc2.bias}) with
 * little-endian float32 {@code raw_data}. The batch axis is symbolic ({@code dim_param "batch"}).
 *
 * <p>Metadata: every entry of the {@code metadata} map becomes a {@code metadata_props} entry, sorted
 * by key. {@code producer_name} is always {@value #PRODUCER_NAME}. {@code producer_version} is taken
 * from the metadata entry {@value #META_PRODUCER_VERSION} when present, otherwise it is left unset.
 * The same weights and metadata always give the same bytes (no time stamps, no map-order effects).
 *
 * <pre>{@code
 * OnnxWriter.write(weights, Map.of("producer_version", "0.1.0", "dataset", "mnist"), dir.resolve("model.onnx"));
 * }</pre>
 *
 * <p>Thread-safety: stateless; all methods are safe to call concurrently (for different output paths).
 */
public final class OnnxWriter {

    /** ONNX IR version written ({@code onnx} 1.10 to 1.13 readers accept it). */
    public static final long IR_VERSION = 8;
    /** Version of the default ({@code ""}, ai.onnx) operator set. */
    public static final long OPSET_VERSION = 17;
    /** {@code ModelProto.producer_name}. */
    public static final String PRODUCER_NAME = "glyph";
    /** Metadata key whose value, when present, becomes {@code ModelProto.producer_version}. */
    public static final String META_PRODUCER_VERSION = "producer_version";
    /** Graph name. */
    public static final String GRAPH_NAME = "mnistnet";
    /** Name of the graph input. */
    public static final String INPUT = "image";
    /** Name of the log-probability output. */
    public static final String OUTPUT_LOG_PROBS = "log_probs";
    /** Name of the probability output. */
    public static final String OUTPUT_PROBS = "probs";
    /** Symbolic name of the batch dimension. */
    public static final String BATCH_DIM = "batch";

    private static final Logger LOG = LoggerFactory.getLogger(OnnxWriter.class);

    private OnnxWriter() {
    }

    /**
     * Writes the model to {@code out}, replacing an existing file, through {@link AtomicFiles} (unique temporary
     * file, fsync, atomic rename, fsync of the folder), so a failed write never leaves a half file and concurrent
     * writers never collide.
     *
     * @throws IllegalArgumentException if a weight is not finite or a metadata key or value is null or
     *     the key is empty
     * @throws IOException if the file cannot be written
     */
    public static void write(ModelWeights weights, Map<String, String> metadata, Path out) throws IOException {
        ModelProto model = toModel(weights, metadata);
        AtomicFiles.write(out, model::writeTo);
        LOG.debug("wrote ONNX model {} ({} bytes)", out, model.getSerializedSize());
    }

    /** Returns the serialized model; see {@link #write}. */
    public static byte[] toBytes(ModelWeights weights, Map<String, String> metadata) {
        return toModel(weights, metadata).toByteArray();
    }

    /** Builds the model message; see {@link #write}. */
    public static ModelProto toModel(ModelWeights weights, Map<String, String> metadata) {
        if (weights == null) {
            throw new IllegalArgumentException("weights are null");
        }
        if (metadata == null) {
            throw new IllegalArgumentException("metadata map is null (pass an empty map for none)");
        }
        TreeMap<String, String> sorted = new TreeMap<>();
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            if (e.getKey() == null || e.getKey().isEmpty()) {
                throw new IllegalArgumentException("metadata key is null or empty; expected a non-empty string");
            }
            if (e.getValue() == null) {
                throw new IllegalArgumentException("metadata value for key '" + e.getKey()
                        + "' is null; expected a string");
            }
            sorted.put(e.getKey(), e.getValue());
        }

        ModelProto.Builder model = ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET_VERSION))
                .setProducerName(PRODUCER_NAME)
                .setModelVersion(1)
                .setDocString("MnistNet handwritten-digit classifier exported by Glyph. Input 'image' is float32 "
                        + "[batch,1,28,28], pixel/255 (0 = background), no normalisation. Outputs 'log_probs' "
                        + "(log-softmax) and 'probs' (softmax), both float32 [batch,10].");
        String producerVersion = sorted.get(META_PRODUCER_VERSION);
        if (producerVersion != null) {
            model.setProducerVersion(producerVersion);
        }
        for (Map.Entry<String, String> e : sorted.entrySet()) {
            model.addMetadataProps(StringStringEntryProto.newBuilder().setKey(e.getKey()).setValue(e.getValue()));
        }
        model.setGraph(graph(weights));
        return model.build();
    }

    private static GraphProto graph(ModelWeights weights) {
        GraphProto.Builder g = GraphProto.newBuilder()
                .setName(GRAPH_NAME)
                .setDocString("conv1 3x3 -> relu -> conv2 3x3 -> relu -> maxpool 2x2 -> flatten -> fc1 -> relu -> fc2 "
                        + "-> log_softmax (log_probs), exp (probs)");
        g.addInput(value(INPUT, "Grayscale 28x28 images, NCHW, values pixel/255 in [0, 1].",
                BATCH_DIM, 1, MnistNet.IMAGE_SIZE, MnistNet.IMAGE_SIZE));
        g.addOutput(value(OUTPUT_LOG_PROBS, "Natural-log class probabilities, classes 0..9.",
                BATCH_DIM, MnistNet.CLASSES));
        g.addOutput(value(OUTPUT_PROBS, "Class probabilities (exp of log_probs), rows sum to 1.",
                BATCH_DIM, MnistNet.CLASSES));

        for (Tensor t : weights.tensors()) {
            g.addInitializer(initializer(t));
        }

        g.addNode(node("Conv", "conv1", "2-D convolution 1->32, 3x3, stride 1, no padding",
                new String[] {INPUT, "conv1.weight", "conv1.bias"}, "conv1_out",
                ints("kernel_shape", 3, 3), ints("strides", 1, 1), ints("pads", 0, 0, 0, 0),
                ints("dilations", 1, 1), integer("group", 1)));
        g.addNode(node("Relu", "relu1", null, new String[] {"conv1_out"}, "relu1_out"));
        g.addNode(node("Conv", "conv2", "2-D convolution 32->64, 3x3, stride 1, no padding",
                new String[] {"relu1_out", "conv2.weight", "conv2.bias"}, "conv2_out",
                ints("kernel_shape", 3, 3), ints("strides", 1, 1), ints("pads", 0, 0, 0, 0),
                ints("dilations", 1, 1), integer("group", 1)));
        g.addNode(node("Relu", "relu2", null, new String[] {"conv2_out"}, "relu2_out"));
        g.addNode(node("MaxPool", "pool", "2x2 max pooling, stride 2 -> [batch,64,12,12]",
                new String[] {"relu2_out"}, "pool_out",
                ints("kernel_shape", 2, 2), ints("strides", 2, 2), ints("pads", 0, 0, 0, 0)));
        g.addNode(node("Flatten", "flatten", "[batch,64,12,12] -> [batch,9216]",
                new String[] {"pool_out"}, "flatten_out", integer("axis", 1)));
        g.addNode(node("Gemm", "fc1", "fully connected 9216->128 (PyTorch Linear, weight [out,in])",
                new String[] {"flatten_out", "fc1.weight", "fc1.bias"}, "fc1_out",
                real("alpha", 1.0f), real("beta", 1.0f), integer("transA", 0), integer("transB", 1)));
        g.addNode(node("Relu", "relu3", null, new String[] {"fc1_out"}, "relu3_out"));
        g.addNode(node("Gemm", "fc2", "fully connected 128->10 (PyTorch Linear, weight [out,in])",
                new String[] {"relu3_out", "fc2.weight", "fc2.bias"}, "fc2_out",
                real("alpha", 1.0f), real("beta", 1.0f), integer("transA", 0), integer("transB", 1)));
        g.addNode(node("LogSoftmax", "log_softmax", "log-softmax over the class axis",
                new String[] {"fc2_out"}, OUTPUT_LOG_PROBS, integer("axis", 1)));
        g.addNode(node("Exp", "probs", "probabilities = exp(log_probs)",
                new String[] {OUTPUT_LOG_PROBS}, OUTPUT_PROBS));
        return g.build();
    }

    /** A float32 tensor value whose dims are either Integer (fixed) or String (symbolic). */
    private static ValueInfoProto value(String name, String doc, Object... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (Object d : dims) {
            TensorShapeProto.Dimension.Builder dim = TensorShapeProto.Dimension.newBuilder();
            if (d instanceof String s) {
                dim.setDimParam(s);
            } else {
                dim.setDimValue(((Number) d).longValue());
            }
            shape.addDim(dim);
        }
        return ValueInfoProto.newBuilder()
                .setName(name)
                .setDocString(doc)
                .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder()
                        .setElemType(TensorProto.DataType.FLOAT_VALUE)
                        .setShape(shape)))
                .build();
    }

    private static TensorProto initializer(Tensor t) {
        float[] data = t.data();
        ByteBuffer buf = ByteBuffer.allocate(data.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < data.length; i++) {
            float v = data[i];
            if (!Float.isFinite(v)) {
                throw new IllegalArgumentException("parameter " + t.name() + " holds " + v + " at flat index " + i
                        + "; expected only finite values");
            }
            buf.putFloat(v);
        }
        TensorProto.Builder b = TensorProto.newBuilder()
                .setName(t.name())
                .setDataType(TensorProto.DataType.FLOAT_VALUE);
        for (long d : t.shape()) {
            b.addDims(d);
        }
        // The array is private to this method and never modified after wrapping.
        ByteString raw = UnsafeByteOperations.unsafeWrap(buf.array());
        return b.setRawData(raw).build();
    }

    private static NodeProto node(String opType, String name, String doc, String[] inputs, String output,
            AttributeProto... attributes) {
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(opType).setName(name).setDomain("");
        for (String in : inputs) {
            n.addInput(in);
        }
        n.addOutput(output);
        for (AttributeProto a : attributes) {
            n.addAttribute(a);
        }
        if (doc != null) {
            n.setDocString(doc);
        }
        return n.build();
    }

    private static AttributeProto ints(String name, long... values) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long v : values) {
            a.addInts(v);
        }
        return a.build();
    }

    private static AttributeProto integer(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    private static AttributeProto real(String name, float value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(value)
                .build();
    }
}
