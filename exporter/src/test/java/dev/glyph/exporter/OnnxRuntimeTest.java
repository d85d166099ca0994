package dev.glyph.exporter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.glyph.exporter.internal.OnnxWriter;
import dev.glyph.trainer.ModelWeights;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The written model loads in ONNX Runtime 1.23.2 (Java, CPU) and matches the plain-Java forward pass. */
class OnnxRuntimeTest {

    private static final Logger LOG = LoggerFactory.getLogger(OnnxRuntimeTest.class);

    @TempDir
    static Path dir;

    private static ModelWeights weights;
    private static OrtEnvironment env;
    private static OrtSession session;

    @BeforeAll
    static void load() throws Exception {
        weights = OnnxTestSupport.randomWeights(2024);
        Path model = dir.resolve("model.onnx");
        OnnxWriter.write(weights, Map.of("dataset", "mnist"), model);
        env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            session = env.createSession(model.toString(), options);
        }
    }

    @AfterAll
    static void close() throws OrtException {
        if (session != null) {
            session.close();
        }
    }

    @Test
    void createSession_writtenModel_reportsSymbolicBatchAndNames() throws OrtException {
        assertEquals(List.of("image"), List.copyOf(session.getInputNames()));
        assertEquals(List.of("log_probs", "probs"), List.copyOf(session.getOutputNames()));
        TensorInfo in = (TensorInfo) session.getInputInfo().get("image").getInfo();
        assertArrayEquals(new long[] {-1, 1, 28, 28}, in.getShape());
        assertEquals("batch", in.getDimensionNames()[0]);
        for (NodeInfo out : session.getOutputInfo().values()) {
            TensorInfo t = (TensorInfo) out.getInfo();
            assertArrayEquals(new long[] {-1, 10}, t.getShape());
            assertEquals("batch", t.getDimensionNames()[0]);
        }
        assertEquals("glyph", session.getMetadata().getProducerName());
        assertEquals("mnistnet", session.getMetadata().getGraphName());
        assertEquals("mnist", session.getMetadata().getCustomMetadataValue("dataset").orElseThrow());
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 64})
    void run_randomImages_matchesReferenceForward(int n) throws OrtException {
        float[] images = OnnxTestSupport.randomImages(100 + n, n);

        float[][] logProbs;
        float[][] probs;
        try (OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(images), new long[] {n, 1, 28, 28});
                OrtSession.Result r = session.run(Map.of("image", x))) {
            logProbs = (float[][]) r.get("log_probs").orElseThrow().getValue();
            probs = (float[][]) r.get("probs").orElseThrow().getValue();
        }
        float[][] expected = ReferenceForward.logProbs(weights, images, n);

        assertEquals(n, logProbs.length);
        double maxDiff = 0;
        double maxSumError = 0;
        double maxExpError = 0;
        double minSpread = Double.MAX_VALUE;
        for (int i = 0; i < n; i++) {
            assertEquals(10, logProbs[i].length);
            double sum = 0;
            double lo = Double.MAX_VALUE;
            double hi = -Double.MAX_VALUE;
            for (int c = 0; c < 10; c++) {
                maxDiff = Math.max(maxDiff, Math.abs(logProbs[i][c] - expected[i][c]));
                maxExpError = Math.max(maxExpError, Math.abs(probs[i][c] - Math.exp(logProbs[i][c])));
                sum += probs[i][c];
                lo = Math.min(lo, expected[i][c]);
                hi = Math.max(hi, expected[i][c]);
            }
            maxSumError = Math.max(maxSumError, Math.abs(sum - 1));
            minSpread = Math.min(minSpread, hi - lo);
        }
        LOG.info("batch {}: max |ORT - reference| log_probs = {}, max |sum(probs) - 1| = {}, "
                + "max |probs - exp(log_probs)| = {}, min row spread = {}", n, maxDiff, maxSumError, maxExpError,
                minSpread);

        // The comparison is only meaningful if the outputs are not (nearly) uniform.
        assertTrue(minSpread > 0.01, "reference outputs too flat to compare: spread " + minSpread);
        assertTrue(maxDiff <= 1e-4, "max |diff| " + maxDiff);
        assertTrue(maxSumError <= 1e-5, "max |sum(probs) - 1| " + maxSumError);
        assertTrue(maxExpError <= 1e-6, "max |probs - exp(log_probs)| " + maxExpError);
    }
}
