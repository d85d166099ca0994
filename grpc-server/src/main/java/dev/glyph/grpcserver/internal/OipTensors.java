package dev.glyph.grpcserver.internal;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.glyph.inferencesdk.DigitClassifier;
import dev.glyph.inferencesdk.DigitImage;
import dev.glyph.inferencesdk.Prediction;
import dev.glyph.proto.inference.InferParameter;
import dev.glyph.proto.inference.InferTensorContents;
import dev.glyph.proto.inference.ModelInferRequest;
import dev.glyph.proto.inference.ModelInferRequest.InferInputTensor;
import dev.glyph.proto.inference.ModelInferResponse;
import dev.glyph.proto.inference.ModelInferResponse.InferOutputTensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * The Open Inference Protocol tensors of the digit model: checks a request's one input tensor and turns it into
 * SDK images (or encoded images still to decode), and writes the four output tensors. Every refusal is a
 * {@link BadRequestException} naming the tensor, e.g. {@code input 'image': shape [1, 3, 28, 28] is not accepted
 * for FP32; expected [N,1,28,28], [N,28,28] or [N,784]}.
 *
 * <p>Accepted inputs (N images per request, 1 &le; N &le; the per-request bound):
 * <ul>
 *   <li>FP32 {@code [N,1,28,28]}, {@code [N,28,28]} or {@code [N,784]}: finite values in [0,1], 0 = background,
 *       in {@code contents.fp32_contents} or raw (little-endian float32);</li>
 *   <li>UINT8 {@code [N,28,28]} or {@code [N,1,28,28]}: 0..255, 0 = background, in {@code contents.uint_contents}
 *       or raw (one byte each);</li>
 *   <li>BYTES {@code [N]}: PNG/JPEG/BMP/GIF images of any size, preprocessed like MNIST, in
 *       {@code contents.bytes_contents} or raw (each element a 4-byte little-endian length, then the bytes).</li>
 * </ul>
 *
 * <p>Thread-safety: stateless.
 */
final class OipTensors {

    /** The model's input tensor name. */
    static final String INPUT = DigitClassifier.INPUT_NAME;
    static final String LOG_PROBS = "log_probs";
    static final String PROBS = "probs";
    static final String LABEL = "label";
    static final String CONFIDENCE = "confidence";
    /** The outputs in the order they are returned when a request names none. */
    static final List<String> OUTPUTS = List.of(LOG_PROBS, PROBS, LABEL, CONFIDENCE);
    /** The request parameter that asks for raw_output_contents (true) or typed contents (false). */
    static final String BINARY_DATA_OUTPUT = "binary_data_output";

    private static final int PX = DigitImage.PIXELS;
    private static final int CLASSES = DigitClassifier.CLASSES;
    private static final String ACCEPTED = "FP32 [N,1,28,28] (also [N,28,28] or [N,784]), UINT8 [N,28,28] (also"
            + " [N,1,28,28]) or BYTES [N] (PNG/JPEG)";

    private OipTensors() {
    }

    /**
     * A checked input tensor: the images, or (BYTES) the encoded images still to be decoded on the decode pool.
     *
     * @param name the tensor's name as the request gave it
     * @param raw whether it came in raw_input_contents
     * @param images the images (null for BYTES)
     * @param encoded the encoded images (null unless BYTES)
     */
    record Input(String name, boolean raw, List<DigitImage> images, List<byte[]> encoded) {
        /** Returns how to name element {@code j} of this tensor in messages. */
        String element(int j) {
            return "input '" + name + "' element " + j;
        }
    }

    /**
     * The outputs to return.
     *
     * @param names the output names, in response order
     * @param raw whether they go into raw_output_contents (else typed contents)
     */
    record Plan(List<String> names, boolean raw) {
    }

