package dev.glyph.exporter.internal;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.glyph.exporter.CalibrationMethod;
import dev.glyph.onnxschema.ModelProto;
import dev.glyph.onnxschema.TensorProto;
import dev.glyph.onnxschema.TypeProto;
import dev.glyph.onnxschema.ValueInfoProto;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Runs the fp32 model on ONNX Runtime (CPU) over the calibration images and collects a {@link Histogram} of each
 * requested intermediate tensor. The tensors are read by adding them as extra outputs to a copy of the graph
 * (the calibration copy, never written to disk). Two passes over the images: the first finds each tensor's range,
 * the second fills its histogram (only when the method needs one). Images go in fixed batches in index order,
 * and all statistics are order-independent (minimum, maximum, counts), so the same images give the same result.
 *
 * <pre>{@code
 * Map<String, Histogram> h = Calibrator.collect(fp32, List.of("relu1_out"), pixels, n, 100, CalibrationMethod.ENTROPY);
 * }</pre>
 *
 * <p>Thread-safety: stateless; each call opens and closes its own session.
 */
public final class Calibrator {

    private Calibrator() {
    }

    /** Returns {@code model} with each of {@code tensors} added as a float32 graph output (if not one already). */
    public static ModelProto withOutputs(ModelProto model, List<String> tensors) {
        Set<String> outs = new LinkedHashSet<>();
        model.getGraph().getOutputList().forEach(o -> outs.add(o.getName()));
        ModelProto.Builder b = model.toBuilder();
        for (String t : tensors) {
            if (outs.add(t)) {
                b.getGraphBuilder().addOutput(ValueInfoProto.newBuilder().setName(t).setType(TypeProto.newBuilder()
                        .setTensorType(TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE))));
            }
        }
        return b.build();
    }

    /**
     * Collects the statistics.
     *
     * @param fp32 the float32 model
     * @param tensors intermediate tensors or graph inputs to observe
     * @param pixels {@code n * 784} floats, pixel/255
     * @param batch images per forward call
     * @param method the calibration method; {@code MINMAX} skips the histogram pass
     * @throws IOException if ONNX Runtime cannot load the calibration copy or a forward pass fails
     */
    public static Map<String, Histogram> collect(ModelProto fp32, List<String> tensors, float[] pixels, int n,
            int batch, CalibrationMethod method) throws IOException {
        Map<String, Histogram> h = new LinkedHashMap<>();
        for (String t : tensors) {
            h.put(t, new Histogram(t));
        }
        String input = fp32.getGraph().getInput(0).getName();
        List<String> intermediate = new ArrayList<>();
        for (String t : tensors) {
            if (!t.equals(input)) {
                intermediate.add(t);
            }
        }
        byte[] bytes = withOutputs(fp32, intermediate).toByteArray();
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions();
                OrtSession session = env.createSession(bytes, so)) {
            int passes = method == CalibrationMethod.MINMAX ? 1 : 2;
            for (int pass = 0; pass < passes; pass++) {
                for (int from = 0; from < n; from += batch) {
                    int count = Math.min(batch, n - from);
                    FloatBuffer in = FloatBuffer.wrap(pixels, from * FormatRunner.PIXELS, count * FormatRunner.PIXELS)
                            .slice();
                    try (OnnxTensor x = OnnxTensor.createTensor(env, in, new long[] {count, 1, 28, 28});
                            OrtSession.Result r = session.run(Map.of(input, x), new LinkedHashSet<>(intermediate))) {
                        for (String t : tensors) {
                            float[] v;
                            if (t.equals(input)) {
                                v = java.util.Arrays.copyOfRange(pixels, from * FormatRunner.PIXELS,
                                        (from + count) * FormatRunner.PIXELS);
                            } else {
                                Optional<OnnxValue> o = r.get(t);
                                if (o.isEmpty() || !(o.get() instanceof OnnxTensor ot)) {
                                    throw new IOException("the calibration copy returned no tensor " + t);
                                }
                                FloatBuffer fb = ot.getFloatBuffer();
                                v = new float[fb.remaining()];
                                fb.get(v);
                            }
                            if (pass == 0) {
                                h.get(t).observeRange(v);
                            } else {
                                h.get(t).count(v);
                            }
                        }
                    }
                }
                if (pass == 0 && passes == 2) {
                    h.values().forEach(Histogram::startCounting);
                }
            }
        } catch (OrtException e) {
            throw new IOException("calibration on ONNX Runtime failed: " + FormatRunner.firstLine(e), e);
        } catch (IllegalArgumentException e) {
            throw new IOException("calibration failed: " + e.getMessage(), e);
        }
        return h;
    }
}
