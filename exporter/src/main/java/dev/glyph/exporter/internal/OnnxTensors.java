package dev.glyph.exporter.internal;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.glyph.onnxschema.AttributeProto;
import dev.glyph.onnxschema.NodeProto;
import dev.glyph.onnxschema.TensorProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * Small builders and readers for ONNX tensors and nodes used by the graph rewriters ({@link QdqBuilder},
 * {@link Fp16Builder}, {@link Calibrator}): initializers of float32, float16, int8, uint8 and int32 with
 * little-endian {@code raw_data}, float32 initializers read back from either {@code raw_data} or
 * {@code float_data}, and nodes with attributes.
 *
 * <pre>{@code
 * TensorProto s = OnnxTensors.floats("conv1.weight_scale", new long[] {32}, scales);
 * float[] w = OnnxTensors.readFloats(initializer);
 * }</pre>
 *
 * <p>Thread-safety: stateless.
 */
public final class OnnxTensors {

    private OnnxTensors() {
    }

    /** A float32 initializer; {@code dims} empty means a scalar. */
    public static TensorProto floats(String name, long[] dims, float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return tensor(name, TensorProto.DataType.FLOAT, dims, b.array());
    }

    /** A float16 initializer holding the IEEE half bits {@code bits}. */
    public static TensorProto halves(String name, long[] dims, short[] bits) {
        ByteBuffer b = ByteBuffer.allocate(bits.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (short v : bits) {
            b.putShort(v);
        }
        return tensor(name, TensorProto.DataType.FLOAT16, dims, b.array());
    }

    /** An int8 initializer. */
    public static TensorProto int8s(String name, long[] dims, byte[] values) {
        return tensor(name, TensorProto.DataType.INT8, dims, values.clone());
    }

    /** A uint8 initializer; each value must be 0..255. */
    public static TensorProto uint8s(String name, long[] dims, int[] values) {
        byte[] raw = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            if (values[i] < 0 || values[i] > 255) {
                throw new IllegalArgumentException(name + "[" + i + "] is " + values[i] + "; expected 0..255");
            }
            raw[i] = (byte) values[i];
        }
        return tensor(name, TensorProto.DataType.UINT8, dims, raw);
    }

    /** An int32 initializer. */
    public static TensorProto int32s(String name, long[] dims, int[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : values) {
            b.putInt(v);
        }
        return tensor(name, TensorProto.DataType.INT32, dims, b.array());
    }

    private static TensorProto tensor(String name, TensorProto.DataType type, long[] dims, byte[] raw) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(type.getNumber());
        for (long d : dims) {
            t.addDims(d);
        }
        // raw is private to the caller's freshly built buffer and never modified afterwards.
        ByteString bytes = UnsafeByteOperations.unsafeWrap(raw);
        return t.setRawData(bytes).build();
    }

    /** Returns the number of elements {@code dims} describe (1 for a scalar). */
    public static long numel(java.util.List<Long> dims) {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        return n;
    }

    /**
     * Reads a float32 initializer, from {@code raw_data} (little-endian) or {@code float_data}.
     *
     * @throws IllegalArgumentException if it is not float32, is stored externally, or its data does not match its
     *     dims
     */
    public static float[] readFloats(TensorProto t) {
        if (t.getDataType() != TensorProto.DataType.FLOAT_VALUE) {
            throw new IllegalArgumentException("initializer " + t.getName() + " is "
                    + OnnxInspector.typeName(t.getDataType()) + "; expected float32");
        }
        if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
            throw new IllegalArgumentException("initializer " + t.getName() + " is stored in an external file; "
                    + "expected its data inside model.onnx");
        }
        long n = numel(t.getDimsList());
        float[] out;
        if (t.hasRawData()) {
            FloatBuffer fb = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
            out = new float[fb.remaining()];
            fb.get(out);
        } else {
            out = new float[t.getFloatDataCount()];
            for (int i = 0; i < out.length; i++) {
                out[i] = t.getFloatData(i);
            }
        }
        if (out.length != n) {
            throw new IllegalArgumentException("initializer " + t.getName() + " holds " + out.length
                    + " floats; its dims " + t.getDimsList() + " say " + n);
        }
        return out;
    }

    /** A node in the default domain with one output. */
    public static NodeProto node(String opType, String name, java.util.List<String> inputs, String output,
            AttributeProto... attributes) {
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(opType).setName(name).setDomain("");
        n.addAllInput(inputs);
        n.addOutput(output);
        for (AttributeProto a : attributes) {
            n.addAttribute(a);
        }
        return n.build();
    }

    /** An INT attribute. */
    public static AttributeProto intAttribute(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    /** Returns the INT attribute {@code name} of {@code node}, or {@code fallback} when it has none. */
    public static long intAttribute(NodeProto node, String name, long fallback) {
        for (AttributeProto a : node.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a.getI();
            }
        }
        return fallback;
    }
}
