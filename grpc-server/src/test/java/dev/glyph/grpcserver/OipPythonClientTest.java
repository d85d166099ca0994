package dev.glyph.grpcserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glyph.inferencesdk.DigitImage;
import dev.glyph.inferencesdk.Prediction;
import dev.glyph.testfixtures.TestModels;
import dev.glyph.testtools.OutsideTools;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An outside Open Inference Protocol client: src/test/python/oip_client.py compiles
 * proto/src/main/proto/inference/grpc_predict_v2.proto with Debian's grpc_tools (/usr/bin/python3) on its own and
 * calls every RPC of the service on a Netty server over loopback. Its labels must be the SDK's for the same
 * images. Under CI=true a missing Python module fails the test instead of skipping it.
 */
class OipPythonClientTest {

    @TempDir
    Path tmp;

    private static Path moduleDir() {
        return Path.of(System.getProperty("basedir", ".")).toAbsolutePath().normalize();
    }

    private static String run(Path dir, List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(false).start();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread t = new Thread(() -> {
            try {
                p.getErrorStream().transferTo(err);
            } catch (IOException e) {
                // the process ended
            }
        });
        t.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + cmd);
        }
        t.join();
        if (p.exitValue() != 0) {
            throw new AssertionError(cmd + " exited with " + p.exitValue() + ":\n" + out + "\n" + err);
        }
        return out;
    }

    private static List<Integer> ints(JsonNode a) {
        List<Integer> out = new ArrayList<>();
        a.forEach(v -> out.add(v.asInt()));
        return out;
    }

    @Test
    void pythonClient_stubsFromTheProto_everyRpcAnswersLikeTheSdk() throws Exception {
        String python = OutsideTools.requirePython("grpc", "grpc_tools.protoc").toString();
        Path script = moduleDir().resolve("src/test/python/oip_client.py");
        Path protoRoot = moduleDir().resolve("../proto/src/main/proto").normalize();
        assertTrue(Files.isRegularFile(protoRoot.resolve("inference/grpc_predict_v2.proto")), protoRoot.toString());

        Path model = ServableModels.folder(tmp.resolve("models/mnist/1"), 555);
        List<byte[]> images = TestModels.gray8Images(6, 9);
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        images.forEach(all::writeBytes);
        Path gray8 = Files.write(tmp.resolve("images.gray8"), all.toByteArray());
        List<String> pngFiles = new ArrayList<>();
        List<DigitImage> decoded = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            byte[] png = Oip.png(images.get(i));
            pngFiles.add(Files.write(tmp.resolve("digit-" + i + ".png"), png).toString());
            decoded.add(DigitImage.ofEncoded(png));
        }
        List<Integer> labels = ServableModels.expected(model, Oip.digits(images)).stream().map(Prediction::label)
                .toList();
        List<Integer> pngLabels = ServableModels.expected(model, decoded).stream().map(Prediction::label).toList();

        JsonNode r;
        try (GlyphServer server = GlyphServer.open(ServerConfig.builder(model).host("127.0.0.1").port(0)
                .metricsPort(-1).intraOpThreads(1).allowUnverified(true).management(true).build())) {
            List<String> cmd = new ArrayList<>(List.of(python, script.toString(), protoRoot.toString(),
                    "127.0.0.1:" + server.port(), gray8.toString()));
            cmd.addAll(pngFiles);
            String out = run(tmp, cmd);
            r = new ObjectMapper().readTree(out.lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b)
                    .orElseThrow(() -> new AssertionError("no JSON in:\n" + out)));
        }
        String all4 = "[\"log_probs\",\"probs\",\"label\",\"confidence\"]";
        assertTrue(r.get("server_live").asBoolean());
        assertTrue(r.get("server_ready").asBoolean());
        assertTrue(r.get("model_ready").asBoolean());
        assertEquals("glyph", r.at("/server_metadata/name").asText());
        assertEquals("[\"model_repository\"]", r.at("/server_metadata/extensions").toString());
        assertEquals("{\"name\":\"mnist\",\"versions\":[\"1\"],\"platform\":\"onnxruntime_onnx\",\"inputs\":[[\"image\","
                + "\"FP32\",[-1,1,28,28]]],\"outputs\":[[\"log_probs\",\"FP32\",[-1,10]],[\"probs\",\"FP32\",[-1,10]],"
                + "[\"label\",\"INT64\",[-1]],[\"confidence\",\"FP32\",[-1]]]}", r.get("model_metadata").toString());

        JsonNode fp32 = r.get("fp32_typed");
        assertEquals("py-fp32", fp32.get("id").asText());
        assertEquals("mnist", fp32.get("model_name").asText());
        assertEquals("1", fp32.get("model_version").asText());
        assertEquals(all4, fp32.get("outputs").toString());
        assertEquals("[\"FP32\",\"FP32\",\"INT64\",\"FP32\"]", fp32.get("datatypes").toString());
        assertEquals("[[6,10],[6,10],[6],[6]]", fp32.get("shapes").toString());
        assertFalse(fp32.get("raw").asBoolean());
        assertEquals(labels, ints(fp32.get("label")));
        fp32.get("probs_sums").forEach(s -> assertEquals(1.0, s.asDouble(), 1e-3));

        JsonNode fp32Raw = r.get("fp32_raw");
        assertEquals("py-fp32-raw", fp32Raw.get("id").asText());
        assertTrue(fp32Raw.get("raw").asBoolean(), "raw input gives raw outputs");
        assertEquals(all4, fp32Raw.get("outputs").toString());
        assertEquals(labels, ints(fp32Raw.get("label")));

        JsonNode u8 = r.get("uint8_label_confidence");
        assertEquals("[\"label\",\"confidence\"]", u8.get("outputs").toString());
        assertEquals(labels, ints(u8.get("label")));
        assertEquals(6, u8.get("confidence").size());

        JsonNode u8raw = r.get("uint8_raw_probs");
        assertEquals("[\"probs\"]", u8raw.get("outputs").toString());
        assertTrue(u8raw.get("raw").asBoolean());
        assertEquals(6, u8raw.get("probs_sums").size());

        assertEquals("py-png", r.at("/bytes_png/id").asText());
        assertEquals(pngLabels, ints(r.at("/bytes_png/label")));
        assertEquals(pngLabels, ints(r.at("/bytes_png_raw/label")));
        assertEquals("[\"label\"]", r.at("/bytes_png_raw/outputs").toString());

        assertEquals("NOT_FOUND", r.at("/error_unknown_model/code").asText());
        assertTrue(r.at("/error_unknown_model/details").asText().contains("fashion"), r.toString());
        assertEquals("INVALID_ARGUMENT", r.at("/error_wrong_shape/code").asText());
        assertTrue(r.at("/error_wrong_shape/details").asText().contains("input 'image': shape [1, 3, 28, 28]"),
                r.toString());

        assertEquals("[[\"mnist\",\"1\",\"READY\",\"\"]]", r.get("repository_index").toString());
        assertEquals("OK", r.get("load").asText());
        assertEquals("OK", r.get("unload").asText());
        assertFalse(r.get("model_ready_after_unload").asBoolean());
    }
}