    /**
     * Checks the request's input tensor.
     *
     * @param maxImages the most images one request may hold
     * @throws BadRequestException naming the tensor and what is wrong
     */
    static Input parse(ModelInferRequest r, int maxImages) {
        int n = r.getInputsCount();
        if (n != 1) {
            List<String> names = new ArrayList<>();
            for (InferInputTensor t : r.getInputsList()) {
                names.add("'" + t.getName() + "'");
            }
            throw new BadRequestException("inputs: expected exactly 1 input tensor ('" + INPUT + "': " + ACCEPTED
                    + "), found " + n + (n == 0 ? "" : " " + names));
        }
        InferInputTensor t = r.getInputs(0);
        String what = "input '" + t.getName() + "'";
        int raws = r.getRawInputContentsCount();
        if (raws != 0 && raws != n) {
            throw new BadRequestException("raw_input_contents: found " + raws + " entries for " + n
                    + " input tensor; expected one per input, in the order of inputs");
        }
        boolean raw = raws > 0;
        InferTensorContents c = t.getContents();
        if (raw && t.hasContents() && c.getSerializedSize() > 0) {
            throw new BadRequestException(what + ": has both contents (" + filled(c) + ") and raw_input_contents[0];"
                    + " expected one of them");
        }
        ByteString rawBytes = raw ? r.getRawInputContents(0) : null;
        String dt = t.getDatatype();
        List<Long> shape = t.getShapeList();
        switch (dt) {
            case "FP32" -> {
                int images = batch(what, dt, shape, maxImages, "[N,1,28,28], [N,28,28] or [N,784]",
                        new long[] {1, 28, 28}, new long[] {28, 28}, new long[] {784});
                return new Input(t.getName(), raw, fp32(what, c, rawBytes, images, shape), null);
            }
            case "UINT8" -> {
                int images = batch(what, dt, shape, maxImages, "[N,28,28] or [N,1,28,28]",
                        new long[] {28, 28}, new long[] {1, 28, 28});
                return new Input(t.getName(), raw, uint8(what, c, rawBytes, images, shape), null);
            }
            case "BYTES" -> {
                int images = batch(what, dt, shape, maxImages, "[N] (one encoded image per element)", new long[0]);
                return new Input(t.getName(), raw, null, bytes(what, c, rawBytes, images, shape));
            }
            default -> throw new BadRequestException(what + ": datatype '" + dt + "' is not accepted; expected "
                    + ACCEPTED);
        }
    }

    /** Checks the shape against the accepted ones (after the batch dimension) and returns N. */
    private static int batch(String what, String dt, List<Long> shape, int maxImages, String acceptedText,
            long[]... accepted) {
        boolean ok = false;
        for (long[] a : accepted) {
            if (shape.size() == a.length + 1) {
                boolean same = true;
                for (int i = 0; i < a.length; i++) {
                    same &= shape.get(i + 1) == a[i];
                }
                ok |= same;
            }
        }
        if (!ok || shape.get(0) < 0) {
            throw new BadRequestException(what + ": shape " + shape + " is not accepted for " + dt + "; expected "
                    + acceptedText);
        }
        long images = shape.get(0);
        if (images == 0) {
            throw new BadRequestException(what + ": shape " + shape + " holds 0 images; expected at least 1 (shape[0] = N)");
        }
        if (images > maxImages) {
            throw new BadRequestException(what + ": shape " + shape + " holds " + images + " images; expected at most "
                    + maxImages + " images per request (the server's queue share per batcher)");
        }
        return (int) images;
    }

    private static List<DigitImage> fp32(String what, InferTensorContents c, ByteString raw, int images,
            List<Long> shape) {
        int count = images * PX;
        float[] all = new float[count];
        String src;
        if (raw != null) {
            expectRawSize(what, raw, 4L * count, count + " FP32 elements of 4 bytes, little-endian", shape);
            raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(all);
            src = "raw_input_contents[0]";
        } else {
            expectTyped(what, c, "fp32_contents", c.getFp32ContentsCount(), count, shape, "FP32");
            for (int i = 0; i < count; i++) {
                all[i] = c.getFp32Contents(i);
            }
            src = "contents.fp32_contents";
        }
        List<DigitImage> out = new ArrayList<>(images);
        for (int j = 0; j < images; j++) {
            float[] px = new float[PX];
            System.arraycopy(all, j * PX, px, 0, PX);
            for (int k = 0; k < PX; k++) {
                float v = px[k];
                if (!(v >= 0f && v <= 1f)) {
                    String found = Float.isNaN(v) ? "NaN" : Float.isInfinite(v) ? (v > 0 ? "+Infinity" : "-Infinity")
                            : Float.toString(v);
                    throw new BadRequestException(what + ": " + src + " element " + (j * PX + k) + " (image " + j
                            + ", pixel " + k + ") is " + found + "; expected a finite value in [0,1] (0 = background)");
                }
            }
            out.add(DigitImage.ofPixels(px));
        }
        return out;
    }

