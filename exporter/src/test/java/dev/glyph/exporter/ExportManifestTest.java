package dev.glyph.exporter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glyph.exporter.internal.OnnxRunner;
import dev.glyph.exporter.internal.SelfTestImages;
import dev.glyph.modelformat.ManifestFile;
import dev.glyph.modelformat.ModelFolder;
import dev.glyph.modelformat.SelfTest;
import dev.glyph.modelformat.Sha256;
import dev.glyph.exporter.internal.OnnxInspector;
import dev.glyph.exporter.internal.OnnxModelInfo;
import dev.glyph.trainer.TrainedRun;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What the shared export wrote: files, manifest fields, metadata inside both model files. */
class ExportManifestTest {

    private static Path dir;
    private static JsonNode manifest;
    private static TrainedRun run;

    @BeforeAll
    static void export() throws Exception {
        dir = ExportFixtures.model();
        manifest = new ObjectMapper().readTree(Files.readString(dir.resolve("manifest.json")));
        run = TrainedRun.open(ExportFixtures.run());
    }

    @Test
    void export_defaultOptions_writesExactlyTheThreeFilesAndNoStagingFolders() throws Exception {
        assertEquals(List.of("manifest.json", "model.onnx", "model.pt"), ModelFolder.list(dir));
        List<String> hidden = new ArrayList<>();
        for (String s : ModelFolder.list(dir.getParent())) {
            if (s.startsWith(".")) {
                hidden.add(s);
            }
        }
        assertEquals(List.of(), hidden, "staging folders left next to the model folder");
    }

    @Test
    void manifest_files_hashesAndSizesMatchTheFiles() throws Exception {
        JsonNode files = manifest.get("files");
        assertEquals(2, files.size());
        for (String f : List.of("model.onnx", "model.pt")) {
            Path p = dir.resolve(f);
            assertEquals(Sha256.hex(p), files.get(f).get("sha256").asText(), f);
            assertEquals(Files.size(p), files.get(f).get("size").asLong(), f);
            assertEquals(ExportFixtures.export().files().get(f).sha256(), files.get(f).get("sha256").asText());
        }
    }

    @Test
    void manifest_header_nameVersionFromFolderAndFormatVersions() {
        assertEquals(1, manifest.get("format_version").asInt());
        assertEquals("mnist", manifest.get("name").asText());
        assertEquals("1", manifest.get("version").asText());
        assertTrue(manifest.get("created").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ"),
                manifest.get("created").asText());
        assertEquals("glyph", manifest.get("producer").get("name").asText());
        assertFalse(manifest.get("producer").get("version").asText().isBlank());
        assertFalse(manifest.get("producer").get("version").asText().contains("${"), "unfiltered version");
        assertEquals(8, manifest.get("onnx").get("ir_version").asInt());
        assertEquals(17, manifest.get("onnx").get("opset").asInt());
        assertEquals(3, manifest.get("torchscript").get("file_format_version").asInt());
        assertEquals("mnist", manifest.get("dataset").asText());
    }

    @Test
    void manifest_schema_inputOutputsAndLabels() {
        JsonNode in = manifest.get("input");
        assertEquals("image", in.get("name").asText());
        assertEquals("float32", in.get("dtype").asText());
        assertEquals("[-1,1,28,28]", in.get("shape").toString());
        assertEquals("NCHW", in.get("layout").asText());
        assertEquals("[0.0,1.0]", in.get("value_range").toString());
        JsonNode outs = manifest.get("outputs");
        assertEquals(2, outs.size());
        assertEquals("log_probs", outs.get(0).get("name").asText());
        assertEquals("probs", outs.get(1).get("name").asText());
        for (JsonNode o : outs) {
            assertEquals("float32", o.get("dtype").asText());
            assertEquals("[-1,10]", o.get("shape").toString());
        }
        assertEquals("[\"0\",\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\"]", manifest.get("labels").toString());
    }

    @Test
    void manifest_provenance_equalsTheRunsProvenance() {
        assertEquals(run.provenance(), manifest.get("provenance"));
        assertEquals(run.epochs(), manifest.get("source_run").get("epochs").asInt());
    }

