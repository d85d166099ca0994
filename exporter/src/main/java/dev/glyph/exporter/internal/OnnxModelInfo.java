package dev.glyph.exporter.internal;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What {@link OnnxInspector} found in an ONNX file: header fields, graph inputs and outputs with their
 * shapes (symbolic axes keep their {@code dim_param} name), initializers, node op types and metadata.
 *
 * <pre>{@code
 * OnnxModelInfo info = OnnxInspector.inspect(Path.of("models/mnist/1/model.onnx"));
 * info.input("image").shapeText();   // "[batch,1,28,28]"
 * }</pre>
 *
 * <p>Thread-safety: immutable; safe to share.
 *
 * @param source the file (or other source) the model was read from
 * @param sizeBytes the serialized size in bytes
 * @param irVersion {@code ModelProto.ir_version}
 * @param opsets operator set versions by domain ({@code ""} is the default ai.onnx domain), in file order
 * @param producerName {@code producer_name} ("" if unset)
 * @param producerVersion {@code producer_version} ("" if unset)
 * @param graphName {@code graph.name}
 * @param inputs graph inputs in order
 * @param outputs graph outputs in order
 * @param initializers graph initializers in order
 * @param opTypes the op type of every node in graph order ({@code domain::op} for non-default domains)
 * @param metadata {@code metadata_props} in file order (a repeated key keeps its last value)
 */
public record OnnxModelInfo(String source, long sizeBytes, long irVersion, Map<String, Long> opsets,
        String producerName, String producerVersion, String graphName, List<Value> inputs, List<Value> outputs,
        List<Initializer> initializers, List<String> opTypes, Map<String, String> metadata) {

    /** Copies the collections. */
    public OnnxModelInfo {
        opsets = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(opsets));
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        initializers = List.copyOf(initializers);
        opTypes = List.copyOf(opTypes);
        metadata = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(metadata));
    }

    /**
     * One axis of a shape.
     *
     * @param value the fixed size, or -1 when the axis is symbolic or unknown
     * @param param the symbolic name ({@code dim_param}), or null for a fixed axis; "?" when neither is set
     */
    public record Dim(long value, String param) {
        /** Returns true if the axis has a fixed size. */
        public boolean fixed() {
            return param == null;
        }

        @Override
        public String toString() {
            return fixed() ? Long.toString(value) : param;
        }
    }

    /**
     * A graph input or output.
     *
     * @param name value name
     * @param elemType element type as a NumPy-style name ({@code float32}, {@code int64}, ...), or
     *     {@code "non-tensor"} when the value is not a dense tensor
     * @param ranked true if the type carries a shape
     * @param shape the axes (empty if unranked or scalar)
     */
    public record Value(String name, String elemType, boolean ranked, List<Dim> shape) {
        /** Copies the shape. */
        public Value {
            shape = List.copyOf(shape);
        }

        /** Returns the shape as {@code [batch,1,28,28]}, or {@code ?} if unranked. */
        public String shapeText() {
            return ranked ? shape.stream().map(Dim::toString).collect(Collectors.joining(",", "[", "]")) : "?";
        }

        /** Returns the shape with -1 for every symbolic or unknown axis, as manifest.json writes it. */
        public long[] dims() {
            return shape.stream().mapToLong(Dim::value).toArray();
        }

        @Override
        public String toString() {
            return name + " " + elemType + " " + shapeText();
        }
    }

    /**
     * A graph initializer (constant tensor).
     *
     * @param name tensor name
     * @param elemType element type name, as for {@link Value#elemType()}
     * @param dims dimensions
     * @param dataBytes bytes of data stored: the {@code raw_data} length, or the element count of the typed
     *     data field times the element size (0 for external or missing data)
     */
    public record Initializer(String name, String elemType, List<Long> dims, long dataBytes) {
        /** Copies the dims. */
        public Initializer {
            dims = List.copyOf(dims);
        }
    }

    /** Returns the input called {@code name}, or null. */
    public Value input(String name) {
        return inputs.stream().filter(v -> v.name().equals(name)).findFirst().orElse(null);
    }

    /** Returns the output called {@code name}, or null. */
    public Value output(String name) {
        return outputs.stream().filter(v -> v.name().equals(name)).findFirst().orElse(null);
    }

    /** Returns the default-domain ({@code ""} or {@code ai.onnx}) opset version, or -1 if none is imported. */
    public long defaultOpset() {
        Long v = opsets.get("");
        if (v == null) {
            v = opsets.get("ai.onnx");
        }
        return v == null ? -1 : v;
    }

    /** Returns a short multi-line, human-readable description (no weights, no long metadata values). */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append(source).append(" (").append(sizeBytes).append(" bytes)\n");
        sb.append("  ir_version ").append(irVersion).append(", opsets ").append(opsets).append('\n');
        sb.append("  producer ").append(producerName).append(' ').append(producerVersion).append('\n');
        sb.append("  graph ").append(graphName).append(": ").append(opTypes.size()).append(" nodes, ")
                .append(initializers.size()).append(" initializers\n");
        inputs.forEach(v -> sb.append("  input  ").append(v).append('\n'));
        outputs.forEach(v -> sb.append("  output ").append(v).append('\n'));
        metadata.forEach((k, v) -> sb.append("  metadata ").append(k).append(" = ")
                .append(v.length() > 80 ? v.substring(0, 77) + "..." : v).append('\n'));
        return sb.toString();
    }
}