    private static List<DigitImage> uint8(String what, InferTensorContents c, ByteString raw, int images,
            List<Long> shape) {
        int count = images * PX;
        byte[] all;
        if (raw != null) {
            expectRawSize(what, raw, count, count + " UINT8 elements of 1 byte", shape);
            all = raw.toByteArray();
        } else {
            expectTyped(what, c, "uint_contents", c.getUintContentsCount(), count, shape, "UINT8");
            all = new byte[count];
            for (int i = 0; i < count; i++) {
                int v = c.getUintContents(i);
                if (v < 0 || v > 255) {
                    throw new BadRequestException(what + ": contents.uint_contents element " + i + " (image " + i / PX
                            + ", pixel " + i % PX + ") is " + Integer.toUnsignedString(v)
                            + "; expected 0..255 (UINT8, 0 = background)");
                }
                all[i] = (byte) v;
            }
        }
        List<DigitImage> out = new ArrayList<>(images);
        for (int j = 0; j < images; j++) {
            out.add(DigitImage.ofGray8(all, j * PX));
        }
        return out;
    }

    private static List<byte[]> bytes(String what, InferTensorContents c, ByteString raw, int images,
            List<Long> shape) {
        List<byte[]> out = new ArrayList<>(images);
        if (raw == null) {
            expectTyped(what, c, "bytes_contents", c.getBytesContentsCount(), images, shape, "BYTES");
            for (ByteString b : c.getBytesContentsList()) {
                out.add(b.toByteArray());
            }
            return out;
        }
        ByteBuffer b = raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        String src = what + ": raw_input_contents[0]";
        String layout = "; expected " + images + " elements (shape " + shape + "), each a 4-byte little-endian length"
                + " followed by that many bytes";
        while (b.hasRemaining()) {
            int j = out.size();
            if (j == images) {
                throw new BadRequestException(src + " holds more than " + images + " elements (" + b.remaining()
                        + " bytes left after element " + (j - 1) + ")" + layout);
            }
            if (b.remaining() < 4) {
                throw new BadRequestException(src + " element " + j + " has a truncated length prefix of "
                        + b.remaining() + " bytes" + layout);
            }
            long len = Integer.toUnsignedLong(b.getInt());
            if (len > b.remaining()) {
                throw new BadRequestException(src + " element " + j + " declares " + len + " bytes but only "
                        + b.remaining() + " remain" + layout);
            }
            byte[] e = new byte[(int) len];
            b.get(e);
            out.add(e);
        }
        if (out.size() != images) {
            throw new BadRequestException(src + " holds " + out.size() + " elements" + layout);
        }
        return out;
    }

    private static void expectRawSize(String what, ByteString raw, long bytes, String elements, List<Long> shape) {
        if (raw.size() != bytes) {
            throw new BadRequestException(what + ": raw_input_contents[0] holds " + raw.size() + " bytes; expected "
                    + bytes + " (" + elements + ", shape " + shape + ")");
        }
    }

    private static void expectTyped(String what, InferTensorContents c, String field, int found, int expected,
            List<Long> shape, String dt) {
        if (found == expected) {
            return;
        }
        String other = filled(c);
        if (found == 0 && !other.isEmpty()) {
            throw new BadRequestException(what + ": " + dt + " elements must be in contents." + field
                    + " or raw_input_contents; found " + other);
        }
        if (found == 0) {
            throw new BadRequestException(what + ": has no data; expected " + expected + " elements in contents."
                    + field + " or raw_input_contents (shape " + shape + ")");
        }
        throw new BadRequestException(what + ": contents." + field + " holds " + found + " elements; expected "
                + expected + " (the product of shape " + shape + ")");
    }

    /** Names the non-empty typed fields of {@code c}, e.g. {@code contents.int_contents (7 elements)}. */
    private static String filled(InferTensorContents c) {
        List<String> out = new ArrayList<>();
        add(out, "bool_contents", c.getBoolContentsCount());
        add(out, "int_contents", c.getIntContentsCount());
        add(out, "int64_contents", c.getInt64ContentsCount());
        add(out, "uint_contents", c.getUintContentsCount());
        add(out, "uint64_contents", c.getUint64ContentsCount());
        add(out, "fp32_contents", c.getFp32ContentsCount());
        add(out, "fp64_contents", c.getFp64ContentsCount());
        add(out, "bytes_contents", c.getBytesContentsCount());
        return String.join(", ", out);
    }

    private static void add(List<String> out, String field, int n) {
        if (n > 0) {
            out.add("contents." + field + " (" + n + " elements)");
        }
    }

