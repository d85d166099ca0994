package dev.glyph.grpcserver;

import static dev.glyph.grpcserver.Oip.fails;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.glyph.inferencesdk.DigitImage;
import dev.glyph.inferencesdk.Prediction;
import dev.glyph.proto.inference.GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub;
import dev.glyph.proto.inference.InferParameter;
import dev.glyph.proto.inference.InferTensorContents;
import dev.glyph.proto.inference.ModelInferRequest;
import dev.glyph.proto.inference.ModelInferRequest.InferRequestedOutputTensor;
import dev.glyph.proto.inference.ModelInferResponse;
import dev.glyph.proto.inference.ModelInferResponse.InferOutputTensor;
import dev.glyph.testfixtures.TestModels;
import io.grpc.Status.Code;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ModelInfer of the Open Inference Protocol over a real in-process server: every input format (typed and raw),
 * every output selection and form, id and version echo, and every refusal with its status and a message naming
 * the tensor. Expected answers come from the SDK on the same model folder.
 */
class OipInferTest {

    @TempDir
    static Path tmp;
    static Harness h;
    static GRPCInferenceServiceBlockingStub stub;
    static final List<byte[]> IMAGES = OipFixture.IMAGES;
    static List<Prediction> expected;
    static List<Prediction> expectedPng;
    static List<byte[]> pngs;

    @BeforeAll
    static void start() throws Exception {
        OipFixture fixture = OipFixture.create(tmp.resolve("mnist/1"));
        Path model = fixture.model();
        expected = fixture.expected();
        pngs = fixture.pngs();
        expectedPng = fixture.expectedPng();
        assertTrue(expected.stream().map(Prediction::label).distinct().count() > 1,
                "the fixture's labels must vary, or label checks prove little: " + expected);
        // one batcher with a queue of 8: at most 8 images per request
        h = Harness.serving(Harness.config(model).allowUnverified(true).batchers(1).maxQueue(8));
        stub = Oip.blocking(h.channel);
    }

    @AfterAll
    static void stop() throws Exception {
        h.close();
    }

    private static ModelInferResponse infer(ModelInferRequest.Builder b) {
        return Oip.blocking(h.channel).modelInfer(b.build());
    }

    private static InferOutputTensor output(ModelInferResponse r, String name) {
        for (InferOutputTensor t : r.getOutputsList()) {
            if (t.getName().equals(name)) {
                return t;
            }
        }
        throw new AssertionError("no output " + name + " in " + r);
    }

    /** Checks all four typed outputs against {@code want}. */
    private static void assertTyped(ModelInferResponse r, List<Prediction> want) {
        int n = want.size();
        assertEquals(0, r.getRawOutputContentsCount());
        assertEquals(List.of("log_probs", "probs", "label", "confidence"),
                r.getOutputsList().stream().map(InferOutputTensor::getName).toList());
        InferOutputTensor lp = output(r, "log_probs");
        assertEquals("FP32", lp.getDatatype());
        assertEquals(List.of((long) n, 10L), lp.getShapeList());
        InferOutputTensor p = output(r, "probs");
        assertEquals(List.of((long) n, 10L), p.getShapeList());
        InferOutputTensor label = output(r, "label");
        assertEquals("INT64", label.getDatatype());
        assertEquals(List.of((long) n), label.getShapeList());
        InferOutputTensor conf = output(r, "confidence");
        assertEquals("FP32", conf.getDatatype());
        assertEquals(List.of((long) n), conf.getShapeList());
        for (int i = 0; i < n; i++) {
            Prediction e = want.get(i);
            assertEquals(e.label(), label.getContents().getInt64Contents(i), "label of image " + i);
            assertEquals(e.confidence(), conf.getContents().getFp32Contents(i), 1e-6f);
            for (int k = 0; k < 10; k++) {
                assertEquals(e.logProbabilities()[k], lp.getContents().getFp32Contents(i * 10 + k), 1e-5f);
                assertEquals(e.probabilities()[k], p.getContents().getFp32Contents(i * 10 + k), 1e-6f);
            }
        }
    }

