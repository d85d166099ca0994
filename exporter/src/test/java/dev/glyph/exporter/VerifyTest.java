package dev.glyph.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glyph.trainer.TrainedRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Verifier} on intact model folders: the full test set, the run folder choice, parity.json. */
class VerifyTest {

    @TempDir
    Path tmp;

    @Test
    void verify_fullTestSetWithRun_passesAndWritesParityJson() throws Exception {
        Path model = ExportFixtures.copyModel(tmp.resolve("mnist").resolve("1"));
        long t0 = System.nanoTime();
        ParityReport r = Verifier.verify(model, VerifyOptions.defaults().withDataDir(ExportFixtures.DATA)
                .withRunDir(ExportFixtures.run()));
        System.out.printf("verify on the full test set took %.1f s%n%s", (System.nanoTime() - t0) / 1e9, r.table());
        assertTrue(r.passed(), r.table());
        assertEquals(10_000, r.images());
        assertEquals(List.of("trained", "torchscript", "onnx"),
                r.formats().stream().map(ParityReport.FormatResult::format).toList());
        for (ParityReport.PairResult p : r.pairs()) {
            assertTrue(p.maxAbsDiff() <= 1e-4, p.label() + " " + p.maxAbsDiff());
            assertEquals(10_000, p.argmaxAgreements(), p.label());
        }
        TrainedRun run = TrainedRun.open(ExportFixtures.run());
        // The trainer measured the same weights on the same split: the same accuracy to rounding.
        assertEquals(run.testAccuracy(), r.format("trained").accuracy(), 0.011);

        JsonNode written = new ObjectMapper().readTree(Files.readString(model.resolve("parity.json")));
        assertTrue(written.get("passed").asBoolean());
        assertEquals(10_000, written.get("images").asInt());
        assertEquals(r.pairs().get(1).maxAbsDiff(), written.get("pairs").get(1).get("max_abs_diff").asDouble(), 0.0);
        JsonNode manifest = new ObjectMapper().readTree(Files.readString(model.resolve("manifest.json")));
        assertEquals(manifest.get("files").get("model.pt").get("sha256").asText(),
                written.get("files").get("model.pt").asText());
    }

    @Test
    void verify_noRunOption_takesRunFolderFromProvenance() throws Exception {
        Path model = ExportFixtures.copyModel(tmp.resolve("m"));
        ParityReport r = Verifier.verify(model, VerifyOptions.defaults().withDataDir(ExportFixtures.DATA)
                .withImages(300).withWriteReport(false));
        assertTrue(r.passed(), r.table());
        assertEquals(3, r.formats().size());
        assertTrue(r.notes().stream().anyMatch(n -> n.contains("provenance config.out_dir")), r.notes().toString());
        assertFalse(Files.exists(model.resolve("parity.json")), "withWriteReport(false) must not write parity.json");
    }

    @Test
    void verify_runFolderFromProvenanceMissing_skipsTrainedModelWithNote() throws Exception {
        Path model = ExportFixtures.copyModel(tmp.resolve("m"));
        ObjectMapper json = new ObjectMapper();
        ObjectNode manifest = (ObjectNode) json.readTree(Files.readString(model.resolve("manifest.json")));
        ((ObjectNode) manifest.get("provenance").get("config")).put("out_dir", tmp.resolve("gone").toString());
        Files.writeString(model.resolve("manifest.json"), json.writeValueAsString(manifest));

        ParityReport r = Verifier.verify(model, VerifyOptions.defaults().withDataDir(ExportFixtures.DATA)
                .withImages(200));
        System.out.print(r.table());
        assertTrue(r.passed(), r.table());
        assertEquals(List.of("torchscript", "onnx"), r.formats().stream().map(ParityReport.FormatResult::format).toList());
        assertEquals(1, r.pairs().size());
        assertTrue(r.notes().get(0).contains("trained model skipped") && r.notes().get(0).contains("gone"),
                r.notes().toString());
        assertTrue(Files.exists(model.resolve("parity.json")));
    }

    @Test
    void verify_moreImagesThanTheSplit_throwsIllegalArgument() throws Exception {
        Path model = ExportFixtures.copyModel(tmp.resolve("m"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Verifier.verify(model,
                VerifyOptions.defaults().withDataDir(ExportFixtures.DATA).withImages(10_001)));
        assertTrue(e.getMessage().contains("10001") && e.getMessage().contains("10000"), e.getMessage());
    }

    @Test
    void verify_missingDataFolder_saysPassDataOrFetch() throws Exception {
        Path model = ExportFixtures.copyModel(tmp.resolve("m"));
        VerifyException e = assertThrows(VerifyException.class, () -> Verifier.verify(model,
                VerifyOptions.defaults().withDataDir(tmp.resolve("no-data"))));
        assertTrue(e.getMessage().contains("--data") && e.getMessage().contains("./glyph fetch"), e.getMessage());
    }

    @Test
    void verify_missingRunFolder_failsNamingTheOption() throws Exception {
        Path model = ExportFixtures.copyModel(tmp.resolve("m"));
        VerifyException e = assertThrows(VerifyException.class, () -> Verifier.verify(model,
                VerifyOptions.defaults().withDataDir(ExportFixtures.DATA).withRunDir(tmp.resolve("no-run"))));
        assertTrue(e.getMessage().startsWith("--run ") && e.getMessage().contains("does not exist"), e.getMessage());
        assertFalse(Files.exists(model.resolve("parity.json")));
    }

    @Test
    void verify_onnxFromOtherWeightsWithMatchingManifest_failsNamingFirstImageAndPair() throws Exception {
        Path model = ExportFixtures.copyModel(tmp.resolve("m"));
        // Hashes are right, content is wrong: an ONNX file with other weights, listed with its true hash.
        dev.glyph.exporter.internal.OnnxWriter.write(OnnxTestSupport.randomWeights(5), java.util.Map.of(),
                model.resolve("model.onnx"));
        ObjectMapper json = new ObjectMapper();
        ObjectNode manifest = (ObjectNode) json.readTree(Files.readString(model.resolve("manifest.json")));
        ((ObjectNode) manifest.get("files").get("model.onnx"))
                .put("sha256", dev.glyph.modelformat.Sha256.hex(model.resolve("model.onnx")))
                .put("size", Files.size(model.resolve("model.onnx")));
        Files.writeString(model.resolve("manifest.json"), json.writeValueAsString(manifest));

        ParityReport r = Verifier.verify(model, VerifyOptions.defaults().withDataDir(ExportFixtures.DATA)
                .withRunDir(ExportFixtures.run()).withImages(100));

        assertFalse(r.passed());
        assertEquals(0, r.firstDivergence().index());
        assertEquals("trained", r.firstDivergence().first());
        assertEquals("onnx", r.firstDivergence().second());
        assertTrue(r.pair("trained", "torchscript").passed(), r.table());
        assertFalse(r.pair("torchscript", "onnx").passed());
        String msg = r.failureMessage();
        System.out.println("verify: " + msg);
        assertTrue(msg.contains("test image 0") && msg.contains("trained vs onnx"), msg);
        JsonNode written = json.readTree(Files.readString(model.resolve("parity.json")));
        assertFalse(written.get("passed").asBoolean());
        assertEquals(0, written.get("first_divergence").get("index").asInt());
    }
}