    @Test
    void manifest_accuracy_trainedIsTheRunsFullTestAccuracyFilesOnTheParitySubset() {
        JsonNode acc = manifest.get("accuracy");
        JsonNode n = manifest.get("accuracy_images");
        assertEquals(run.testAccuracy(), acc.get("trained").asDouble(), 0.0);
        assertEquals(10_000, n.get("trained").asInt());
        JsonNode parity = manifest.get("parity");
        for (JsonNode f : parity.get("formats")) {
            String format = f.get("format").asText();
            if (!format.equals("trained")) {
                assertEquals(f.get("accuracy").asDouble(), acc.get(format).asDouble(), 0.0, format);
                assertEquals(1000, n.get(format).asInt(), format);
            }
        }
        assertTrue(acc.has("torchscript") && acc.has("onnx"), acc.toString());
        assertTrue(acc.get("trained").asDouble() > 10, "a trained model beats chance: " + acc);
    }

    @Test
    void manifest_parity_passedOnThousandImagesWithThreeFormats() {
        JsonNode parity = manifest.get("parity");
        assertTrue(parity.get("passed").asBoolean());
        assertEquals(1000, parity.get("images").asInt());
        assertEquals(3, parity.get("formats").size());
        assertEquals(3, parity.get("pairs").size());
        assertTrue(parity.get("first_divergence").isNull());
        assertEquals(manifest.get("files").get("model.onnx").get("sha256").asText(),
                parity.get("files").get("model.onnx").asText());
    }

    @Test
    void manifest_selfTest_fourFixedImagesThatTheOnnxFileReproduces() throws Exception {
        SelfTest t = ManifestFile.read(dir).manifest().selfTest();
        assertNotNull(t, "export records a self test");
        assertEquals(4, t.cases().size());
        assertEquals(SelfTest.DEFAULT_TOLERANCE, t.tolerance());
        assertEquals(Base64.getEncoder().encodeToString(new byte[784]),
                manifest.get("self_test").get("images").get(0).get("gray8_base64").asText(), "the first image is blank");
        List<byte[]> images = SelfTestImages.all();
        try (OnnxRunner onnx = OnnxRunner.open(dir.resolve("model.onnx"))) {
            for (int i = 0; i < 4; i++) {
                SelfTest.Case c = t.cases().get(i);
                assertArrayEquals(images.get(i), c.gray8(), "image " + i);
                float[] again = onnx.logProbs(c.pixels(), 1, 1);
                assertTrue(c.maxAbsDiff(again) <= 1e-6, "image " + i + ": " + c.maxAbsDiff(again));
                double sum = 0;
                for (float v : c.logProbs()) {
                    sum += Math.exp(v);
                }
                assertEquals(1.0, sum, 1e-4, "log-probabilities of image " + i);
            }
        }
        assertEquals(t, ModelFiles.selfTest(Files.readAllBytes(dir.resolve("model.onnx"))), "deterministic");
    }

    @Test
    void onnx_metadata_carriesProvenanceDatasetAccuracyAndProducer() throws Exception {
        OnnxModelInfo info = OnnxInspector.inspect(dir.resolve("model.onnx"));
        assertEquals(8, info.irVersion());
        assertEquals(17, info.defaultOpset());
        assertEquals(List.of(), OnnxInspector.contractProblems(info));
        assertEquals("glyph", info.producerName());
        assertEquals(manifest.get("producer").get("version").asText(), info.producerVersion());
        assertEquals(run.provenanceJson(), info.metadata().get("provenance"));
        assertEquals("mnist", info.metadata().get("dataset"));
        assertEquals(String.format(java.util.Locale.ROOT, "%.2f", run.testAccuracy()),
                info.metadata().get("test_accuracy"));
        assertEquals("10000", info.metadata().get("test_accuracy_images"));
        assertEquals("mnist", info.metadata().get("model_name"));
        assertEquals("1", info.metadata().get("model_version"));
    }

    @Test
    void torchscript_extraFile_isTheRunsProvenanceVerbatim() throws Exception {
        try (ZipFile zip = new ZipFile(dir.resolve("model.pt").toFile())) {
            var entry = zip.getEntry("archive/extra/provenance.json");
            assertNotNull(entry, "archive/extra/provenance.json");
            String text = new String(zip.getInputStream(entry).readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(run.provenanceJson(), text);
            assertEquals("3", new String(zip.getInputStream(zip.getEntry("archive/version")).readAllBytes(),
                    StandardCharsets.US_ASCII).trim());
        }
    }
}