    /** Checks all four raw outputs against {@code want}. */
    private static void assertRaw(ModelInferResponse r, List<Prediction> want) {
        int n = want.size();
        assertEquals(4, r.getRawOutputContentsCount());
        for (InferOutputTensor t : r.getOutputsList()) {
            assertFalse(t.hasContents(), t.getName() + " has typed contents besides raw_output_contents");
        }
        float[] lp = Oip.floats(r.getRawOutputContents(0));
        float[] p = Oip.floats(r.getRawOutputContents(1));
        long[] label = Oip.longs(r.getRawOutputContents(2));
        float[] conf = Oip.floats(r.getRawOutputContents(3));
        assertEquals(10 * n, lp.length);
        assertEquals(10 * n, p.length);
        assertEquals(n, label.length);
        assertEquals(n, conf.length);
        for (int i = 0; i < n; i++) {
            Prediction e = want.get(i);
            assertEquals(e.label(), label[i], "label of image " + i);
            assertEquals(e.confidence(), conf[i], 1e-6f);
            for (int k = 0; k < 10; k++) {
                assertEquals(e.logProbabilities()[k], lp[i * 10 + k], 1e-5f);
                assertEquals(e.probabilities()[k], p[i * 10 + k], 1e-6f);
            }
        }
    }

    @Test
    void modelInfer_fp32Typed_allFourOutputsTypedLikeSdk() {
        assertTyped(infer(Oip.fp32(IMAGES)), expected);
    }

    @Test
    void modelInfer_fp32RawEveryShape_rawOutputsLikeSdk() {
        int n = IMAGES.size();
        assertRaw(infer(Oip.fp32Raw(IMAGES, n, 1, 28, 28)), expected);
        assertRaw(infer(Oip.fp32Raw(IMAGES, n, 28, 28)), expected);
        assertRaw(infer(Oip.fp32Raw(IMAGES, n, 784)), expected);
    }

    @Test
    void modelInfer_uint8TypedAndRaw_likeSdk() {
        int n = IMAGES.size();
        assertTyped(infer(Oip.uint8(IMAGES)), expected);
        assertRaw(infer(Oip.uint8Raw(IMAGES, n, 28, 28)), expected);
        assertRaw(infer(Oip.uint8Raw(IMAGES, n, 1, 28, 28)), expected);
    }

    @Test
    void modelInfer_bytesPngTypedAndRaw_decodedLikeSdkOfEncoded() {
        assertTyped(infer(Oip.bytes(pngs)), expectedPng);
        assertRaw(infer(Oip.bytesRaw(pngs)), expectedPng);
    }

    @Test
    void modelInfer_anyInputName_accepted() {
        ModelInferRequest.Builder b = Oip.fp32(IMAGES.subList(0, 1));
        b.getInputsBuilder(0).setName("input__0");
        assertTyped(infer(b), expected.subList(0, 1));
    }

    @Test
    void modelInfer_binaryDataOutputParameter_overridesInputForm() {
        ModelInferRequest.Builder typedIn = Oip.fp32(IMAGES).putParameters("binary_data_output",
                InferParameter.newBuilder().setBoolParam(true).build());
        assertRaw(infer(typedIn), expected);
        ModelInferRequest.Builder rawIn = Oip.fp32Raw(IMAGES, IMAGES.size(), 784).putParameters("binary_data_output",
                InferParameter.newBuilder().setBoolParam(false).build());
        assertTyped(infer(rawIn), expected);
    }

    @Test
    void modelInfer_requestedOutputs_exactlyThoseInRequestedOrder() {
        ModelInferResponse r = infer(Oip.fp32(IMAGES).addOutputs(out("confidence")).addOutputs(out("label")));
        assertEquals(List.of("confidence", "label"), r.getOutputsList().stream().map(InferOutputTensor::getName).toList());
        for (int i = 0; i < IMAGES.size(); i++) {
            assertEquals(expected.get(i).label(), r.getOutputs(1).getContents().getInt64Contents(i));
            assertEquals(expected.get(i).confidence(), r.getOutputs(0).getContents().getFp32Contents(i), 1e-6f);
        }
        for (String one : List.of("log_probs", "probs", "label", "confidence")) {
            ModelInferResponse s = infer(Oip.fp32(IMAGES).addOutputs(out(one)));
            assertEquals(List.of(one), s.getOutputsList().stream().map(InferOutputTensor::getName).toList());
            ModelInferResponse raw = infer(Oip.fp32Raw(IMAGES, IMAGES.size(), 1, 28, 28).addOutputs(out(one)));
            assertEquals(1, raw.getRawOutputContentsCount(), one);
            assertEquals(one.equals("label") ? 8 : 4, raw.getRawOutputContents(0).size()
                    / (one.endsWith("probs") ? 10 * IMAGES.size() : IMAGES.size()), one);
        }
        ModelInferResponse raw = infer(Oip.fp32Raw(IMAGES, IMAGES.size(), 784).addOutputs(out("label"))
                .addOutputs(out("probs")));
        assertEquals(List.of("label", "probs"), raw.getOutputsList().stream().map(InferOutputTensor::getName).toList());
        long[] labels = Oip.longs(raw.getRawOutputContents(0));
        float[] probs = Oip.floats(raw.getRawOutputContents(1));
        for (int i = 0; i < IMAGES.size(); i++) {
            assertEquals(expected.get(i).label(), labels[i]);
            assertArrayEquals(expected.get(i).probabilities(), java.util.Arrays.copyOfRange(probs, i * 10, i * 10 + 10),
                    1e-6f);
        }
    }

