package dev.glyph.exporter.internal;

import com.google.protobuf.InvalidProtocolBufferException;
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
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads an ONNX file back through the generated {@link ModelProto} and summarises it as an
 * {@link OnnxModelInfo}, without any native runtime. {@link #contractProblems} then compares the summary
 * with what {@link OnnxWriter} promises (IR 8, opset 17, input {@code image [batch,1,28,28]},
 * outputs {@code log_probs}/{@code probs [batch,10]}, MnistNet initializers).
 *
 * <pre>{@code
 * OnnxModelInfo info = OnnxInspector.inspect(path);      // IOException naming the file if corrupt
 * List<String> problems = OnnxInspector.contractProblems(info);
 * }</pre>
 *
 * <p>Parsing is structural only: a flipped byte inside a weight's {@code raw_data} still parses (and
 * still loads in ONNX Runtime), so only a checksum such as manifest.json's SHA-256 detects it.
 *
 * <p>Thread-safety: stateless; safe to call concurrently.
 */
public final class OnnxInspector {

    private OnnxInspector() {
    }

    /**
     * Reads and summarises the model at {@code path}.
     *
     * @throws IOException if the file cannot be read, is not a valid protobuf message (the message names the
     *     file and wraps the {@link InvalidProtocolBufferException}), or parses but has no ir_version or graph
     */
    public static OnnxModelInfo inspect(Path path) throws IOException {
        byte[] bytes = Files.readAllBytes(path);
        return inspect(bytes, path.toString());
    }

    /** As {@link #inspect(Path)}, for bytes already in memory; {@code source} names them in messages. */
    public static OnnxModelInfo inspect(byte[] bytes, String source) throws IOException {
        return summarise(parse(bytes, source), source, bytes.length);
    }

    /** Reads the model at {@code path} as a message; errors as for {@link #inspect(Path)}. */
    public static ModelProto read(Path path) throws IOException {
        return parse(Files.readAllBytes(path), path.toString());
    }

    /**
     * Parses {@code bytes} as a {@link ModelProto}.
     *
     * @throws IOException if the bytes are not a protobuf message or lack ir_version or graph
     */
    public static ModelProto parse(byte[] bytes, String source) throws IOException {
        ModelProto model;
        try {
            model = ModelProto.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new IOException(source + ": not a valid ONNX file (" + bytes.length
                    + " bytes): protobuf parse failed: " + e.getMessage(), e);
        }
        // An empty or unrelated buffer can parse as a protobuf message with no known fields.
        if (!model.hasIrVersion() || !model.hasGraph()) {
            List<String> missing = new ArrayList<>();
            if (!model.hasIrVersion()) {
                missing.add("no ir_version field");
            }
            if (!model.hasGraph()) {
                missing.add("no graph field");
            }
            throw new IOException(source + ": not an ONNX model (" + bytes.length + " bytes): "
                    + String.join(", ", missing));
        }
        return model;
    }

