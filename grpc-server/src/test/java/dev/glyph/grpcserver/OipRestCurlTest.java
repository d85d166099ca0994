package dev.glyph.grpcserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.glyph.inferencesdk.Prediction;
import dev.glyph.testfixtures.TestModels;
import dev.glyph.testtools.OutsideTools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An outside client: Debian's curl posts a JSON body from a file exactly as the README shows
 * ({@code curl -s -X POST .../infer -d @body.json}, curl's default form content type included), and the answer is
 * checked against the SDK. Skipped without curl on a developer box, a failure under {@code CI=true}.
 */
class OipRestCurlTest {

    @TempDir
    static Path tmp;

    @Test
    void curl_postBodyFromFile_answersPredictions() throws Exception {
        Path curl = OutsideTools.system().data(Path.of("/usr/bin/curl"), "sudo apt-get install curl");
        Path model = TestModels.folder(tmp.resolve("mnist/1"), 99);
        List<byte[]> images = TestModels.gray8Images(5, 31);
        List<Prediction> want = Oip.expected(model, Oip.digits(images));
        Path body = tmp.resolve("body.json");
        Files.writeString(body, Rest.uint8(images).replace("{\"inputs\"", "{\"id\":\"curl-1\",\"inputs\""),
                StandardCharsets.UTF_8);
        try (Harness h = Harness.serving(Harness.config(model).allowUnverified(true).host("127.0.0.1").httpPort(0))) {
            Process p = new ProcessBuilder(curl.toString(), "-s", "-X", "POST",
                    "http://127.0.0.1:" + h.server.httpPort() + "/v2/models/mnist/infer", "-d", "@" + body)
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "curl did not finish");
            assertEquals(0, p.exitValue(), out);
            JsonNode r = Rest.JSON.readTree(out);
            assertEquals("mnist", r.get("model_name").asText(), out);
            assertEquals("1", r.get("model_version").asText());
            assertEquals("curl-1", r.get("id").asText());
            JsonNode label = r.get("outputs").get(2);
            assertEquals("label", label.get("name").asText());
            for (int i = 0; i < want.size(); i++) {
                assertEquals(want.get(i).label(), label.get("data").get(i).asInt(), "image " + i);
            }
        }
    }
}
