package dev.glyph.testfixtures;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glyph.exporter.ModelFiles;
import dev.glyph.modelformat.Manifest;
import dev.glyph.modelformat.ManifestFile;
import dev.glyph.modelformat.ModelFolder;
import dev.glyph.modelformat.SelfTest;
import dev.glyph.onnxschema.ModelProto;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestModelsTest {

    @TempDir
    Path tmp;

    @Test
    void folder_seed_writesOnnxAndAManifestThatVerifies() throws Exception {
        Path dir = TestModels.folder(tmp.resolve("models/mnist/1"), 42);
        assertEquals(List.of("manifest.json", "model.onnx"), ModelFolder.list(dir));
        ManifestFile m = ManifestFile.read(dir);
        byte[] onnx = ModelFolder.readVerified(dir, m, ModelFolder.ONNX);
        assertArrayEquals(TestModels.onnxBytes(TestModels.randomWeights(42)), onnx);
        Manifest manifest = m.manifest();
        assertEquals("image", manifest.input().name());
        assertEquals(TestModels.PROVENANCE, manifest.provenance().toString());
        assertEquals(10, manifest.labels().size());
    }

    @Test
    void folder_seed_manifestCarriesTheSelfTestOfItsOnnxBytes() throws Exception {
        Path dir = TestModels.folder(tmp.resolve("models/mnist/1"), 42);
        SelfTest t = ManifestFile.read(dir).manifest().selfTest();
        assertNotNull(t);
        assertEquals(4, t.cases().size());
        byte[] onnx = Files.readAllBytes(dir.resolve("model.onnx"));
        assertEquals(ModelFiles.selfTest(onnx), t, "computed through ONNX Runtime on the written bytes");
        SelfTest other = ManifestFile.read(TestModels.folder(tmp.resolve("other/1"), 43)).manifest().selfTest();
        assertNotEquals(t.cases().get(3), other.cases().get(3), "other weights, other log-probabilities");
        for (int i = 0; i < 4; i++) {
            assertArrayEquals(t.cases().get(i).gray8(), other.cases().get(i).gray8(), "the same fixed images");
        }
    }

    @Test
    void folder_bytesOnnxRuntimeCannotRun_manifestWithoutSelfTest() throws Exception {
        Path junk = TestModels.folder(tmp.resolve("junk/1"), "not onnx".getBytes(StandardCharsets.UTF_8));
        assertNull(ManifestFile.read(junk).manifest().selfTest());
        byte[] onnx = TestModels.onnxBytes(TestModels.randomWeights(5));
        Path renamed = TestModels.folder(tmp.resolve("renamed/1"), TestModels.renameInput(onnx, "pixels"));
        assertNull(ManifestFile.read(renamed).manifest().selfTest());
        Path fixed = TestModels.folder(tmp.resolve("fixed/1"), TestModels.fixedBatch(onnx));
        assertEquals(ModelFiles.selfTest(onnx), ManifestFile.read(fixed).manifest().selfTest(),
                "a fixed batch of 1 still runs the one-image self test, with the same results");
    }

    @Test
    void randomWeights_sameSeed_sameWeightsOtherSeedOther() {
        assertEquals(TestModels.randomWeights(1).tensors().get(0), TestModels.randomWeights(1).tensors().get(0));
        assertFalse(TestModels.randomWeights(1).tensors().get(0).equals(TestModels.randomWeights(2).tensors().get(0)));
    }

    @Test
    void mutations_renameInputAndFixedBatch_changeOnlyThat() throws Exception {
        byte[] onnx = TestModels.onnxBytes(TestModels.randomWeights(3));
        ModelProto renamed = ModelProto.parseFrom(TestModels.renameInput(onnx, "pixels"));
        assertEquals("pixels", renamed.getGraph().getInput(0).getName());
        assertEquals("pixels", renamed.getGraph().getNode(0).getInput(0));
        ModelProto fixed = ModelProto.parseFrom(TestModels.fixedBatch(onnx));
        assertEquals(1, fixed.getGraph().getInput(0).getType().getTensorType().getShape().getDim(0).getDimValue());
    }

    @Test
    void images_seeded_inRangeAndDeterministic() {
        List<float[]> a = TestModels.randomPixels(3, 9);
        assertArrayEquals(a.get(2), TestModels.randomPixels(3, 9).get(2));
        for (float v : a.get(0)) {
            assertTrue(v >= 0 && v <= 1);
        }
        assertEquals(784, TestModels.gray8Images(2, 1).get(1).length);
        assertTrue(Files.exists(tmp));
    }
}