    /**
     * Checks the requested outputs and the output form. No outputs requested = all four. Typed contents unless
     * the request parameter {@value #BINARY_DATA_OUTPUT} is true, or it is absent and the input came raw.
     *
     * @throws BadRequestException for an unknown or repeated output, or a non-bool {@value #BINARY_DATA_OUTPUT}
     */
    static Plan plan(ModelInferRequest r, boolean rawInput) {
        boolean raw = rawInput;
        InferParameter p = r.getParametersMap().get(BINARY_DATA_OUTPUT);
        if (p != null) {
            if (p.getParameterChoiceCase() != InferParameter.ParameterChoiceCase.BOOL_PARAM) {
                throw new BadRequestException("parameters['" + BINARY_DATA_OUTPUT + "']: found "
                        + p.getParameterChoiceCase().name().toLowerCase(java.util.Locale.ROOT) + "; expected bool_param");
            }
            raw = p.getBoolParam();
        }
        if (r.getOutputsCount() == 0) {
            return new Plan(OUTPUTS, raw);
        }
        List<String> names = new ArrayList<>();
        for (int i = 0; i < r.getOutputsCount(); i++) {
            String name = r.getOutputs(i).getName();
            if (!OUTPUTS.contains(name)) {
                throw new BadRequestException("outputs[" + i + "]: output '" + name + "' is not produced by the model;"
                        + " expected one of " + String.join(", ", OUTPUTS));
            }
            if (names.contains(name)) {
                throw new BadRequestException("outputs[" + i + "]: output '" + name + "' is requested twice; expected"
                        + " each output at most once");
            }
            names.add(name);
        }
        return new Plan(List.copyOf(names), raw);
    }

    /**
     * Builds the response: the planned outputs of {@code ps}, typed or raw. The outputs are the model's raw
     * outputs, as Triton returns them from the same folder: {@code log_probs}, and {@code probs} and
     * {@code confidence} at temperature 1 ({@link Prediction#probabilitiesAt}(1)) even when the manifest has a
     * temperature_scaling; the model metadata's {@code temperature} parameter says which T a client applies.
     */
    static ModelInferResponse response(String model, String version, String id, List<Prediction> ps, Plan plan) {
        ModelInferResponse.Builder b = ModelInferResponse.newBuilder().setModelName(model).setModelVersion(version)
                .setId(id);
        int n = ps.size();
        List<float[]> rawProbs = new ArrayList<>(n);
        if (plan.names().contains(PROBS) || plan.names().contains(CONFIDENCE)) {
            for (Prediction p : ps) {
                rawProbs.add(p.probabilitiesAt(1.0));
            }
        }
        for (String name : plan.names()) {
            InferOutputTensor.Builder t = b.addOutputsBuilder().setName(name);
            switch (name) {
                case LOG_PROBS, PROBS -> {
                    t.setDatatype("FP32").addShape(n).addShape(CLASSES);
                    boolean logs = name.equals(LOG_PROBS);
                    if (plan.raw()) {
                        ByteBuffer buf = le(4 * n * CLASSES);
                        for (int i = 0; i < n; i++) {
                            for (float v : logs ? ps.get(i).logProbabilities() : rawProbs.get(i)) {
                                buf.putFloat(v);
                            }
                        }
                        b.addRawOutputContents(UnsafeByteOperations.unsafeWrap(buf.array()));
                    } else {
                        InferTensorContents.Builder c = t.getContentsBuilder();
                        for (int i = 0; i < n; i++) {
                            for (float v : logs ? ps.get(i).logProbabilities() : rawProbs.get(i)) {
                                c.addFp32Contents(v);
                            }
                        }
                    }
                }
                case LABEL -> {
                    t.setDatatype("INT64").addShape(n);
                    if (plan.raw()) {
                        ByteBuffer buf = le(8 * n);
                        for (Prediction p : ps) {
                            buf.putLong(p.label());
                        }
                        b.addRawOutputContents(UnsafeByteOperations.unsafeWrap(buf.array()));
                    } else {
                        for (Prediction p : ps) {
                            t.getContentsBuilder().addInt64Contents(p.label());
                        }
                    }
                }
                case CONFIDENCE -> {
                    t.setDatatype("FP32").addShape(n);
                    if (plan.raw()) {
                        ByteBuffer buf = le(4 * n);
                        for (int i = 0; i < n; i++) {
                            buf.putFloat(rawProbs.get(i)[ps.get(i).label()]);
                        }
                        b.addRawOutputContents(UnsafeByteOperations.unsafeWrap(buf.array()));
                    } else {
                        for (int i = 0; i < n; i++) {
                            t.getContentsBuilder().addFp32Contents(rawProbs.get(i)[ps.get(i).label()]);
                        }
                    }
                }
                default -> throw new IllegalStateException("output " + name + " passed the plan but has no writer");
            }
        }
        return b.build();
    }

    private static ByteBuffer le(int bytes) {
        return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }
}
