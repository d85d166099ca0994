package dev.glyph.grpcserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.glyph.inferencesdk.DigitImage;
import dev.glyph.inferencesdk.Prediction;
import dev.glyph.testfixtures.TestModels;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Open Inference Protocol over HTTP/REST against a real server on loopback, called with {@link java.net.http.HttpClient}
 * (and raw sockets where it will not send what is tested): every endpoint, every input format, requested outputs,
 * id and version, and every refusal with its HTTP status and a message naming the tensor. Expected answers come
 * from the SDK on the same model folder.
 */
class OipRestTest {

    /** The body limit of this server: small, so that oversize bodies are cheap to send. */
    static final int MAX_BODY = 64 * 1024;

    @TempDir
    static Path tmp;
    static Harness h;
    static Rest rest;
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
        assertTrue(expected.stream().map(Prediction::label).distinct().count() > 1, "labels must vary: " + expected);
        h = Harness.serving(Harness.config(model).allowUnverified(true).host("127.0.0.1").httpPort(0)
                .maxMessageBytes(MAX_BODY));
        rest = new Rest(h.server.httpPort());
    }

    @AfterAll
    static void stop() throws Exception {
        h.close();
    }

    private static JsonNode output(JsonNode r, String name) {
        for (JsonNode o : r.get("outputs")) {
            if (o.get("name").asText().equals(name)) {
                return o;
            }
        }
        throw new AssertionError("no output " + name + " in " + r);
    }

    /** Checks the four outputs of {@code r} against the SDK's predictions. */
    private static void assertPredictions(JsonNode r, List<Prediction> want) {
        int n = want.size();
        assertEquals("mnist", r.get("model_name").asText());
        assertEquals("1", r.get("model_version").asText());
        List<String> names = new ArrayList<>();
        r.get("outputs").forEach(o -> names.add(o.get("name").asText()));
        assertEquals(List.of("log_probs", "probs", "label", "confidence"), names);
        JsonNode lp = output(r, "log_probs");
        assertEquals("FP32", lp.get("datatype").asText());
        assertEquals("[" + n + ",10]", lp.get("shape").toString());
        JsonNode label = output(r, "label");
        assertEquals("INT64", label.get("datatype").asText());
        assertEquals("[" + n + "]", label.get("shape").toString());
        for (int i = 0; i < n; i++) {
            assertEquals(want.get(i).label(), label.get("data").get(i).asInt(), "label of image " + i);
            assertEquals(want.get(i).confidence(), output(r, "confidence").get("data").get(i).floatValue(), 1e-6);
            for (int k = 0; k < 10; k++) {
                assertEquals(want.get(i).logProbabilities()[k], lp.get("data").get(i * 10 + k).floatValue(), 1e-5,
                        "log_prob " + k + " of image " + i);
                assertEquals(want.get(i).probabilities()[k], output(r, "probs").get("data").get(i * 10 + k).floatValue(),
                        1e-6);
            }
        }
    }

    // ------------------------------------------------------------------------------------------- endpoints

    @Test
    void health_liveAndReady_200WithEmptyBody() {
        Rest.Answer live = rest.get("/v2/health/live").is(200);
        assertEquals("", live.body());
        assertEquals("", rest.get("/v2/health/ready").is(200).body());
    }

    @Test
    void serverMetadata_get_nameVersionAndExtensions() {
        JsonNode m = rest.get("/v2").is(200).json();
        assertEquals("glyph", m.get("name").asText());
        assertTrue(!m.get("version").asText().isEmpty());
        assertEquals("[\"model_repository\"]", m.get("extensions").toString());
        assertEquals(m, rest.get("/v2/").is(200).json());
    }

    @Test
    void modelMetadata_withAndWithoutVersion_describesTensors() {
        JsonNode m = rest.get("/v2/models/mnist").is(200).json();
        assertEquals("mnist", m.get("name").asText());
        assertEquals("[\"1\"]", m.get("versions").toString());
        assertEquals("onnxruntime_onnx", m.get("platform").asText());
        assertEquals("fp32", m.path("parameters").path("precision").asText(), m.toString());
        assertEquals("1.0", m.path("parameters").path("temperature").asText(), m.toString());
        assertEquals("{\"name\":\"image\",\"datatype\":\"FP32\",\"shape\":[-1,1,28,28]}", m.get("inputs").get(0).toString());
        assertEquals(4, m.get("outputs").size());
        assertEquals(m, rest.get("/v2/models/mnist/versions/1").is(200).json());
        rest.get("/v2/models/fashion").is(404, "'fashion'");
        rest.get("/v2/models/mnist/versions/7").is(404, "'7'");
    }

    @Test
    void modelReady_knownUnknownAndVersions_200Or404() {
        assertEquals("", rest.get("/v2/models/mnist/ready").is(200).body());
        rest.get("/v2/models/mnist/versions/1/ready").is(200);
        rest.get("/v2/models/fashion/ready").is(404, "fashion");
        rest.get("/v2/models/mnist/versions/3/ready").is(404, "'3'");
    }

    @Test
    void metrics_get_prometheusTextOfTheServer() {
        Rest.Answer m = rest.get("/metrics").is(200);
        assertEquals("text/plain; version=0.0.4; charset=utf-8", m.contentType().replace("UTF-8", "utf-8"));
        assertTrue(m.body().contains("# TYPE glyph_model_ready gauge"), m.body());
        assertTrue(m.body().contains("glyph_model_version_ready{model=\"mnist\",version=\"1\"} 1"), m.body());
    }

    // ------------------------------------------------------------------------------------------- inference

    @Test
    void infer_fp32Flat_matchesSdk() {
        assertPredictions(rest.post("/v2/models/mnist/infer", Rest.fp32Flat(IMAGES.subList(0, 1), "")).is(200).json(),
                expected.subList(0, 1));
        assertPredictions(rest.post("/v2/models/mnist/infer", Rest.fp32Flat(IMAGES, "")).is(200).json(), expected);
    }

    @Test
    void infer_fp32Nested_sameAnswerAsFlat() {
        JsonNode nested = rest.post("/v2/models/mnist/infer", Rest.fp32Nested(IMAGES)).is(200).json();
        assertPredictions(nested, expected);
        assertEquals(rest.post("/v2/models/mnist/infer", Rest.fp32Flat(IMAGES, "")).json(), nested);
    }

    @Test
    void infer_uint8Batch_matchesSdk() {
        assertPredictions(rest.post("/v2/models/mnist/infer", Rest.uint8(IMAGES)).is(200).json(), expected);
    }

    @Test
    void infer_bytesPngBase64StringsAndObjects_matchSdk() {
        assertPredictions(rest.post("/v2/models/mnist/infer", Rest.bytes(pngs, false)).is(200).json(), expectedPng);
        assertPredictions(rest.post("/v2/models/mnist/infer", Rest.bytes(pngs, true)).is(200).json(), expectedPng);
    }

    @Test
    void infer_requestedOutputsIdAndVersionedPath_onlyThoseEchoed() {
        String body = Rest.fp32Flat(IMAGES, "\"id\":\"req-42\",\"outputs\":[{\"name\":\"label\"},{\"name\":\"probs\"}],");
        JsonNode r = rest.post("/v2/models/mnist/versions/1/infer", body).is(200).json();
        assertEquals("req-42", r.get("id").asText());
        assertEquals("1", r.get("model_version").asText());
        assertEquals(2, r.get("outputs").size());
        assertEquals("label", r.get("outputs").get(0).get("name").asText());
        assertEquals(expected.get(2).label(), r.get("outputs").get(0).get("data").get(2).asInt());
        assertEquals("probs", r.get("outputs").get(1).get("name").asText());
        assertTrue(!rest.post("/v2/models/mnist/infer", Rest.fp32Flat(IMAGES, "")).json().has("id"),
                "no id asked, none echoed");
    }

    @Test
    void infer_unknownModelOrVersion_404NamingIt() {
        rest.post("/v2/models/fashion/infer", Rest.fp32Flat(IMAGES, "")).is(404, "'fashion'");
        rest.post("/v2/models/mnist/versions/2/infer", Rest.fp32Flat(IMAGES, "")).is(404, "'2'");
    }

    @Test
    void infer_badTensors_400NamingTheTensor() {
        String one = Rest.fp32Flat(IMAGES.subList(0, 1), "");
        rest.post("/v2/models/mnist/infer", one.replace("\"FP32\"", "\"INT32\"")).is(400, "'image'", "INT32");
        rest.post("/v2/models/mnist/infer", one.replace("[1,1,28,28]", "[1,1,28,27]"))
                .is(400, "'image'", "756 elements; data has 784");
        rest.post("/v2/models/mnist/infer", one.replace("[1,1,28,28]", "[1,2,14,28]")).is(400, "'image'", "[1, 2, 14, 28]");
        rest.post("/v2/models/mnist/infer", one.replace("\"inputs\"", "\"outputs\":[{\"name\":\"logits\"}],\"inputs\""))
                .is(400, "'logits'");
        rest.post("/v2/models/mnist/infer", "{\"inputs\":[{\"name\":\"image\",\"shape\":[2],\"datatype\":\"BYTES\","
                + "\"data\":[\"iVBORw0KGgo=\",\"@@\"]}]}").is(400, "'image'", "data[1]", "not base64");
        rest.post("/v2/models/mnist/infer", "{\"inputs\":[{\"name\":\"image\",\"shape\":[1],\"datatype\":\"BYTES\","
                + "\"data\":[\"aGVsbG8=\"]}]}").is(400, "'image'");
        rest.post("/v2/models/mnist/infer", "{\"inputs\":[{\"name\":\"image\",\"shape\":[1,28,28],\"datatype\":\"UINT8\","
                + "\"data\":[0" + ",300".repeat(783) + "]}]}").is(400, "'image'", "data[1]: 300", "UINT8");
        rest.post("/v2/models/mnist/infer", "{\"inputs\":[]}").is(400, "inputs");
    }

    @Test
    void infer_malformedOrWrongContent_400Or415() {
        rest.post("/v2/models/mnist/infer", "{\"inputs\": [\n{\"name\": \"image\" \"shape\": []}]}")
                .is(400, "malformed JSON at line 2, column");
        rest.post("/v2/models/mnist/infer", "").is(400, "empty");
        rest.post("/v2/models/mnist/infer", pngs.get(0), "Content-Type", "application/json").is(400, "malformed JSON");
        rest.post("/v2/models/mnist/infer", pngs.get(0), "Content-Type", "image/png").is(415, "image/png", "base64");
        rest.post("/v2/models/mnist/infer", Rest.fp32Flat(IMAGES, "").getBytes(StandardCharsets.UTF_8),
                "Content-Type", "application/json", "Content-Encoding", "br").is(415, "br");
        rest.post("/v2/models/mnist/infer", "{\"x\":1}".getBytes(StandardCharsets.UTF_8),
                "Inference-Header-Content-Length", "7").is(400, "binary tensor data extension");
    }

    @Test
    void infer_compressedBodies_inflatedWithinTheLimit() throws Exception {
        byte[] json = Rest.fp32Flat(IMAGES.subList(0, 1), "").getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(json);
        }
        assertPredictions(rest.post("/v2/models/mnist/infer", gz.toByteArray(), "Content-Type", "application/json",
                "Content-Encoding", "gzip").is(200).json(), expected.subList(0, 1));
        ByteArrayOutputStream df = new ByteArrayOutputStream();
        try (DeflaterOutputStream out = new DeflaterOutputStream(df)) {
            out.write(json);
        }
        assertPredictions(rest.post("/v2/models/mnist/infer", df.toByteArray(), "Content-Encoding", "deflate").is(200)
                .json(), expected.subList(0, 1));
        // a gzip bomb: 64 MiB of spaces in 64 KiB compressed; refused once inflated past the limit
        ByteArrayOutputStream bomb = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(bomb)) {
            byte[] spaces = new byte[1 << 20];
            java.util.Arrays.fill(spaces, (byte) ' ');
            for (int i = 0; i < 64; i++) {
                out.write(spaces);
            }
        }
        assertTrue(bomb.size() < MAX_BODY, "the bomb itself is under the limit: " + bomb.size());
        rest.post("/v2/models/mnist/infer", bomb.toByteArray(), "Content-Encoding", "gzip")
                .is(413, "inflates to more than " + MAX_BODY);
        rest.post("/v2/models/mnist/infer", json, "Content-Encoding", "gzip").is(400, "not valid gzip");
    }

    @Test
    void infer_oversizeBody_413NamingTheLimit() throws Exception {
        byte[] big = new byte[MAX_BODY + MAX_BODY / 2];
        java.util.Arrays.fill(big, (byte) ' ');
        rest.post("/v2/models/mnist/infer", big, "Content-Type", "application/json")
                .is(413, big.length + " bytes", "the limit is " + MAX_BODY);
        // chunked (no Content-Length): counted while read
        Rest.Answer chunked = rest.send(HttpRequest.newBuilder(rest.uri("/v2/models/mnist/infer"))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(big))));
        chunked.is(413, "the limit is " + MAX_BODY);
        // declared far beyond the limit: answered before the body is sent
        String raw = rest.raw(("POST /v2/models/mnist/infer HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Content-Length: 1000000000\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        assertTrue(raw.startsWith("HTTP/1.1 413 "), raw);
        assertTrue(raw.contains("{\"error\":\"request body is 1000000000 bytes; the limit is " + MAX_BODY), raw);
        // the server still serves
        rest.post("/v2/models/mnist/infer", Rest.fp32Flat(IMAGES, "")).is(200);
    }

    // ------------------------------------------------------------------------------------------- routing

    @Test
    void unknownPathAndWrongMethod_404And405() {
        rest.get("/v1/models").is(404, "no endpoint GET /v1/models");
        rest.get("/v2/models/mnist/predict").is(404);
        rest.get("/v2/health").is(404);
        Rest.Answer wrong = rest.get("/v2/models/mnist/infer").is(405, "use POST");
        assertEquals("POST", wrong.headers().firstValue("allow").orElse(""));
        rest.post("/v2/health/ready", "{}").is(405, "use GET");
        rest.send(HttpRequest.newBuilder(rest.uri("/v2/models/mnist")).DELETE()).is(405, "DELETE");
    }

    @Test
    void jettyLevelErrors_jsonWithoutStackTrace() throws Exception {
        String bad = rest.raw("GET /v2/%2e%2e/health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertTrue(bad.startsWith("HTTP/1.1 400 "), bad);
        assertTrue(bad.contains("{\"error\":"), bad);
        String huge = rest.raw(("GET /v2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Big: " + "a".repeat(40_000) + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        assertTrue(huge.startsWith("HTTP/1.1 431 "), huge);
        assertTrue(huge.contains("{\"error\":"), huge);
        assertTrue(!bad.contains("Exception") && !huge.contains("Exception"), bad + huge);
    }

    @Test
    void repository_managementOff_403SayingHowToEnable() {
        Rest.Answer index = rest.post("/v2/repository/index", "{}").is(200);
        assertTrue(index.body().contains("\"READY\""), index.body());
        rest.post("/v2/repository/models/mnist/load", "").is(403, "--allow-management");
        rest.post("/v2/repository/models/mnist/unload", "").is(403, "management(true)");
        rest.get("/v2/models/mnist/ready").is(200);
    }
}
