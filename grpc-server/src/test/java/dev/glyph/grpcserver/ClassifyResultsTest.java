package dev.glyph.grpcserver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glyph.modelformat.Sha256;
import dev.glyph.testfixtures.Concurrently;
import dev.glyph.testfixtures.TestModelFolder;
import dev.glyph.testfixtures.TestModels;
import dev.glyph.client.GlyphClient;
import dev.glyph.inferencesdk.DigitClassifier;
import dev.glyph.inferencesdk.DigitImage;
import dev.glyph.inferencesdk.Options;
import dev.glyph.inferencesdk.Prediction;
import dev.glyph.proto.v1.ClassifyRequest;
import dev.glyph.proto.v1.ClassifyResponse;
import dev.glyph.proto.v1.GetModelInfoRequest;
import dev.glyph.proto.v1.ModelInfo;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Results through the server equal the in-process SDK's, in order, with no cross-talk between calls. */
class ClassifyResultsTest {

    @RegisterExtension
    static final TestModelFolder MODEL = new TestModelFolder(1234);
    static DigitClassifier reference;
    static final List<byte[]> IMAGES = TestModels.gray8Images(400, 77);
    static final List<Prediction> EXPECTED = new ArrayList<>();

    @BeforeAll
    static void setUp() throws Exception {
        reference = DigitClassifier.open(MODEL.dir(), Options.defaults().intraOpThreads(1));
        for (byte[] b : IMAGES) {
            EXPECTED.add(reference.classify(DigitImage.ofGray8(b)));
        }
        Set<Integer> labels = new HashSet<>();
        EXPECTED.forEach(p -> labels.add(p.label()));
        assertTrue(labels.size() >= 3, "the random model should spread its labels, got " + labels);
    }

    @AfterAll
    static void tearDown() {
        reference.close();
    }

    private static void assertSame(Prediction expected, dev.glyph.proto.v1.Prediction actual, String where) {
        assertEquals(expected.label(), actual.getLabel(), where + " label");
        assertEquals(expected.confidence(), actual.getConfidence(), 1e-5, where + " confidence");
    }

