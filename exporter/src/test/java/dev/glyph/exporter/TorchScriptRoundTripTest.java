package dev.glyph.exporter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.EngineException;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.translate.NoopTranslator;
import ai.djl.util.Pair;
import ai.djl.util.PairList;
import dev.glyph.exporter.internal.TorchScriptWriter;
import dev.glyph.trainer.MnistNet;
import dev.glyph.trainer.ModelWeights;
import dev.glyph.trainer.Tensor;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Writes seeded random weights with {@link TorchScriptWriter} and loads them back through DJL's PyTorch engine
 * (libtorch 2.7.1): parameters, extra file and forward parity against {@link ReferenceForward}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TorchScriptRoundTripTest {

    private static final String PROVENANCE = "{\"trainer\":\"glyph\",\"seed\":42,\"note\":\"Grüße\"}";

    private Path dir;
    private ModelWeights weights;
    private Path pt;

    @BeforeAll
    void writeModel(@TempDir Path tempDir) throws Exception {
        dir = tempDir;
        weights = TorchScriptFixtures.randomWeights(20240601L);
        pt = dir.resolve("model.pt");
        TorchScriptWriter.write(weights, Map.of("provenance.json", PROVENANCE.getBytes(StandardCharsets.UTF_8)), pt);
    }

    private Model load() throws Exception {
        Model model = Model.newInstance("mnist", Device.cpu(), "PyTorch");
        try {
            model.load(dir, "model", Map.of("extraFiles", "provenance.json"));
            return model;
        } catch (Exception e) {
            model.close();
            throw e;
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 64})
    void forward_djlLoadedModule_matchesReferenceForward(int n) throws Exception {
        float[] images = TorchScriptFixtures.randomImages(n, 1000 + n);
        float[][] expected = ReferenceForward.logProbs(weights, images, n);
        float[] actual;
        try (Model model = load();
                Predictor<NDList, NDList> predictor = model.newPredictor(new NoopTranslator());
                NDManager manager = model.getNDManager().newSubManager()) {
            NDArray x = manager.create(images, new Shape(n, 1, 28, 28));
            NDList out = predictor.predict(new NDList(x));
            NDArray y = out.singletonOrThrow();
            assertEquals(new Shape(n, 10), y.getShape());
            actual = y.toFloatArray();
        }
        double maxDiff = TorchScriptFixtures.maxAbsDiff(expected, TorchScriptFixtures.rows(actual, 10));
        System.out.printf("TorchScript via DJL/libtorch 2.7.1, batch %d: max |diff| vs reference = %.3g%n", n,
                maxDiff);
        assertTrue(maxDiff <= 1e-4, "max |diff| " + maxDiff + " > 1e-4 for batch " + n);
    }

    /** Weights 4x the default init scale, so log-probs span tens of nats like a confident trained model. */
    @Test
    void forward_largeLogits_matchesReferenceForward(@TempDir Path other) throws Exception {
        ModelWeights big = TorchScriptFixtures.randomWeights(99, 4.0);
        TorchScriptWriter.write(big, Map.of(), other.resolve("model.pt"));
        int n = 64;
        float[] images = TorchScriptFixtures.randomImages(n, 100);
        float[][] expected = ReferenceForward.logProbs(big, images, n);
        float[] actual;
        try (Model model = Model.newInstance("mnist", Device.cpu(), "PyTorch")) {
            model.load(other, "model");
            try (Predictor<NDList, NDList> predictor = model.newPredictor(new NoopTranslator());
                    NDManager manager = model.getNDManager().newSubManager()) {
                NDList out = predictor.predict(new NDList(manager.create(images, new Shape(n, 1, 28, 28))));
                actual = out.singletonOrThrow().toFloatArray();
            }
        }
        double min = 0;
        for (float[] row : expected) {
            for (float v : row) {
                min = Math.min(min, v);
            }
        }
        double maxDiff = TorchScriptFixtures.maxAbsDiff(expected, TorchScriptFixtures.rows(actual, 10));
        System.out.printf("TorchScript via DJL, 4x-scale weights, batch %d (log-probs down to %.1f): max |diff| = %.3g%n",
                n, min, maxDiff);
        assertTrue(min < -10, "the weights should give confident predictions; smallest log-prob " + min);
        assertTrue(maxDiff <= 1e-4, "max |diff| " + maxDiff);
    }

    @Test
    void load_djl_blockHasTheEightReferenceParametersWithIdenticalValues() throws Exception {
        try (Model model = load()) {
            PtSymbolBlock block = assertInstanceOf(PtSymbolBlock.class, model.getBlock());
            PairList<String, Parameter> params = block.getParameters();
            List<String> names = new ArrayList<>();
            for (Pair<String, Parameter> p : params) {
                names.add(p.getKey());
            }
            assertEquals(MnistNet.parameterNames(), names);
            for (Tensor t : weights.tensors()) {
                NDArray a = params.get(t.name()).getArray();
                assertArrayEquals(t.shape(), a.getShape().getShape(), t.name());
                assertArrayEquals(t.data(), a.toFloatArray(), t.name() + " values changed in the round trip");
            }
        }
    }

    @Test
    void load_djlWithExtraFilesOption_returnsProvenanceBytes() throws Exception {
        try (Model model = load()) {
            assertEquals(PROVENANCE, model.getProperty("provenance.json"));
        }
    }

    @Test
    void load_truncatedFile_djlThrowsEngineException(@TempDir Path bad) throws Exception {
        byte[] full = Files.readAllBytes(pt);
        Files.write(bad.resolve("model.pt"), Arrays.copyOf(full, full.length / 2));
        try (Model model = Model.newInstance("mnist", Device.cpu(), "PyTorch")) {
            EngineException e = assertThrows(EngineException.class, () -> model.load(bad, "model"));
            System.out.println("truncated .pt via DJL: " + e.getClass().getName() + ": "
                    + e.getMessage().lines().findFirst().orElse(""));
            assertTrue(e.getMessage().contains("zip archive"), e.getMessage());
        }
    }
}
