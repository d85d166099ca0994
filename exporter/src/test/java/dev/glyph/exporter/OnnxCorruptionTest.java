package dev.glyph.exporter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.glyph.exporter.internal.OnnxInspector;
import dev.glyph.exporter.internal.OnnxModelInfo;
import dev.glyph.exporter.internal.OnnxWriter;
import dev.glyph.trainer.ModelWeights;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What happens when one byte of model.onnx is flipped (XOR 0xFF), depending on where it lands.
 *
 * <ul>
 *   <li>protobuf framing (tags, lengths): the Java parse fails (InvalidProtocolBufferException, wrapped in an
 *       IOException naming the file) and ORT fails with ORT_INVALID_PROTOBUF;</li>
 *   <li>an op type or value name: the file parses, ORT refuses it at session creation (ORT_INVALID_GRAPH "No Op
 *       registered for ..." / ORT_INVALID_ARGUMENT "... is not a graph input, initializer, or output ...");</li>
 *   <li>weight bytes (raw_data, over 99.9 % of the file): the file parses, matches the contract, loads and runs in
 *       ORT with different results. Only a checksum (manifest.json's SHA-256) detects it.</li>
 * </ul>
 */
class OnnxCorruptionTest {

    private static final Logger LOG = LoggerFactory.getLogger(OnnxCorruptionTest.class);

    @TempDir
    static Path dir;

    private static ModelWeights weights;
    private static byte[] good;

    @BeforeAll
    static void write() {
        weights = OnnxTestSupport.randomWeights(11);
        good = OnnxWriter.toBytes(weights, Map.of("dataset", "mnist"));
    }

    private static Path flipped(String name, int position) throws IOException {
        byte[] bad = good.clone();
        bad[position] ^= (byte) 0xFF;
        Path p = dir.resolve(name);
        Files.write(p, bad);
        return p;
    }

    private static OrtException ortLoadFailure(Path model) {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        return assertThrows(OrtException.class, () -> {
            try (OrtSession.SessionOptions o = new OrtSession.SessionOptions();
                    OrtSession s = env.createSession(model.toString(), o)) {
                LOG.error("ORT loaded {} unexpectedly: {}", model, s.getInputNames());
            }
        });
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("byte pattern not found in the model");
    }

    @Test
    void inspectAndOrt_flippedFramingByte_bothFailToParse() throws IOException {
        // Byte 0 is the tag of ModelProto.ir_version (0x08); flipped, it has wire type 7, which does not exist.
        Path bad = flipped("framing.onnx", 0);

        IOException parse = assertThrows(IOException.class, () -> OnnxInspector.inspect(bad));
        OrtException ort = ortLoadFailure(bad);

        LOG.info("framing flip: inspect -> {} | ORT -> {} {}", parse.getMessage(), ort.getCode(), ort.getMessage());
        assertInstanceOf(InvalidProtocolBufferException.class, parse.getCause());
        assertTrue(parse.getMessage().startsWith(bad + ": not a valid ONNX file"), parse.getMessage());
        assertEquals(OrtException.OrtErrorCode.ORT_INVALID_PROTOBUF, ort.getCode());
    }

    @Test
    void inspectAndOrt_flippedOpTypeByte_parsesButOrtRejectsGraph() throws IOException {
        // NodeProto.op_type (field 4, length 4) "Conv" of the first node.
        int at = indexOf(good, new byte[] {0x22, 4, 'C', 'o', 'n', 'v'}) + 2;
        Path bad = flipped("optype.onnx", at);

        OnnxModelInfo info = OnnxInspector.inspect(bad);
        OrtException ort = ortLoadFailure(bad);

        LOG.info("op_type flip: inspect -> ops {} | ORT -> {} {}", info.opTypes(), ort.getCode(), ort.getMessage());
        assertNotEquals("Conv", info.opTypes().get(0));
        assertEquals(OrtException.OrtErrorCode.ORT_INVALID_GRAPH, ort.getCode());
        assertTrue(ort.getMessage().contains("No Op registered"), ort.getMessage());
    }

    @Test
    void inspectAndOrt_flippedInputNameByte_parsesButOrtRejectsModel() throws IOException {
        // First occurrence of the name is the conv1 node's input (nodes are serialized before initializers).
        byte[] name = "conv1.weight".getBytes(StandardCharsets.US_ASCII);
        int at = indexOf(good, name);
        Path bad = flipped("name.onnx", at);

        OnnxModelInfo info = OnnxInspector.inspect(bad);
        OrtException ort = ortLoadFailure(bad);

        LOG.info("input name flip: inspect -> ok, ORT -> {} {}", ort.getCode(), ort.getMessage());
        assertEquals(List.of(), OnnxInspector.contractProblems(info), "initializers are untouched");
        assertEquals(OrtException.OrtErrorCode.ORT_INVALID_ARGUMENT, ort.getCode());
        assertTrue(ort.getMessage().contains("is not a graph input, initializer, or output"), ort.getMessage());
    }

    @Test
    void inspectAndOrt_flippedWeightByte_loadsAndRunsWithWrongResults() throws Exception {
        float[] bias = weights.get("fc2.bias").data();
        ByteBuffer le = ByteBuffer.allocate(bias.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : bias) {
            le.putFloat(v);
        }
        // High byte (sign and exponent) of fc2.bias[0]: the bias of class 0 becomes huge.
        int at = indexOf(good, le.array()) + 3;
        Path bad = flipped("weight.onnx", at);

        OnnxModelInfo info = OnnxInspector.inspect(bad);
        float[] images = OnnxTestSupport.randomImages(5, 3);
        float[][] expected = ReferenceForward.logProbs(weights, images, 3);
        float[][] actual;
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions();
                OrtSession s = env.createSession(bad.toString(), o);
                OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(images), new long[] {3, 1, 28, 28});
                OrtSession.Result r = s.run(Map.of("image", x))) {
            actual = (float[][]) r.get("log_probs").orElseThrow().getValue();
        }
        double maxDiff = 0;
        for (int i = 0; i < 3; i++) {
            for (int c = 0; c < 10; c++) {
                maxDiff = Math.max(maxDiff, Math.abs(actual[i][c] - expected[i][c]));
            }
        }
        long rawBytes = info.initializers().stream().mapToLong(OnnxModelInfo.Initializer::dataBytes).sum();
        LOG.info("weight flip at byte {}: inspect ok, contract ok, ORT ran; max |log_probs diff| = {}; "
                + "weights are {} of {} bytes ({} %)", at, maxDiff, rawBytes, good.length,
                String.format("%.3f", 100.0 * rawBytes / good.length));

        assertEquals(List.of(), OnnxInspector.contractProblems(info));
        assertTrue(maxDiff > 1.0, "corrupt weight changed log_probs by only " + maxDiff);
        assertFalse(java.util.Arrays.equals(sha256(good), sha256(Files.readAllBytes(bad))));
        assertArrayEquals(sha256(good), sha256(OnnxWriter.toBytes(weights, Map.of("dataset", "mnist"))));
    }

    private static byte[] sha256(byte[] b) throws NoSuchAlgorithmException {
        return MessageDigest.getInstance("SHA-256").digest(b);
    }
}