    private static InferRequestedOutputTensor out(String name) {
        return InferRequestedOutputTensor.newBuilder().setName(name).build();
    }

    @Test
    void modelInfer_idAndVersion_echoedAndServingVersion() {
        ModelInferResponse r = infer(Oip.fp32(IMAGES.subList(0, 2)).setId("req-42"));
        assertEquals("req-42", r.getId());
        assertEquals("mnist", r.getModelName());
        assertEquals("1", r.getModelVersion());
        ModelInferResponse pinned = infer(Oip.fp32(IMAGES.subList(0, 2)).setModelVersion("1"));
        assertEquals("1", pinned.getModelVersion());
        assertEquals("", pinned.getId());
        ModelInferResponse byDefault = infer(Oip.fp32(IMAGES.subList(0, 2)).setModelName(""));
        assertEquals("mnist", byDefault.getModelName());
    }

    @Test
    void modelInfer_unknownModelOrVersion_notFound() {
        fails(Code.NOT_FOUND, () -> infer(Oip.fp32(IMAGES).setModelName("fashion")), "fashion", "mnist");
        fails(Code.NOT_FOUND, () -> infer(Oip.fp32(IMAGES).setModelVersion("7")), "version '7'", "mnist");
    }

    @Test
    void modelInfer_inputCountWrong_invalidArgument() {
        fails(Code.INVALID_ARGUMENT, () -> infer(ModelInferRequest.newBuilder().setModelName("mnist")),
                "inputs: expected exactly 1 input tensor", "found 0");
        ModelInferRequest.Builder two = Oip.fp32(IMAGES.subList(0, 1));
        two.addInputs(Oip.tensor("mask", "FP32", 1, 784).setContents(InferTensorContents.newBuilder()));
        fails(Code.INVALID_ARGUMENT, () -> infer(two), "found 2", "'image'", "'mask'");
    }