    /** Summarises an already parsed model. */
    public static OnnxModelInfo summarise(ModelProto model, String source, long sizeBytes) {
        Map<String, Long> opsets = new LinkedHashMap<>();
        for (OperatorSetIdProto o : model.getOpsetImportList()) {
            opsets.put(o.getDomain(), o.getVersion());
        }
        GraphProto g = model.getGraph();
        List<OnnxModelInfo.Value> inputs = new ArrayList<>();
        for (ValueInfoProto v : g.getInputList()) {
            inputs.add(value(v));
        }
        List<OnnxModelInfo.Value> outputs = new ArrayList<>();
        for (ValueInfoProto v : g.getOutputList()) {
            outputs.add(value(v));
        }
        List<OnnxModelInfo.Initializer> inits = new ArrayList<>();
        for (TensorProto t : g.getInitializerList()) {
            inits.add(new OnnxModelInfo.Initializer(t.getName(), typeName(t.getDataType()), t.getDimsList(),
                    dataBytes(t)));
        }
        List<String> ops = new ArrayList<>();
        for (NodeProto n : g.getNodeList()) {
            ops.add(n.getDomain().isEmpty() ? n.getOpType() : n.getDomain() + "::" + n.getOpType());
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        for (StringStringEntryProto e : model.getMetadataPropsList()) {
            metadata.put(e.getKey(), e.getValue());
        }
        return new OnnxModelInfo(source, sizeBytes, model.getIrVersion(), opsets, model.getProducerName(),
                model.getProducerVersion(), g.getName(), inputs, outputs, inits, ops, metadata);
    }

    /**
     * Compares {@code info} with the model contract of {@link OnnxWriter}. Returns one readable sentence
     * per difference (what was found, what was expected); an empty list means the file matches.
     */
    public static List<String> contractProblems(OnnxModelInfo info) {
        return initializerProblems(info, interfaceProblems(info));
    }

    /**
     * Compares the interface of {@code info} with the model contract: IR 8, opset 17, input {@code image} float32
     * {@code [batch,1,28,28]}, outputs {@code log_probs} and {@code probs} float32 {@code [batch,10]}, but not the
     * initializers, which an optimised (int8, fp16) graph has in other types and names. Returns one sentence per
     * difference; empty when it matches.
     */
    public static List<String> interfaceProblems(OnnxModelInfo info) {
        List<String> p = new ArrayList<>();
        if (info.irVersion() != OnnxWriter.IR_VERSION) {
            p.add("ir_version is " + info.irVersion() + ", expected " + OnnxWriter.IR_VERSION);
        }
        if (info.defaultOpset() != OnnxWriter.OPSET_VERSION) {
            p.add("default-domain opset is " + (info.defaultOpset() < 0 ? "not imported" : info.defaultOpset())
                    + ", expected " + OnnxWriter.OPSET_VERSION);
        }
        checkValues("input", info.inputs(), List.of(OnnxWriter.INPUT),
                new long[] {-1, 1, MnistNet.IMAGE_SIZE, MnistNet.IMAGE_SIZE}, p);
        checkValues("output", info.outputs(), List.of(OnnxWriter.OUTPUT_LOG_PROBS, OnnxWriter.OUTPUT_PROBS),
                new long[] {-1, MnistNet.CLASSES}, p);
        return p;
    }

    private static List<String> initializerProblems(OnnxModelInfo info, List<String> p) {
        Map<String, OnnxModelInfo.Initializer> byName = new LinkedHashMap<>();
        info.initializers().forEach(i -> byName.put(i.name(), i));
        for (MnistNet.ParameterSpec spec : MnistNet.PARAMETERS) {
            OnnxModelInfo.Initializer i = byName.remove(spec.name());
            List<Long> dims = java.util.Arrays.stream(spec.shape()).boxed().toList();
            if (i == null) {
                p.add("initializer " + spec.name() + " is missing");
            } else if (!i.elemType().equals("float32") || !i.dims().equals(dims)) {
                p.add("initializer " + spec.name() + " is " + i.elemType() + " " + i.dims() + ", expected float32 "
                        + dims);
            } else if (i.dataBytes() != spec.numel() * Float.BYTES) {
                p.add("initializer " + spec.name() + " holds " + i.dataBytes() + " bytes of data, expected "
                        + spec.numel() * Float.BYTES);
            }
        }
        if (!byName.isEmpty()) {
            p.add("unexpected initializers " + byName.keySet());
        }
        return p;
    }

    private static void checkValues(String kind, List<OnnxModelInfo.Value> found, List<String> names, long[] dims,
            List<String> p) {
        List<String> foundNames = found.stream().map(OnnxModelInfo.Value::name).toList();
        if (!foundNames.equals(names)) {
            p.add("graph " + kind + "s are " + foundNames + ", expected " + names);
        }
        for (OnnxModelInfo.Value v : found) {
            if (!names.contains(v.name())) {
                continue;
            }
            boolean ok = v.elemType().equals("float32") && v.ranked() && v.shape().size() == dims.length
                    && !v.shape().get(0).fixed();
            for (int i = 1; ok && i < dims.length; i++) {
                ok = v.shape().get(i).fixed() && v.shape().get(i).value() == dims[i];
            }
            if (!ok) {
                StringBuilder want = new StringBuilder("float32 [").append(OnnxWriter.BATCH_DIM);
                for (int i = 1; i < dims.length; i++) {
                    want.append(',').append(dims[i]);
                }
                p.add(kind + " " + v.name() + " is " + v.elemType() + " " + v.shapeText() + ", expected "
                        + want.append(']'));
            }
        }
    }

    private static OnnxModelInfo.Value value(ValueInfoProto v) {
        TypeProto type = v.getType();
        if (!type.hasTensorType()) {
            return new OnnxModelInfo.Value(v.getName(), "non-tensor", false, List.of());
        }
        TypeProto.Tensor t = type.getTensorType();
        List<OnnxModelInfo.Dim> dims = new ArrayList<>();
        for (TensorShapeProto.Dimension d : t.getShape().getDimList()) {
            if (d.hasDimValue()) {
                dims.add(new OnnxModelInfo.Dim(d.getDimValue(), null));
            } else if (d.hasDimParam()) {
                dims.add(new OnnxModelInfo.Dim(-1, d.getDimParam()));
            } else {
                dims.add(new OnnxModelInfo.Dim(-1, "?"));
            }
        }
        return new OnnxModelInfo.Value(v.getName(), typeName(t.getElemType()), t.hasShape(), dims);
    }

    private static long dataBytes(TensorProto t) {
        if (t.hasRawData()) {
            return t.getRawData().size();
        }
        return switch (TensorProto.DataType.forNumber(t.getDataType()) == null ? TensorProto.DataType.UNDEFINED
                : TensorProto.DataType.forNumber(t.getDataType())) {
            case FLOAT -> 4L * t.getFloatDataCount();
            case DOUBLE -> 8L * t.getDoubleDataCount();
            case INT64 -> 8L * t.getInt64DataCount();
            case UINT32 -> 4L * t.getUint64DataCount();
            case UINT64 -> 8L * t.getUint64DataCount();
            case INT32 -> 4L * t.getInt32DataCount();
            case INT16, UINT16, FLOAT16, BFLOAT16 -> 2L * t.getInt32DataCount();
            case INT8, UINT8, BOOL -> t.getInt32DataCount();
            default -> 0L;
        };
    }

    /** Returns a NumPy-style name for an ONNX {@code TensorProto.DataType} number. */
    public static String typeName(int dataType) {
        TensorProto.DataType t = TensorProto.DataType.forNumber(dataType);
        if (t == null) {
            return "type#" + dataType;
        }
        return switch (t) {
            case FLOAT -> "float32";
            case DOUBLE -> "float64";
            case FLOAT16 -> "float16";
            case BFLOAT16 -> "bfloat16";
            case COMPLEX64 -> "complex64";
            case COMPLEX128 -> "complex128";
            default -> t.name().toLowerCase(java.util.Locale.ROOT);
        };
    }
}
