package dev.glyph.grpcserver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.glyph.client.GlyphClient;
import dev.glyph.inferencesdk.DigitImage;
import dev.glyph.inferencesdk.Prediction;
import dev.glyph.proto.inference.ModelInferResponse;
import dev.glyph.proto.inference.ModelMetadataRequest;
import dev.glyph.proto.inference.ModelMetadataResponse;
import dev.glyph.proto.v1.ClassifyRequest;
import dev.glyph.proto.v1.ClassifyResponse;
import dev.glyph.proto.v1.GetModelInfoRequest;
import dev.glyph.testfixtures.TestModels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model whose manifest has temperature_scaling T = 2: glyph.v1 answers with the SDK's calibrated probabilities
 * and reports T in GetModelInfo; the OIP reports T in the model metadata and returns the raw model outputs.
 */
class TemperatureServingTest {

    static final double T = 2.0;
    static final List<byte[]> IMAGES = TestModels.gray8Images(6, 31);

    @TempDir
    static Path tmp;
    static Path model;
    static Harness h;
    static Rest rest;
    static List<Prediction> calibrated;

    @BeforeAll
    static void start() throws Exception {
        model = TestModels.withTemperature(TestModels.folder(tmp.resolve("mnist/1"), 1234), T);
        List<DigitImage> imgs = new ArrayList<>();
        IMAGES.forEach(b -> imgs.add(DigitImage.ofGray8(b)));
        calibrated = Oip.expected(model, imgs);
        h = Harness.serving(Harness.config(model).host("127.0.0.1").httpPort(0));
        rest = new Rest(h.server.httpPort());
    }

    @AfterAll
    static void stop() throws Exception {
        h.close();
    }

    @Test
    void getModelInfo_manifestWithTemperature_reportsIt() {
        assertEquals(T, h.blocking().getModelInfo(GetModelInfoRequest.getDefaultInstance()).getTemperature());
    }

    @Test
    void classify_manifestWithTemperature_probabilitiesAndConfidenceAreCalibrated() {
        ClassifyRequest.Builder r = ClassifyRequest.newBuilder().setReturnProbabilities(true);
        IMAGES.forEach(b -> r.addImages(GlyphClient.gray8(b)));
        ClassifyResponse resp = h.client.classify(r.build());
        for (int i = 0; i < IMAGES.size(); i++) {
            Prediction want = calibrated.get(i);
            dev.glyph.proto.v1.Prediction got = resp.getPredictions(i);
            assertEquals(want.label(), got.getLabel(), "image " + i);
            assertEquals(want.confidence(), got.getConfidence(), 1e-6, "image " + i);
            float[] probs = new float[10];
            for (int k = 0; k < 10; k++) {
                probs[k] = got.getProbabilities(k);
            }
            assertArrayEquals(want.probabilitiesAt(T), probs, 1e-6f, "softmax(log_probs / 2), image " + i);
            assertNotEquals(want.probabilitiesAt(1.0)[want.label()], got.getConfidence(), "not the raw softmax");
        }
    }

    @Test
    void oipModelMetadata_manifestWithTemperature_parametersCarryIt() {
        ModelMetadataResponse m = Oip.blocking(h.channel).modelMetadata(ModelMetadataRequest.newBuilder()
                .setName("mnist").build());
        assertEquals("2.0", m.getParametersOrThrow("temperature").getStringParam());
        assertEquals("fp32", m.getParametersOrThrow("precision").getStringParam());
        JsonNode j = rest.get("/v2/models/mnist").is(200).json();
        assertEquals("2.0", j.path("parameters").path("temperature").asText(), j.toString());
    }

    @Test
    void oipInfer_manifestWithTemperature_returnsRawModelOutputs() {
        ModelInferResponse r = Oip.blocking(h.channel).modelInfer(Oip.fp32(IMAGES).build());
        assertEquals(List.of("log_probs", "probs", "label", "confidence"),
                r.getOutputsList().stream().map(ModelInferResponse.InferOutputTensor::getName).toList());
        for (int i = 0; i < IMAGES.size(); i++) {
            Prediction want = calibrated.get(i);
            float[] raw = want.probabilitiesAt(1.0);
            for (int k = 0; k < 10; k++) {
                assertEquals(want.logProbabilities()[k], r.getOutputs(0).getContents().getFp32Contents(i * 10 + k), 1e-5);
                assertEquals(raw[k], r.getOutputs(1).getContents().getFp32Contents(i * 10 + k), 1e-6,
                        "probs are the model's (T = 1), image " + i + " class " + k);
            }
            assertEquals(want.label(), r.getOutputs(2).getContents().getInt64Contents(i));
            assertEquals(raw[want.label()], r.getOutputs(3).getContents().getFp32Contents(i), 1e-6);
        }
    }
}
