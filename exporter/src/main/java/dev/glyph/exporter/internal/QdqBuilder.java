package dev.glyph.exporter.internal;

import dev.glyph.onnxschema.AttributeProto;
import dev.glyph.onnxschema.GraphProto;
import dev.glyph.onnxschema.ModelProto;
import dev.glyph.onnxschema.NodeProto;
import dev.glyph.onnxschema.StringStringEntryProto;
import dev.glyph.onnxschema.TensorProto;
import dev.glyph.onnxschema.ValueInfoProto;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Rewrites an fp32 MnistNet graph (as {@link OnnxWriter} writes it) into a QDQ graph that ONNX Runtime fuses into
 * integer kernels (QLinearConv, QGemm, uint8 MaxPool):
 * <pre>
 * image → Q → DQ ─┐
 * conv1.weight int8 → DQ ─┼→ Conv → Relu → Q → DQ ─┐
 * conv1.bias int32 → DQ ──┘                       ...
 *   relu2_out → Q → DQ → MaxPool → Q → DQ → Flatten → Q → DQ → Gemm(fc1) → Relu → Q → DQ → Gemm(fc2)
 *   → fc2_out (float) → LogSoftmax → log_probs → Exp → probs
 * </pre>
 * <ul>
 * <li>Every Conv and Gemm gets DequantizeLinear on its activation input, on its weight (an int8 initializer,
 *     symmetric, zero point 0; per output channel on axis 0 with {@code perChannel}, else one scale) and on its
 *     bias (int32, scale = activation scale × weight scale, zero point 0), which is ONNX Runtime's QDQ form.</li>
 * <li>An activation input is quantised where it is made: after the graph input, or after the Relu (or other
 *     op) that produces it, with the calibrated parameters of that tensor ({@link #calibrationTensors}). Tensors
 *     that MaxPool, Flatten or Reshape pass through get a Q/DQ pair with the parameters of their input, so
 *     ONNX Runtime drops the pair and runs those ops on uint8.</li>
 * <li>A Relu between a Conv/Gemm and the Q of its output stays in the graph; with a zero point at the bottom of
 *     the range the Q already clamps, and ONNX Runtime removes the Relu when it fuses.</li>
 * <li>The output of the last Gemm is not quantised: LogSoftmax and Exp stay float32.</li>
 * </ul>
 * Names: {@code <t>_quantized}/{@code <t>_dequantized} for activations, {@code <w>_quantized}, {@code <w>_scale},
 * {@code <w>_zero_point} for initializers, {@code <t>_QuantizeLinear}/{@code <t>_DequantizeLinear} for nodes.
 * Output is deterministic: nodes in graph order, initializers in the order they are first used, metadata sorted.
 *
 * <pre>{@code
 * List<String> tensors = QdqBuilder.calibrationTensors(fp32);      // ["image", "relu1_out", ...]
 * ModelProto int8 = QdqBuilder.build(fp32, params, true, false, Map.of("precision", "int8"));
 * }</pre>
 *
 * <p>Thread-safety: stateless.
 */
public final class QdqBuilder {

    /** Ops that consume a quantised activation as input 0 and have weights and bias. */
    static final Set<String> QUANTISED = Set.of("Conv", "Gemm");
    /** Ops ONNX Runtime runs on uint8 when Q/DQ with equal parameters surround them. */
    static final Set<String> PASS_THROUGH = Set.of("MaxPool", "Flatten", "Reshape");
    /** Every op this rewriter knows; another op is refused. */
    public static final Set<String> KNOWN_OPS = Set.of("Conv", "Gemm", "Relu", "MaxPool", "Flatten", "Reshape",
            "LogSoftmax", "Softmax", "Exp", "Dropout", "Identity");

    private QdqBuilder() {
    }

    /**
     * Returns the tensors whose calibrated ranges the QDQ graph needs, in graph order: the activation inputs of
     * every Conv and Gemm, traced back through MaxPool/Flatten/Reshape to the tensor that an op other than those
     * (or the graph input) produces.
     *
     * @throws IllegalArgumentException if the graph holds an op this rewriter does not know, or a Conv/Gemm whose
     *     weight is not a float32 initializer
     */
    public static List<String> calibrationTensors(ModelProto model) {
        Analysis a = analyse(model.getGraph());
        return List.copyOf(new LinkedHashSet<>(a.roots.values()));
    }

    /**
     * Builds the QDQ model.
     *
     * @param fp32 the float32 model
     * @param activations calibrated uint8 parameters per tensor of {@link #calibrationTensors}
     * @param perChannel one weight scale per output channel (else one per tensor)
     * @param reduceRange quantise weights to 7 bits (-63..63), which avoids the int16 saturation of AVX2's
     *     u8×s8 multiply-add on CPUs without VNNI
     * @param metadata entries to add to (or replace in) the model's metadata_props
     * @throws IllegalArgumentException if the graph holds an op this rewriter does not know, or a needed tensor
     *     has no parameters
     */
    public static ModelProto build(ModelProto fp32, Map<String, QuantParams> activations, boolean perChannel,
            boolean reduceRange, Map<String, String> metadata) {
        GraphProto g = fp32.getGraph();
        Analysis a = analyse(g);
        for (String root : a.roots.values()) {
            QuantParams p = activations.get(root);
            if (p == null) {
                throw new IllegalArgumentException("no quantisation parameters for tensor " + root
                        + "; expected parameters for " + calibrationTensors(fp32));
            }
            if (p.qmin() != 0 || p.qmax() != 255) {
                throw new IllegalArgumentException("tensor " + root + " has levels " + p.qmin() + ".." + p.qmax()
                        + "; expected uint8 activations (0..255)");
            }
        }
        Map<String, TensorProto> inits = new LinkedHashMap<>();
        for (TensorProto t : g.getInitializerList()) {
            inits.put(t.getName(), t);
        }
        Map<String, TensorProto> used = new LinkedHashMap<>();
        List<NodeProto> nodes = new ArrayList<>();
        Set<String> paramsWritten = new LinkedHashSet<>();

        for (ValueInfoProto in : g.getInputList()) {
            if (a.quantised.contains(in.getName())) {
                addQdq(in.getName(), a, activations, nodes, used, paramsWritten);
            }
        }
        for (NodeProto n : g.getNodeList()) {
            NodeProto.Builder b = n.toBuilder().clearInput();
            for (int i = 0; i < n.getInputCount(); i++) {
                String in = n.getInput(i);
                boolean actInput = i == 0 && (QUANTISED.contains(n.getOpType()) || PASS_THROUGH.contains(n.getOpType()));
                if (actInput && a.quantised.contains(in)) {
                    b.addInput(in + "_dequantized");
                } else if (QUANTISED.contains(n.getOpType()) && (i == 1 || i == 2) && inits.containsKey(in)) {
                    b.addInput(in + "_dequantized");
                } else {
                    b.addInput(in);
                    if (inits.containsKey(in)) {
                        used.putIfAbsent(in, inits.get(in));
                    }
                }
            }
            if (QUANTISED.contains(n.getOpType())) {
                QuantParams x = activations.get(a.roots.get(n.getInput(0)));
                int axis = n.getOpType().equals("Gemm") && OnnxTensors.intAttribute(n, "transB", 0) == 0 ? 1 : 0;
                float[] wScales = quantiseWeight(inits.get(n.getInput(1)), axis, perChannel, reduceRange, nodes, used);
                if (n.getInputCount() > 2 && !n.getInput(2).isEmpty()) {
                    quantiseBias(inits.get(n.getInput(2)), x.scale(), wScales, perChannel, nodes, used);
                }
            }
            nodes.add(b.build());
            for (String out : n.getOutputList()) {
                if (a.quantised.contains(out)) {
                    addQdq(out, a, activations, nodes, used, paramsWritten);
                }
            }
        }

        GraphProto.Builder ng = g.toBuilder().clearNode().clearInitializer().clearValueInfo()
                .setDocString(g.getDocString() + " (int8 QDQ: per-" + (perChannel ? "channel" : "tensor")
                        + " symmetric int8 weights, uint8 activations, int32 bias; LogSoftmax and Exp in float32)");
        ng.addAllNode(nodes);
        ng.addAllInitializer(used.values());
        return withMetadata(fp32.toBuilder().setGraph(ng), metadata).build();
    }

    /** Replaces or adds metadata entries, sorted by key as {@link OnnxWriter} writes them. */
    static ModelProto.Builder withMetadata(ModelProto.Builder m, Map<String, String> metadata) {
        TreeMap<String, String> all = new TreeMap<>();
        for (StringStringEntryProto e : m.getMetadataPropsList()) {
            all.put(e.getKey(), e.getValue());
        }
        all.putAll(metadata);
        m.clearMetadataProps();
        all.forEach((k, v) -> m.addMetadataProps(StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
        return m;
    }

    private static void addQdq(String t, Analysis a, Map<String, QuantParams> activations, List<NodeProto> nodes,
            Map<String, TensorProto> used, Set<String> written) {
        String root = a.roots.get(t);
        QuantParams p = activations.get(root);
        String scale = root + "_scale";
        String zp = root + "_zero_point";
        if (written.add(root)) {
            used.put(scale, OnnxTensors.floats(scale, new long[0], new float[] {p.scale()}));
            used.put(zp, OnnxTensors.uint8s(zp, new long[0], new int[] {p.zeroPoint()}));
        }
        nodes.add(OnnxTensors.node("QuantizeLinear", t + "_QuantizeLinear", List.of(t, scale, zp), t + "_quantized"));
        nodes.add(OnnxTensors.node("DequantizeLinear", t + "_DequantizeLinear", List.of(t + "_quantized", scale, zp),
                t + "_dequantized"));
    }

    /** Adds the int8 weight, its scales and zero points and its DQ node; returns the scale per channel. */
    private static float[] quantiseWeight(TensorProto w, int axis, boolean perChannel, boolean reduceRange,
            List<NodeProto> nodes, Map<String, TensorProto> used) {
        float[] v = OnnxTensors.readFloats(w);
        long[] dims = w.getDimsList().stream().mapToLong(Long::longValue).toArray();
        int channels = (int) dims[axis];
        long stride = 1;
        for (int d = axis + 1; d < dims.length; d++) {
            stride *= dims[d];
        }
        double[] maxAbs = new double[perChannel ? channels : 1];
        for (int i = 0; i < v.length; i++) {
            int c = perChannel ? (int) ((i / stride) % channels) : 0;
            maxAbs[c] = Math.max(maxAbs[c], Math.abs(v[i]));
        }
        QuantParams[] params = new QuantParams[maxAbs.length];
        float[] scales = new float[maxAbs.length];
        for (int c = 0; c < maxAbs.length; c++) {
            params[c] = QuantParams.int8Symmetric(maxAbs[c], reduceRange);
            scales[c] = params[c].scale();
        }
        byte[] q = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            int c = perChannel ? (int) ((i / stride) % channels) : 0;
            q[i] = (byte) params[c].quantize(v[i]);
        }
        String name = w.getName();
        long[] scaleDims = perChannel ? new long[] {channels} : new long[0];
        used.put(name + "_quantized", OnnxTensors.int8s(name + "_quantized", dims, q));
        used.put(name + "_scale", OnnxTensors.floats(name + "_scale", scaleDims, scales));
        used.put(name + "_zero_point", OnnxTensors.int8s(name + "_zero_point", scaleDims, new byte[scales.length]));
        List<AttributeProto> attrs = perChannel ? List.of(OnnxTensors.intAttribute("axis", axis)) : List.of();
        nodes.add(OnnxTensors.node("DequantizeLinear", name + "_DequantizeLinear",
                List.of(name + "_quantized", name + "_scale", name + "_zero_point"), name + "_dequantized",
                attrs.toArray(new AttributeProto[0])));
        return scales;
    }

    /** Adds the int32 bias (scale = activation scale x weight scale, zero point 0) and its DQ node. */
    private static void quantiseBias(TensorProto bias, float xScale, float[] wScales, boolean perChannel,
            List<NodeProto> nodes, Map<String, TensorProto> used) {
        float[] v = OnnxTensors.readFloats(bias);
        float[] scales = new float[wScales.length];
        for (int c = 0; c < scales.length; c++) {
            scales[c] = xScale * wScales[c];
        }
        int[] q = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            float s = scales[perChannel ? i : 0];
            double r = Math.rint(v[i] / s);
            q[i] = (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, r));
        }
        String name = bias.getName();
        long[] dims = bias.getDimsList().stream().mapToLong(Long::longValue).toArray();
        long[] scaleDims = perChannel ? new long[] {scales.length} : new long[0];
        used.put(name + "_quantized", OnnxTensors.int32s(name + "_quantized", dims, q));
        used.put(name + "_scale", OnnxTensors.floats(name + "_scale", scaleDims, scales));
        used.put(name + "_zero_point", OnnxTensors.int32s(name + "_zero_point", scaleDims, new int[scales.length]));
        List<AttributeProto> attrs = perChannel ? List.of(OnnxTensors.intAttribute("axis", 0)) : List.of();
        nodes.add(OnnxTensors.node("DequantizeLinear", name + "_DequantizeLinear",
                List.of(name + "_quantized", name + "_scale", name + "_zero_point"), name + "_dequantized",
                attrs.toArray(new AttributeProto[0])));
    }

    /**
     * What the rewrite needs to know: the quantised tensors (activation inputs of Conv/Gemm and everything
     * MaxPool/Flatten/Reshape pass to them), and for each the tensor whose calibrated range it uses.
     */
    private record Analysis(Set<String> quantised, Map<String, String> roots) {
    }

    private static Analysis analyse(GraphProto g) {
        Map<String, NodeProto> producer = new HashMap<>();
        Set<String> initNames = new java.util.HashSet<>();
        for (TensorProto t : g.getInitializerList()) {
            initNames.add(t.getName());
        }
        Map<String, TensorProto> inits = new HashMap<>();
        for (TensorProto t : g.getInitializerList()) {
            inits.put(t.getName(), t);
        }
        for (NodeProto n : g.getNodeList()) {
            if (!n.getDomain().isEmpty() || !KNOWN_OPS.contains(n.getOpType())) {
                throw new IllegalArgumentException("the graph holds op " + (n.getDomain().isEmpty() ? ""
                        : n.getDomain() + "::") + n.getOpType() + " (node " + n.getName() + "); expected only "
                        + new java.util.TreeSet<>(KNOWN_OPS) + ", the ops of MnistNet as glyph export writes it");
            }
            for (String o : n.getOutputList()) {
                producer.put(o, n);
            }
        }
        Set<String> quantised = new LinkedHashSet<>();
        Map<String, String> roots = new LinkedHashMap<>();
        for (NodeProto n : g.getNodeList()) {
            if (!QUANTISED.contains(n.getOpType())) {
                continue;
            }
            if (n.getInputCount() < 2 || !inits.containsKey(n.getInput(1))
                    || inits.get(n.getInput(1)).getDataType() != TensorProto.DataType.FLOAT_VALUE) {
                throw new IllegalArgumentException(n.getOpType() + " node " + n.getName() + " has weight input "
                        + (n.getInputCount() < 2 ? "(none)" : n.getInput(1)) + "; expected a float32 initializer");
            }
            if (n.getInputCount() > 2 && !n.getInput(2).isEmpty() && (!inits.containsKey(n.getInput(2))
                    || inits.get(n.getInput(2)).getDataType() != TensorProto.DataType.FLOAT_VALUE)) {
                throw new IllegalArgumentException(n.getOpType() + " node " + n.getName() + " has bias input "
                        + n.getInput(2) + "; expected a float32 initializer");
            }
            if (n.getOpType().equals("Gemm") && (OnnxTensors.intAttribute(n, "transA", 0) != 0)) {
                throw new IllegalArgumentException("Gemm node " + n.getName() + " has transA=1; expected 0");
            }
            String t = n.getInput(0);
            List<String> chain = new ArrayList<>();
            while (true) {
                chain.add(t);
                NodeProto p = producer.get(t);
                if (p == null || !PASS_THROUGH.contains(p.getOpType())) {
                    break;
                }
                t = p.getInput(0);
            }
            for (String c : chain) {
                quantised.add(c);
                roots.put(c, t);
            }
        }
        if (roots.isEmpty()) {
            throw new IllegalArgumentException("the graph has no Conv or Gemm to quantise");
        }
        // Keep graph order: roots in the order their tensors appear.
        Map<String, String> ordered = new LinkedHashMap<>();
        List<String> order = new ArrayList<>();
        g.getInputList().forEach(v -> order.add(v.getName()));
        g.getNodeList().forEach(n -> order.addAll(n.getOutputList()));
        for (String t : order) {
            if (roots.containsKey(t)) {
                ordered.put(t, roots.get(t));
            }
        }
        Set<String> orderedQuantised = new LinkedHashSet<>(ordered.keySet());
        return new Analysis(orderedQuantised, ordered);
    }
}
