package dev.glyph.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glyph.exporter.internal.FormatRunner;
import dev.glyph.exporter.internal.OnnxRunner;
import dev.glyph.exporter.internal.ParityCheck;
import dev.glyph.exporter.internal.TestImages;
import dev.glyph.exporter.internal.TorchScriptRunner;
import dev.glyph.exporter.internal.TrainedRunner;
import dev.glyph.trainer.ModelWeights;
import dev.glyph.trainer.TrainedRun;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Parity between the trained model (DJL), model.pt (DJL) and model.onnx (ONNX Runtime) on real MNIST test
 * images, and the comparison logic itself on synthetic outputs.
 */
class ParityTest {

    private static final int K = 10;

    @Test
    void export_thousandTestImages_everyPairWithinToleranceAndFullArgmaxAgreement() throws Exception {
        ParityReport r = ExportFixtures.export().parity();
        assertTrue(r.passed(), r.table());
        assertEquals(1000, r.images());
        assertEquals(List.of("trained", "torchscript", "onnx"), r.formats().stream()
                .map(ParityReport.FormatResult::format).toList());
        assertEquals(3, r.pairs().size());
        for (ParityReport.PairResult p : r.pairs()) {
            System.out.printf("export parity, 1000 test images, %s: max |diff| %.3g at image %d, argmax %d/%d%n",
                    p.label(), p.maxAbsDiff(), p.maxDiffIndex(), p.argmaxAgreements(), p.images());
            assertTrue(p.maxAbsDiff() <= 1e-4, p.label() + " " + p.maxAbsDiff());
            assertEquals(1000, p.argmaxAgreements(), p.label());
            assertEquals(-1, p.firstDivergingIndex(), p.label());
        }
        int correct = r.formats().get(0).correct();
        for (ParityReport.FormatResult f : r.formats()) {
            assertEquals(correct, f.correct(), "accuracy of " + f.format());
        }
        assertTrue(correct > 300, "the tiny run should beat chance clearly: " + correct + "/1000");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 64})
    void logProbs_batchSize_everyFormatMatchesReferenceForward(int batch) throws Exception {
        Path model = ExportFixtures.model();
        ModelWeights weights = TrainedRun.open(ExportFixtures.run()).weights();
        int n = 64;
        TestImages test = TestImages.load("mnist", ExportFixtures.DATA, n);
        float[][] expected = ReferenceForward.logProbs(weights, test.pixels(), n);
        try (FormatRunner trained = TrainedRunner.open(weights);
                FormatRunner ts = TorchScriptRunner.open(model.resolve("model.pt"));
                FormatRunner onnx = OnnxRunner.open(model.resolve("model.onnx"))) {
            for (FormatRunner r : List.of(trained, ts, onnx)) {
                float[] out = r.logProbs(test.pixels(), n, batch);
                assertEquals(n * K, out.length);
                double max = 0;
                for (int i = 0; i < n; i++) {
                    for (int c = 0; c < K; c++) {
                        max = Math.max(max, Math.abs((double) out[i * K + c] - expected[i][c]));
                    }
                    assertEquals(argmax(expected[i]), argmax(Arrays.copyOfRange(out, i * K, i * K + K)),
                            r.format() + " image " + i);
                }
                System.out.printf("%s, batch %d, %d test images: max |diff| vs plain-Java reference = %.3g%n",
                        r.format(), batch, n, max);
                assertTrue(max <= 1e-4, r.format() + " batch " + batch + ": " + max);
            }
        }
    }

    @Test
    void logProbs_wrongImageCount_throwsIllegalArgument() throws Exception {
        try (FormatRunner onnx = OnnxRunner.open(ExportFixtures.model().resolve("model.onnx"))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> onnx.logProbs(new float[783], 1, 1));
            assertTrue(e.getMessage().contains("784"), e.getMessage());
        }
    }

    private static int argmax(float[] row) {
        int best = 0;
        for (int c = 1; c < row.length; c++) {
            if (row[c] > row[best]) {
                best = c;
            }
        }
        return best;
    }

    // ---- the comparison on synthetic outputs ----

    private static float[] rows(int n, long seed) {
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(seed);
        float[] v = new float[n * K];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (-rnd.nextDouble() * 20);
        }
        return v;
    }

    private static byte[] labelsOf(float[] lp, int n) {
        byte[] labels = new byte[n];
        for (int i = 0; i < n; i++) {
            labels[i] = (byte) ParityCheckAccess.argmax(lp, i * K);
        }
        return labels;
    }

    /** Same argmax as the check (first maximum). */
    private static final class ParityCheckAccess {
        static int argmax(float[] v, int from) {
            int best = 0;
            for (int c = 1; c < K; c++) {
                if (v[from + c] > v[from + best]) {
                    best = c;
                }
            }
            return best;
        }
    }

    private static ParityReport compare(float[] a, float[] b, float[] c, byte[] labels, int n) {
        return ParityCheck.compare("mnist", labels, n, List.of(new ParityCheck.Output("trained", "t", a),
                new ParityCheck.Output("torchscript", "ts", b), new ParityCheck.Output("onnx", "o", c)), 1e-4,
                Map.of(), List.of());
    }

    @Test
    void compare_identicalOutputs_passesWithZeroDiff() {
        float[] a = rows(50, 1);
        ParityReport r = compare(a, a.clone(), a.clone(), labelsOf(a, 50), 50);
        assertTrue(r.passed());
        assertEquals(0.0, r.maxAbsDiff());
        assertNull(r.firstDivergence());
        assertNull(r.failureMessage());
        assertEquals(100.0, r.format("onnx").accuracy());
    }

    @Test
    void compare_diffAboveTolerance_failsNamingFirstDivergingSampleAndPair() {
        int n = 50;
        float[] a = rows(n, 2);
        float[] onnx = a.clone();
        onnx[17 * K + 3] += 2e-4f;   // image 17, a class that is not the argmax in most rows
        onnx[30 * K + 1] += 5e-3f;   // a bigger difference later
        float[] ts = a.clone();
        ts[40 * K + 2] += 1e-3f;
        ParityReport r = compare(a, ts, onnx, labelsOf(a, n), n);
        assertFalse(r.passed());
        assertNotNull(r.firstDivergence());
        assertEquals(17, r.firstDivergence().index());
        assertEquals("trained", r.firstDivergence().first());
        assertEquals("onnx", r.firstDivergence().second());
        String msg = r.failureMessage();
        assertTrue(msg.contains("test image 17") && msg.contains("trained vs onnx"), msg);
        ParityReport.PairResult p = r.pair("trained", "onnx");
        assertEquals(30, p.maxDiffIndex());
        assertEquals(5e-3, p.maxAbsDiff(), 1e-5);
        assertEquals(17, p.firstDivergingIndex());
        assertEquals(40, r.pair("trained", "torchscript").firstDivergingIndex());
        assertTrue(r.table().contains("FAIL"), r.table());
    }

    @Test
    void compare_argmaxFlipWithinTolerance_failsAsNearTie() {
        int n = 10;
        float[] a = rows(n, 3);
        // image 4: make classes 2 and 5 tie within 1e-6, the other format sees the opposite order
        for (int c = 0; c < K; c++) {
            a[4 * K + c] = -10f;
        }
        a[4 * K + 2] = -0.5f;
        a[4 * K + 5] = -0.500001f;
        float[] b = a.clone();
        b[4 * K + 2] = -0.500002f;
        ParityReport r = compare(a, a.clone(), b, labelsOf(a, n), n);
        assertFalse(r.passed());
        assertEquals(4, r.firstDivergence().index());
        assertTrue(r.firstDivergence().reason().contains("argmax 2 vs 5"), r.firstDivergence().reason());
        assertEquals(n - 1, r.pair("trained", "onnx").argmaxAgreements());
    }

    @Test
    void compare_nanOutput_failsWithInfiniteDiff() {
        int n = 5;
        float[] a = rows(n, 4);
        float[] b = a.clone();
        b[2 * K + 7] = Float.NaN;
        ParityReport r = compare(a, b, a.clone(), labelsOf(a, n), n);
        assertFalse(r.passed());
        assertEquals(2, r.firstDivergence().index());
        assertEquals(Double.POSITIVE_INFINITY, r.pair("trained", "torchscript").maxAbsDiff());
    }

    @Test
    void toJson_report_hasDocumentedFields() throws Exception {
        ParityReport r = ExportFixtures.export().parity();
        JsonNode j = new ObjectMapper().readTree(r.toJson());
        for (String f : List.of("passed", "dataset", "images", "tolerance", "formats", "pairs", "first_divergence",
                "files", "notes", "created")) {
            assertTrue(j.has(f), "missing " + f + " in " + j);
        }
        JsonNode pair = j.get("pairs").get(0);
        for (String f : List.of("first", "second", "max_abs_diff", "max_diff_index", "argmax_agreements", "images",
                "first_diverging_index", "passed")) {
            assertTrue(pair.has(f), "missing pairs[0]." + f);
        }
        assertEquals(r.pairs().get(0).maxAbsDiff(), pair.get("max_abs_diff").asDouble(), 0.0);
    }
}
