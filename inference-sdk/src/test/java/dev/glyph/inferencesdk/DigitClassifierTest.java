package dev.glyph.inferencesdk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glyph.exporter.ReferenceForward;
import dev.glyph.modelformat.Sha256;
import dev.glyph.testfixtures.Concurrently;
import dev.glyph.testfixtures.TestModels;
import dev.glyph.trainer.ModelWeights;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class DigitClassifierTest {

    private static final long SEED = 42;

    @TempDir
    static Path tmp;
    static Path modelDir;
    static ModelWeights weights;
    static DigitClassifier classifier;

    @BeforeAll
    static void setUp() throws Exception {
        weights = TestModels.randomWeights(SEED);
        modelDir = TestModels.folder(tmp.resolve("models/mnist/1"), TestModels.onnxBytes(weights));
        classifier = DigitClassifier.open(modelDir, Options.defaults().intraOpThreads(1).maxBatchSize(64));
    }

    @AfterAll
    static void tearDown() {
        classifier.close();
    }

    private static ModelLoadException loadFails(Path dir, Options o) {
        return assertThrows(ModelLoadException.class, () -> {
            try (DigitClassifier c = DigitClassifier.open(dir, o)) {
                c.activeProvider();
            }
        });
    }

    private static ModelLoadException loadFails(Path dir) {
        return loadFails(dir, Options.defaults());
    }

    /** A model folder {@code tmp/name} whose manifest.json has {@code from} replaced by {@code to}. */
    private static Path withManifestEdit(String name, String from, String to) throws Exception {
        Path d = TestModels.folder(tmp.resolve(name), TestModels.onnxBytes(weights));
        String m = Files.readString(d.resolve("manifest.json"));
        assertTrue(m.contains(from), "manifest.json should contain " + from);
        Files.writeString(d.resolve("manifest.json"), m.replace(from, to));
        return d;
    }

    private static void assertMessage(Exception e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "message lacks '" + p + "': " + e.getMessage());
        }
    }

    @Test
    void classifyBatch_randomWeights_matchesPureJavaReferenceForward() {
        List<DigitImage> imgs = DigitImages.random(5, 1);
        float[] flat = new float[5 * 784];
        for (int i = 0; i < 5; i++) {
            imgs.get(i).copyTo(flat, i * 784);
        }
        float[][] ref = ReferenceForward.logProbs(weights, flat, 5);
        List<Prediction> ps = classifier.classifyBatch(imgs);
        assertEquals(5, ps.size());
        for (int i = 0; i < 5; i++) {
            float[] p = ps.get(i).probabilities();
            double sum = 0;
            for (int k = 0; k < 10; k++) {
                assertEquals(Math.exp(ref[i][k]), p[k], 1e-4, "image " + i + " class " + k);
                sum += p[k];
            }
            assertEquals(1.0, sum, 1e-5);
        }
    }

    @Test
    void classify_single_equalsBatchEntry() {
        List<DigitImage> imgs = DigitImages.random(8, 2);
        List<Prediction> batch = classifier.classifyBatch(imgs);
        for (int i = 0; i < imgs.size(); i++) {
            Prediction one = classifier.classify(imgs.get(i));
            assertEquals(batch.get(i).label(), one.label());
            assertArrayEquals(batch.get(i).probabilities(), one.probabilities(), 1e-5f);
        }
    }

    @Test
    void modelInfo_manifest_exposesFieldsAndRawProvenance() throws Exception {
        ModelInfo info = classifier.modelInfo();
        assertEquals("mnist", info.name());
        assertEquals("1", info.version());
        assertEquals(1, info.formatVersion());
        assertEquals("glyph 0.1.0-SNAPSHOT", info.producer());
        assertEquals(TestModels.PROVENANCE, info.provenanceJson());
        assertEquals(10, info.labels().size());
        assertEquals("7", info.label(7));
        assertArrayEquals(new long[] {-1, 1, 28, 28}, info.input().shape());
        assertEquals("log_probs", info.outputs().get(0).name());
        assertEquals(10.5, info.accuracy().get("onnx"));
        byte[] onnx = Files.readAllBytes(modelDir.resolve("model.onnx"));
        assertEquals(onnx.length, info.files().get("model.onnx").size());
        assertEquals(64, info.files().get("model.onnx").sha256().length());
        assertEquals(modelDir.toAbsolutePath().normalize(), info.directory());
        assertEquals("fp32", info.precision(), "a manifest without precision is fp32");
    }

    @Test
    void modelInfo_int8Manifest_exposesPrecision() throws Exception {
        Path d = withManifestEdit("int8/2", "\"format_version\": 1,", "\"format_version\": 1, \"precision\": \"int8\",");
        try (DigitClassifier c = DigitClassifier.open(d)) {
            assertEquals("int8", c.modelInfo().precision());
        }
    }

    @Test
    void classifyBatch_manifestTemperatureTwo_probsAreSoftmaxOfHalvedLogProbsAndLabelsUnchanged() throws Exception {
        Path d = TestModels.withTemperature(TestModels.folder(tmp.resolve("temperature/1"),
                TestModels.onnxBytes(weights)), 2.0);
        List<DigitImage> imgs = DigitImages.random(16, 5);
        List<Prediction> plain = classifier.classifyBatch(imgs);
        try (DigitClassifier c = DigitClassifier.open(d, Options.defaults().intraOpThreads(1));
                DigitClassifier raw = DigitClassifier.open(d, Options.defaults().intraOpThreads(1)
                        .applyTemperature(false))) {
            assertEquals(2.0, c.modelInfo().temperature());
            assertEquals(2.0, c.temperature());
            assertEquals(2.0, raw.modelInfo().temperature(), "the info says what the manifest says");
            assertEquals(1.0, raw.temperature(), "applyTemperature(false) computes the plain softmax");
            assertEquals(1.0, classifier.modelInfo().temperature(), "no temperature_scaling: T = 1");
            List<Prediction> cal = c.classifyBatch(imgs);
            List<Prediction> uncal = raw.classifyBatch(imgs);
            boolean softer = false;
            for (int i = 0; i < imgs.size(); i++) {
                Prediction p = cal.get(i);
                float[] lp = p.logProbabilities();
                assertArrayEquals(plain.get(i).logProbabilities(), lp, "log_probs stay the model's raw output");
                assertEquals(plain.get(i).label(), p.label(), "argmax unchanged");
                double[] e = new double[lp.length];
                double sum = 0;
                for (int k = 0; k < lp.length; k++) {
                    e[k] = Math.exp(lp[k] / 2.0);
                    sum += e[k];
                }
                for (int k = 0; k < lp.length; k++) {
                    assertEquals(e[k] / sum, p.probability(k), 1e-6, "image " + i + " class " + k);
                }
                assertEquals(p.probability(p.label()), p.confidence());
                assertEquals(plain.get(i), uncal.get(i), "applyTemperature(false) is the raw softmax");
                assertArrayEquals(plain.get(i).probabilities(), p.probabilitiesAt(1.0));
                assertArrayEquals(p.probabilities(), p.probabilitiesAt(2.0));
                softer |= p.confidence() < plain.get(i).confidence();
                assertTrue(p.confidence() <= plain.get(i).confidence() + 1e-6, "T > 1 never sharpens the top class");
            }
            assertTrue(softer, "T = 2 lowers some confidence");
        }
    }

    @Test
    void activeProvider_default_isCpu() {
        assertEquals("CPU", classifier.activeProvider());
    }

    @Test
    void open_cudaWithoutGpu_failsClearly() {
        ModelLoadException e = loadFails(modelDir, Options.defaults().device(Device.cuda(0)));
        assertMessage(e, "CUDA", "allowCpuFallback");
    }

    @Test
    void open_cudaWithFallback_runsOnCpu() throws Exception {
        try (DigitClassifier c = DigitClassifier.open(modelDir,
                Options.defaults().device(Device.cuda(0)).allowCpuFallback(true).intraOpThreads(1))) {
            assertEquals("CPU", c.activeProvider());
            assertEquals(10, c.classify(DigitImages.random(1, 3).get(0)).probabilities().length);
        }
    }

    @Test
    void open_missingFolder_namesFolder() {
        ModelLoadException e = loadFails(tmp.resolve("nope/1"));
        assertMessage(e, "nope", "does not exist", "manifest.json");
    }

    @Test
    void open_fileInsteadOfFolder_saysSo() throws Exception {
        Path f = Files.writeString(tmp.resolve("plain.txt"), "x");
        assertMessage(loadFails(f), "is a file");
    }

    @Test
    void open_missingManifest_saysWhatIsMissing() throws Exception {
        Path d = Files.createDirectories(tmp.resolve("nomanifest"));
        Files.copy(modelDir.resolve("model.onnx"), d.resolve("model.onnx"));
        assertMessage(loadFails(d), "no manifest.json");
    }

    @Test
    void open_badJson_givesPosition() throws Exception {
        Path d = TestModels.folder(tmp.resolve("badjson"), TestModels.onnxBytes(weights));
        Files.writeString(d.resolve("manifest.json"), "{\"format_version\": 1,\n \"name\": }");
        assertMessage(loadFails(d), "not valid JSON", "line 2");
    }

    /** Manifest edits that open must reject: folder name, text replaced, replacement, message parts. */
    static Stream<Arguments> badManifests() {
        return Stream.of(
                Arguments.of("nolabels", "\"labels\"", "\"labelz\"",
                        new String[] {"labels is missing", "expected an array"}),
                Arguments.of("fv2", "\"format_version\": 1", "\"format_version\": 2",
                        new String[] {"format_version is 2", "format_version 1"}),
                Arguments.of("manifestshape", "[-1, 1, 28, 28]", "[-1, 3, 32, 32]",
                        new String[] {"[-1, 3, 32, 32]", "needs image float32 [-1, 1, 28, 28]"}));
    }

    @ParameterizedTest(name = "{0}: {1} -> {2}")
    @MethodSource("badManifests")
    void open_editedManifest_saysWhatIsFoundAndExpected(String name, String from, String to, String[] parts)
            throws Exception {
        assertMessage(loadFails(withManifestEdit(name, from, to)), parts);
    }

    @Test
    void open_hashMismatch_namesFileAndBothHashes() throws Exception {
        byte[] onnx = TestModels.onnxBytes(weights);
        Path d = TestModels.folder(tmp.resolve("tampered"), onnx);
        String expected = Sha256.hex(onnx);
        byte[] bad = onnx.clone();
        bad[bad.length - 100] ^= 1;
        Files.write(d.resolve("model.onnx"), bad);
        String actual = Sha256.hex(bad);
        assertMessage(loadFails(d), "model.onnx", expected, actual);
    }

    @Test
    void open_sizeMismatch_reportsBothSizes() throws Exception {
        byte[] onnx = TestModels.onnxBytes(weights);
        Path d = TestModels.folder(tmp.resolve("truncated"), onnx);
        Files.write(d.resolve("model.onnx"), Arrays.copyOf(onnx, onnx.length - 10));
        assertMessage(loadFails(d), (onnx.length - 10) + " bytes", "expects " + onnx.length);
    }

    @Test
    void open_missingOnnx_namesFile() throws Exception {
        Path d = TestModels.folder(tmp.resolve("noonnx"), TestModels.onnxBytes(weights));
        Files.delete(d.resolve("model.onnx"));
        assertMessage(loadFails(d), "model.onnx does not exist");
    }

    @Test
    void open_wrongInputName_saysFoundAndExpected() throws Exception {
        Path d = TestModels.folder(tmp.resolve("renamed"), TestModels.renameInput(TestModels.onnxBytes(weights), "pixels"));
        assertMessage(loadFails(d), "pixels", "expected exactly one: image float [?,1,28,28]");
    }

    @Test
    void open_fixedBatchDimension_saysFoundAndExpectedShape() throws Exception {
        Path d = TestModels.folder(tmp.resolve("fixed"), TestModels.fixedBatch(TestModels.onnxBytes(weights)));
        assertMessage(loadFails(d), "[1,1,28,28]", "expected image float [?,1,28,28]");
    }

    @Test
    void open_notAnOnnxFile_failsWithEngineMessage() throws Exception {
        byte[] junk = "this is not a protobuf".getBytes(StandardCharsets.UTF_8);
        Path d = TestModels.folder(tmp.resolve("junk"), junk);
        assertMessage(loadFails(d), "could not create a CPU session");
    }

    @Test
    void classifyBatch_badInput_throwsIllegalArgumentNamingProblem() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> classifier.classifyBatch(null));
        assertMessage(e, "null");
        e = assertThrows(IllegalArgumentException.class, () -> classifier.classifyBatch(List.of()));
        assertMessage(e, "empty", "1..64");
        List<DigitImage> withNull = new ArrayList<>(DigitImages.random(3, 4));
        withNull.add(1, null);
        e = assertThrows(IllegalArgumentException.class, () -> classifier.classifyBatch(withNull));
        assertMessage(e, "image 1 of 4 is null");
        e = assertThrows(IllegalArgumentException.class, () -> classifier.classifyBatch(DigitImages.random(65, 5)));
        assertMessage(e, "65 images", "at most 64");
        assertThrows(IllegalArgumentException.class, () -> classifier.classify(null));
    }

    @Test
    void digitImage_badPixels_throwIllegalArgument() {
        assertMessage(assertThrows(IllegalArgumentException.class, () -> DigitImage.ofPixels(new float[783])),
                "783 pixels", "expected 784");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> DigitImage.ofGray8(new byte[785])),
                "785 bytes", "expected 784");
        float[] px = new float[784];
        px[5] = -0.1f;
        assertMessage(assertThrows(IllegalArgumentException.class, () -> DigitImage.ofPixels(px)), "pixel 5");
        assertThrows(IllegalArgumentException.class, () -> DigitImage.ofPixels(null));
        assertThrows(IllegalArgumentException.class, () -> DigitImage.ofEncoded(new byte[] {0, 1, 2}));
    }

    @Test
    void close_thenCall_throwsIllegalStateAndCloseIsIdempotent() throws Exception {
        DigitClassifier c = DigitClassifier.open(modelDir, Options.defaults().intraOpThreads(1));
        DigitImage img = DigitImages.random(1, 6).get(0);
        c.classify(img);
        c.close();
        c.close();
        assertTrue(c.isClosed());
        assertMessage(assertThrows(IllegalStateException.class, () -> c.classify(img)), "closed");
    }

    @Test
    void classify_concurrentCallers_matchSingleThreadedResults() throws Exception {
        List<DigitImage> imgs = DigitImages.random(200, 7);
        List<Prediction> expected = new ArrayList<>();
        for (DigitImage i : imgs) {
            expected.add(classifier.classify(i));
        }
        int total = Concurrently.sum(8, offset -> {
            int mismatches = 0;
            for (int k = 0; k < imgs.size(); k++) {
                int i = (k * 7 + offset * 13) % imgs.size();
                Prediction p = (k % 3 == 0) ? classifier.classifyBatch(List.of(imgs.get(i), imgs.get((i + 1) % imgs.size()))).get(0)
                        : classifier.classify(imgs.get(i));
                if (!close(p, expected.get(i))) {
                    mismatches++;
                }
            }
            return mismatches;
        });
        assertEquals(0, total, "predictions differing from single-threaded ones");
    }

    static boolean close(Prediction a, Prediction b) {
        float[] x = a.probabilities();
        float[] y = b.probabilities();
        for (int i = 0; i < x.length; i++) {
            if (Math.abs(x[i] - y[i]) > 1e-5f) {
                return false;
            }
        }
        return true;
    }

    @Test
    void classify_mnistTestImages_allLabelsValid() throws Exception {
        Path dir = MnistTestData.dir();
        MnistTestData.Set set = MnistTestData.loadTest(dir);
        List<DigitImage> imgs = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            imgs.add(set.image(i));
        }
        List<Prediction> ps = classifier.classifyBatch(imgs);
        for (Prediction p : ps) {
            assertTrue(p.label() >= 0 && p.label() < 10);
            assertFalse(Float.isNaN(p.confidence()));
        }
    }
}
