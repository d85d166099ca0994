package dev.glyph.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glyph.modelformat.ModelFolder;
import dev.glyph.modelformat.TritonConfig;
import dev.glyph.modelformat.VersionPolicy;
import dev.glyph.modelformat.triton.ModelConfig;
import dev.glyph.modelformat.triton.ModelInstanceGroup;
import dev.glyph.testtools.OutsideTools;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Triton's config.pbtxt next to the exported version folder: written for a new model, merged into a user's file,
 * a broken or foreign file refused, and read by an outside parser (Debian's python3-protobuf text_format on the
 * schema compiled by python3-grpc-tools' protoc).
 */
class ExportTritonConfigTest {

    @TempDir
    Path tmp;

    /** A user's config of the model folder {@code digits}, with fields Glyph does not own. */
    private static final String USER_CONFIG = """
            # tuned by hand
            name: "digits"
            version_policy: { specific: { versions: [ 1, 3 ] } }
            max_batch_size: 8
            output [ { name: "probs" data_type: TYPE_FP32 dims: [ 10 ] label_filename: "labels.txt" } ]
            instance_group [ { kind: KIND_CPU count: 2 } ]
            parameters { key: "intra_op_thread_count" value: { string_value: "1" } }
            dynamic_batching { max_queue_delay_microseconds: 100 preferred_batch_size: [ 4 ] }
            """;

    private static ExportOptions opts() {
        return ExportOptions.defaults().withDataDir(ExportFixtures.DATA).withParityImages(100);
    }

    @Test
    void export_newModelFolder_writesGlyphsConfigNextToTheVersionFolder() throws Exception {
        Path model = ExportFixtures.model();
        Path file = model.getParent().resolve("config.pbtxt");
        assertEquals(file, ExportFixtures.export().tritonConfig());
        String text = Files.readString(file);
        assertTrue(text.startsWith("# Triton model configuration"), text);
        assertEquals(TritonConfig.forGlyphModel("mnist", 64, 2000), TritonConfig.parseStrict(text));
        assertEquals(VersionPolicy.latest(1), VersionPolicy.readFor(model.getParent()));
        assertFalse(ModelFolder.list(model).contains("config.pbtxt"), "config.pbtxt is not in the version folder");
    }

    @Test
    void export_existingUserConfig_updatesOnlyGlyphsFieldsAndKeepsTheRest() throws Exception {
        Path modelDir = Files.createDirectories(tmp.resolve("models").resolve("digits"));
        Path file = Files.writeString(modelDir.resolve("config.pbtxt"), USER_CONFIG);
        ModelConfig user = TritonConfig.parseStrict(USER_CONFIG);

        ExportResult r = Exporter.export(ExportFixtures.run(), modelDir.resolve("3"), opts().withMaxBatchSize(32)
                .withMaxQueueDelayMicros(999).withName("digits-manifest-name"));

        assertEquals(file, r.tritonConfig());
        ModelConfig c = TritonConfig.readStrict(file);
        assertEquals("digits", c.getName(), "Triton's name is the folder's, not --name");
        assertEquals("onnxruntime_onnx", c.getPlatform());
        assertEquals(32, c.getMaxBatchSize());
        assertEquals(TritonConfig.forGlyphModel("digits", 32, 0).getInputList(), c.getInputList());
        assertEquals(List.of("log_probs", "probs"), c.getOutputList().stream().map(o -> o.getName()).toList());
        assertEquals("labels.txt", c.getOutput(1).getLabelFilename());
        assertEquals(user.getVersionPolicy(), c.getVersionPolicy());
        assertEquals(VersionPolicy.specific(List.of(1L, 3L)), VersionPolicy.readFor(modelDir));
        assertEquals(ModelInstanceGroup.Kind.KIND_CPU, c.getInstanceGroup(0).getKind());
        assertEquals(2, c.getInstanceGroup(0).getCount());
        assertEquals("1", c.getParametersOrThrow("intra_op_thread_count").getStringValue());
        assertEquals(100, c.getDynamicBatching().getMaxQueueDelayMicroseconds(), "the user's batching stays");
        assertEquals(List.of("3", "config.pbtxt"), ModelFolder.list(modelDir), "no temporary file left");

        // Exporting another version with the same options changes nothing, so the file is not rewritten.
        String written = Files.readString(file);
        Files.writeString(file, "# my note\n" + written);
        ExportResult again = Exporter.export(ExportFixtures.run(), modelDir.resolve("4"), opts().withMaxBatchSize(32));
        assertEquals(file, again.tritonConfig());
        assertEquals("# my note\n" + written, Files.readString(file), "an up-to-date file keeps its comments");
    }

    @Test
    void export_brokenExistingConfig_refusedBeforeAnythingIsWritten() throws Exception {
        Path modelDir = Files.createDirectories(tmp.resolve("models").resolve("mnist"));
        String broken = "name: \"mnist\"\nmax_batch_size: 8\ninput { name: \"image\"\n";
        Path file = Files.writeString(modelDir.resolve("config.pbtxt"), broken);
        ExportException e = assertThrows(ExportException.class,
                () -> Exporter.export(ExportFixtures.run(), modelDir.resolve("1"), opts()));
        assertTrue(e.getMessage().startsWith(file + ":4:1: "), e.getMessage());
        assertTrue(e.getMessage().contains("does not overwrite a config.pbtxt"), e.getMessage());
        assertEquals(broken, Files.readString(file));
        assertEquals(List.of("config.pbtxt"), ModelFolder.list(modelDir), "no version folder, no staging folder");
    }

    @Test
    void export_existingConfigWithUndeclaredFields_refusedSoNothingIsLost() throws Exception {
        Path modelDir = Files.createDirectories(tmp.resolve("models").resolve("mnist"));
        String seq = "name: \"mnist\"\nsequence_batching { max_sequence_idle_microseconds: 5 }\n";
        Path file = Files.writeString(modelDir.resolve("config.pbtxt"), seq);
        ExportException e = assertThrows(ExportException.class,
                () -> Exporter.export(ExportFixtures.run(), modelDir.resolve("1"), opts()));
        assertTrue(e.getMessage().contains(file + ":2:1: field inference.ModelConfig.sequence_batching"),
                e.getMessage());
        assertEquals(seq, Files.readString(file));
        assertEquals(List.of("config.pbtxt"), ModelFolder.list(modelDir));
    }

    @Test
    void export_versionFolderNotANumber_writesNoConfig() throws Exception {
        Path out = tmp.resolve("models").resolve("mnist").resolve("candidate");
        ExportResult r = Exporter.export(ExportFixtures.run(), out, opts());
        assertNull(r.tritonConfig());
        assertEquals(List.of("candidate"), ModelFolder.list(out.getParent()));
    }

    @Test
    void exportedConfig_pythonTextFormat_parsesStrictlyIntoTheSameMessage() throws Exception {
        Path python = OutsideTools.requirePython("grpc_tools.protoc", "google.protobuf.text_format");
        Path protoFile = tmp.resolve("proto").resolve("triton").resolve("model_config.proto");
        Files.createDirectories(protoFile.getParent());
        try (InputStream in = TritonConfig.class.getResourceAsStream("/triton/model_config.proto")) {
            assertNotNull(in, "model-format's jar carries triton/model_config.proto");
            Files.copy(in, protoFile);
        }
        Path script = tmp.resolve("triton_config_reader.py");
        try (InputStream in = getClass().getResourceAsStream("/triton_config_reader.py")) {
            assertNotNull(in, "test resource triton_config_reader.py");
            Files.copy(in, script);
        }
        Path merged = Files.createDirectories(tmp.resolve("models").resolve("digits"));
        Files.writeString(merged.resolve("config.pbtxt"), USER_CONFIG);
        Exporter.export(ExportFixtures.run(), merged.resolve("1"), opts());

        for (Path config : List.of(ExportFixtures.export().tritonConfig(), merged.resolve("config.pbtxt"))) {
            Path out = Files.createDirectories(tmp.resolve("py-" + config.getParent().getFileName()));
            TorchScriptFixtures.Result r = TorchScriptFixtures.run(List.of(python.toString(), script.toString(),
                    protoFile.toString(), config.toString(), out.toString()), 120);
            assertEquals(0, r.exitCode(), "python could not parse " + config + ":\n" + r.stderr());
            JsonNode report = new ObjectMapper().readTree(r.stdout().lines().reduce((a, b) -> b).orElse(""));
            assertEquals("inference.ModelConfig", report.get("full_name").asText());
            JsonNode c = report.get("config");
            assertEquals(config.getParent().getFileName().toString(), c.get("name").asText());
            assertEquals("onnxruntime_onnx", c.get("platform").asText());
            assertEquals("TYPE_FP32", c.get("input").get(0).get("data_type").asText());
            assertEquals("[\"1\",\"28\",\"28\"]", c.get("input").get(0).get("dims").toString());
            ModelConfig java = TritonConfig.readStrict(config);
            assertEquals(java, TritonConfig.parseStrict(report.get("text").asText()),
                    "Python's text of the message is the same message in Java");
            System.out.printf("python text_format.Parse(%s): ok, max_batch_size %s%n", config,
                    c.get("max_batch_size").asText());
        }
    }
}