    @Test
    void classify_manyImagesInOneRequest_predictionsInRequestOrder() throws Exception {
        try (Harness h = Harness.serving(Harness.config(MODEL.dir()).maxBatchSize(16))) {
            List<dev.glyph.proto.v1.Image> imgs = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                imgs.add(GlyphClient.gray8(IMAGES.get(i)));
            }
            ClassifyResponse r = h.client.classify(imgs, true);
            assertEquals(200, r.getPredictionsCount());
            assertEquals("mnist", r.getModelName());
            assertEquals("1", r.getModelVersion());
            for (int i = 0; i < 200; i++) {
                assertSame(EXPECTED.get(i), r.getPredictions(i), "image " + i);
                float[] probs = new float[10];
                for (int k = 0; k < 10; k++) {
                    probs[k] = r.getPredictions(i).getProbabilities(k);
                }
                assertArrayEquals(EXPECTED.get(i).probabilities(), probs, 1e-5f, "image " + i + " probabilities");
            }
            assertTrue(h.server.batcherStats().batches() >= 200 / 16, "the request was split across batches");
        }
    }

    @Test
    void classify_withoutReturnProbabilities_noProbabilities() throws Exception {
        try (Harness h = Harness.serving(Harness.config(MODEL.dir()))) {
            ClassifyResponse r = h.client.classify(List.of(GlyphClient.gray8(IMAGES.get(0))), false);
            assertEquals(0, r.getPredictions(0).getProbabilitiesCount());
            assertSame(EXPECTED.get(0), r.getPredictions(0), "image 0");
        }
    }

    @Test
    void classify_pixelsAndGray8OfTheSameImage_samePrediction() throws Exception {
        try (Harness h = Harness.serving(Harness.config(MODEL.dir()))) {
            DigitImage img = DigitImage.ofGray8(IMAGES.get(3));
            ClassifyResponse r = h.client.classify(List.of(GlyphClient.pixels(img.pixels()), GlyphClient.gray8(IMAGES.get(3))), true);
            assertSame(EXPECTED.get(3), r.getPredictions(0), "pixels");
            assertSame(EXPECTED.get(3), r.getPredictions(1), "gray8");
        }
    }

    @Test
    void classify_sixteenConcurrentClients_noCrossTalk() throws Exception {
        int clients = 16;
        try (Harness h = Harness.serving(Harness.config(MODEL.dir()).maxBatchSize(32).threads(4).batchers(3))) {
            int total = Concurrently.sum(clients, seed -> {
                SplittableRandom rnd = new SplittableRandom(seed);
                int mismatches = 0;
                for (int call = 0; call < 25; call++) {
                    int n = 1 + rnd.nextInt(6);
                    int[] idx = new int[n];
                    List<dev.glyph.proto.v1.Image> imgs = new ArrayList<>();
                    for (int k = 0; k < n; k++) {
                        idx[k] = rnd.nextInt(IMAGES.size());
                        imgs.add(GlyphClient.gray8(IMAGES.get(idx[k])));
                    }
                    ClassifyResponse r = h.client.classify(imgs, false);
                    for (int k = 0; k < n; k++) {
                        Prediction e = EXPECTED.get(idx[k]);
                        dev.glyph.proto.v1.Prediction a = r.getPredictions(k);
                        if (e.label() != a.getLabel() || Math.abs(e.confidence() - a.getConfidence()) > 1e-5) {
                            mismatches++;
                        }
                    }
                }
                return mismatches;
            });
            assertEquals(0, total, "predictions that differ from the in-process SDK");
            assertTrue(h.server.batcherStats().meanBatchSize() > 1.0,
                    "concurrent calls were coalesced: " + h.server.batcherStats());
        }
    }

    @Test
    void getModelInfo_loadedModel_describesModelAndBatching() throws Exception {
        try (Harness h = Harness.serving(Harness.config(MODEL.dir()).maxBatchSize(32).maxDelay(Duration.ofNanos(1_500_000))
                .maxQueue(512).streamInFlight(7).batchers(2))) {
            ModelInfo info = h.blocking().getModelInfo(GetModelInfoRequest.getDefaultInstance());
            assertEquals("mnist", info.getName());
            assertEquals("1", info.getVersion());
            assertTrue(info.getProvenanceJson().contains("\"" + TestModels.RUN + "\""), info.getProvenanceJson());
            assertEquals("image", info.getInput().getName());
            assertEquals("float32", info.getInput().getDtype());
            assertEquals(List.of(-1L, 1L, 28L, 28L), info.getInput().getShapeList());
            assertEquals(2, info.getOutputsCount());
            assertEquals(10, info.getLabelsCount());
            assertEquals(Sha256.hex(Files.readAllBytes(MODEL.dir().resolve("model.onnx"))), info.getOnnxSha256());
            assertEquals("CPU", info.getExecutionProvider());
            assertEquals(1.0, info.getTemperature(), "no temperature_scaling in the manifest: T = 1");
            assertEquals(32, info.getBatching().getMaxBatchSize());
            assertEquals(1500, info.getBatching().getMaxDelayUs());
            assertEquals(512, info.getBatching().getMaxQueue());
            assertEquals(ServerConfig.DEFAULT_MAX_MESSAGE_BYTES, info.getBatching().getMaxMessageBytes());
            assertEquals(7, info.getBatching().getMaxStreamInFlight());
            assertEquals(2, info.getBatching().getBatchers());
        }
    }

    @Test
    void classify_batchOfOneRequest_sameAsSdkBatch() throws Exception {
        try (Harness h = Harness.serving(Harness.config(MODEL.dir()))) {
            ClassifyRequest r = ClassifyRequest.newBuilder().addImages(GlyphClient.gray8(IMAGES.get(9))).build();
            assertSame(EXPECTED.get(9), h.client.classify(r).getPredictions(0), "image 9");
        }
    }
}