    @Test
    void modelInfer_badDatatypeOrShape_invalidArgumentNamingTensor() {
        ModelInferRequest.Builder dt = Oip.fp32(IMAGES.subList(0, 1));
        dt.getInputsBuilder(0).setName("digits").setDatatype("INT32");
        fails(Code.INVALID_ARGUMENT, () -> infer(dt), "input 'digits'", "datatype 'INT32'", "expected FP32");
        fails(Code.INVALID_ARGUMENT, () -> infer(Oip.fp32Raw(IMAGES.subList(0, 1), 1, 3, 28, 28)),
                "input 'image'", "shape [1, 3, 28, 28] is not accepted for FP32", "[N,1,28,28]");
        fails(Code.INVALID_ARGUMENT, () -> infer(Oip.uint8Raw(IMAGES.subList(0, 1), 1, 784)),
                "input 'image'", "shape [1, 784] is not accepted for UINT8");
        ModelInferRequest.Builder bytes2d = Oip.bytes(pngs.subList(0, 1));
        bytes2d.getInputsBuilder(0).addShape(1);
        fails(Code.INVALID_ARGUMENT, () -> infer(bytes2d), "input 'image'", "shape [1, 1] is not accepted for BYTES");
        fails(Code.INVALID_ARGUMENT, () -> infer(Oip.fp32Raw(List.of(), 0, 1, 28, 28)),
                "input 'image'", "holds 0 images", "at least 1");
        List<byte[]> nine = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            nine.add(IMAGES.get(i % IMAGES.size()));
        }
        fails(Code.INVALID_ARGUMENT, () -> infer(Oip.uint8(nine)), "input 'image'", "holds 9 images",
                "at most 8 images per request");
        fails(Code.INVALID_ARGUMENT, () -> infer(Oip.fp32Raw(IMAGES.subList(0, 1), -1, 1, 28, 28)),
                "input 'image'", "shape [-1, 1, 28, 28] is not accepted");
    }

    @Test
    void modelInfer_elementCountOrRawSizeWrong_invalidArgumentNamingTensor() {
        ModelInferRequest.Builder shortTyped = Oip.fp32(IMAGES.subList(0, 1));
        shortTyped.getInputsBuilder(0).clearShape().addAllShape(List.of(2L, 1L, 28L, 28L));
        fails(Code.INVALID_ARGUMENT, () -> infer(shortTyped), "input 'image'", "contents.fp32_contents holds 784",
                "expected 1568");
        ModelInferRequest.Builder shortRaw = Oip.fp32Raw(IMAGES.subList(0, 1), 1, 1, 28, 28);
        shortRaw.setRawInputContents(0, shortRaw.getRawInputContents(0).substring(0, 3000));
        fails(Code.INVALID_ARGUMENT, () -> infer(shortRaw), "input 'image'", "raw_input_contents[0] holds 3000 bytes",
                "expected 3136");
        ModelInferRequest.Builder uintRaw = Oip.uint8Raw(IMAGES.subList(0, 2), 1, 28, 28);
        fails(Code.INVALID_ARGUMENT, () -> infer(uintRaw), "input 'image'", "holds 1568 bytes", "expected 784");
        ModelInferRequest.Builder wrongField = Oip.uint8(IMAGES.subList(0, 1));
        wrongField.getInputsBuilder(0).setDatatype("FP32");
        fails(Code.INVALID_ARGUMENT, () -> infer(wrongField), "input 'image'", "FP32 elements must be in contents"
                + ".fp32_contents", "found contents.uint_contents (784 elements)");
        ModelInferRequest.Builder none = ModelInferRequest.newBuilder().setModelName("mnist")
                .addInputs(Oip.tensor("image", "UINT8", 1, 28, 28));
        fails(Code.INVALID_ARGUMENT, () -> infer(none), "input 'image'", "has no data");
        ModelInferRequest.Builder bytesCount = Oip.bytes(pngs.subList(0, 2));
        bytesCount.getInputsBuilder(0).setShape(0, 3);
        fails(Code.INVALID_ARGUMENT, () -> infer(bytesCount), "input 'image'", "contents.bytes_contents holds 2",
                "expected 3");
    }

    @Test
    void modelInfer_rawAndTypedMixedOrMiscounted_invalidArgument() {
        ModelInferRequest.Builder both = Oip.fp32(IMAGES.subList(0, 1))
                .addRawInputContents(Oip.fp32Raw(IMAGES.subList(0, 1), 1, 784).getRawInputContents(0));
        fails(Code.INVALID_ARGUMENT, () -> infer(both), "input 'image'", "both contents", "raw_input_contents[0]");
        ModelInferRequest.Builder twoRaw = Oip.uint8Raw(IMAGES.subList(0, 1), 1, 28, 28)
                .addRawInputContents(ByteString.copyFrom(IMAGES.get(1)));
        fails(Code.INVALID_ARGUMENT, () -> infer(twoRaw), "raw_input_contents: found 2 entries for 1 input tensor");
    }

    @Test
    void modelInfer_valueOutOfRange_invalidArgumentNamingElement() {
        ModelInferRequest.Builder b = Oip.fp32(IMAGES.subList(0, 2));
        b.getInputsBuilder(0).getContentsBuilder().setFp32Contents(790, 1.5f);
        fails(Code.INVALID_ARGUMENT, () -> infer(b), "input 'image'", "element 790 (image 1, pixel 6) is 1.5",
                "[0,1]");
        ModelInferRequest.Builder nan = Oip.fp32(IMAGES.subList(0, 1));
        nan.getInputsBuilder(0).getContentsBuilder().setFp32Contents(3, Float.NaN);
        fails(Code.INVALID_ARGUMENT, () -> infer(nan), "input 'image'", "element 3 (image 0, pixel 3) is NaN");
        ModelInferRequest.Builder inf = Oip.fp32Raw(IMAGES.subList(0, 1), 1, 784);
        byte[] raw = inf.getRawInputContents(0).toByteArray();
        java.nio.ByteBuffer.wrap(raw).order(java.nio.ByteOrder.LITTLE_ENDIAN).putFloat(4 * 10, Float.NEGATIVE_INFINITY);
        inf.setRawInputContents(0, ByteString.copyFrom(raw));
        fails(Code.INVALID_ARGUMENT, () -> infer(inf), "input 'image'", "raw_input_contents[0] element 10",
                "-Infinity");
        ModelInferRequest.Builder u = Oip.uint8(IMAGES.subList(0, 1));
        u.getInputsBuilder(0).getContentsBuilder().setUintContents(5, 300);
        fails(Code.INVALID_ARGUMENT, () -> infer(u), "input 'image'", "contents.uint_contents element 5", "is 300",
                "0..255");
    }

    @Test
    void modelInfer_badEncodedImages_invalidArgumentNamingElement() {
        List<byte[]> withJunk = List.of(pngs.get(0), "not an image".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        fails(Code.INVALID_ARGUMENT, () -> infer(Oip.bytes(withJunk)), "input 'image' element 1");
        fails(Code.INVALID_ARGUMENT, () -> infer(Oip.bytes(List.of(new byte[0]))), "input 'image' element 0",
                "found 0 bytes");
        byte[] raw = Oip.lengthPrefixed(pngs.subList(0, 2));
        ModelInferRequest.Builder truncated = Oip.bytesRaw(pngs.subList(0, 2));
        truncated.setRawInputContents(0, ByteString.copyFrom(raw, 0, raw.length - 10));
        fails(Code.INVALID_ARGUMENT, () -> infer(truncated), "input 'image': raw_input_contents[0] element 1 declares",
                "remain");
        ModelInferRequest.Builder extra = Oip.bytesRaw(pngs.subList(0, 2));
        extra.getInputsBuilder(0).setShape(0, 1);
        fails(Code.INVALID_ARGUMENT, () -> infer(extra), "input 'image': raw_input_contents[0] holds more than 1");
        ModelInferRequest.Builder fewer = Oip.bytesRaw(pngs.subList(0, 2));
        fewer.getInputsBuilder(0).setShape(0, 3);
        fails(Code.INVALID_ARGUMENT, () -> infer(fewer), "input 'image': raw_input_contents[0] holds 2 elements",
                "expected 3");
    }

    @Test
    void modelInfer_badOutputsOrParameter_invalidArgumentNamingThem() {
        fails(Code.INVALID_ARGUMENT, () -> infer(Oip.fp32(IMAGES).addOutputs(out("label")).addOutputs(out("logits"))),
                "outputs[1]", "'logits'", "expected one of log_probs, probs, label, confidence");
        fails(Code.INVALID_ARGUMENT, () -> infer(Oip.fp32(IMAGES).addOutputs(out("label")).addOutputs(out("label"))),
                "outputs[1]", "'label' is requested twice");
        fails(Code.INVALID_ARGUMENT, () -> infer(Oip.fp32(IMAGES).putParameters("binary_data_output",
                InferParameter.newBuilder().setStringParam("true").build())),
                "parameters['binary_data_output']", "string_param", "bool_param");
    }

    @Test
    void modelInfer_unparseableMessage_invalidArgumentFromInboundGuard() {
        io.grpc.MethodDescriptor.Marshaller<byte[]> bytes = new io.grpc.MethodDescriptor.Marshaller<>() {
            @Override
            public java.io.InputStream stream(byte[] value) {
                return new java.io.ByteArrayInputStream(value);
            }

            @Override
            public byte[] parse(java.io.InputStream stream) {
                try {
                    return stream.readAllBytes();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        };
        io.grpc.MethodDescriptor<byte[], byte[]> md = io.grpc.MethodDescriptor.<byte[], byte[]>newBuilder()
                .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
                .setFullMethodName("inference.GRPCInferenceService/ModelInfer")
                .setRequestMarshaller(bytes).setResponseMarshaller(bytes).build();
        // field 5 (inputs), length-delimited, claims 100 bytes but 2 follow
        byte[] truncated = {0x2A, 100, 0x0A, 0x01};
        fails(Code.INVALID_ARGUMENT, () -> io.grpc.stub.ClientCalls.blockingUnaryCall(h.channel, md,
                io.grpc.CallOptions.DEFAULT.withDeadlineAfter(60, java.util.concurrent.TimeUnit.SECONDS), truncated),
                "inference.ModelInferRequest");
        assertTrue(h.server.scrapeMetrics().contains("inference.GRPCInferenceService/ModelInfer"),
                "the refused call is counted in the request metrics");
    }

    @Test
    void modelInfer_afterRefusals_serverStillAnswers() {
        fails(Code.INVALID_ARGUMENT, () -> infer(ModelInferRequest.newBuilder().setModelName("mnist")), "inputs");
        assertTrue(infer(Oip.fp32(IMAGES.subList(0, 1))).getOutputsCount() == 4);
    }
}
