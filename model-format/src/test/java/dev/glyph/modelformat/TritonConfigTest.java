package dev.glyph.modelformat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glyph.modelformat.triton.DataType;
import dev.glyph.modelformat.triton.ModelConfig;
import dev.glyph.modelformat.triton.ModelInstanceGroup;
import dev.glyph.modelformat.triton.ModelOutput;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TritonConfigTest {

    @TempDir
    Path tmp;

    /** A config a Triton user might write, using only declared fields. */
    static final String USER_CONFIG = """
            name: "old-name"
            backend: "onnxruntime"
            version_policy { specific { versions: [1, 3] } }
            max_batch_size: 8
            input [ { name: "image" data_type: TYPE_FP32 dims: [ 1, 28, 28 ] } ]
            output [
              { name: "log_probs" data_type: TYPE_FP32 dims: [ 10 ] },
              { name: "probs" data_type: TYPE_FP32 dims: [ 10 ] label_filename: "labels.txt" },
              { name: "extra" data_type: TYPE_FP32 dims: [ 3 ] }
            ]
            instance_group [ { name: "cpu" kind: KIND_CPU count: 2 }, { kind: KIND_GPU count: 1 gpus: [0, 1] } ]
            dynamic_batching {
              preferred_batch_size: [ 4, 8 ]
              max_queue_delay_microseconds: 500
              priority_levels: 2
              default_priority_level: 1
              default_queue_policy { timeout_action: DELAY default_timeout_microseconds: 100 max_queue_size: 7 }
            }
            parameters { key: "intra_op_thread_count" value: { string_value: "2" } }
            model_warmup [ { name: "zeros" batch_size: 1
              inputs { key: "image" value: { data_type: TYPE_FP32 dims: [1, 28, 28] zero_data: true } } } ]
            optimization { execution_accelerators { cpu_execution_accelerator [ { name: "openvino" } ] } }
            """;

    @Test
    void forGlyphModel_defaults_isTritonsOnnxConfigurationOfTheModelContract() {
        ModelConfig c = TritonConfig.forGlyphModel("mnist", 64, 2000);
        assertEquals("mnist", c.getName());
        assertEquals("onnxruntime_onnx", c.getPlatform());
        assertEquals(64, c.getMaxBatchSize());
        assertEquals(1, c.getInputCount());
        assertEquals("image", c.getInput(0).getName());
        assertEquals(DataType.TYPE_FP32, c.getInput(0).getDataType());
        assertEquals(List.of(1L, 28L, 28L), c.getInput(0).getDimsList());
        assertEquals(List.of("log_probs", "probs"), c.getOutputList().stream().map(ModelOutput::getName).toList());
        for (ModelOutput o : c.getOutputList()) {
            assertEquals(DataType.TYPE_FP32, o.getDataType());
            assertEquals(List.of(10L), o.getDimsList());
        }
        assertEquals(2000, c.getDynamicBatching().getMaxQueueDelayMicroseconds());
        assertFalse(c.hasVersionPolicy(), "the policy is the user's; absent means Triton's default");
    }

    @Test
    void forGlyphModel_badArguments_throwIllegalArgument() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> TritonConfig.forGlyphModel("a/b", 64, 0))
                .getMessage().contains("\"a/b\""));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> TritonConfig.forGlyphModel("m", 0, 0))
                .getMessage().contains("max_batch_size is 0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> TritonConfig.forGlyphModel("m", 1, -1))
                .getMessage().contains("max_queue_delay_microseconds is -1"));
    }

    @Test
    void toText_thenParseStrict_roundTripsGlyphAndUserConfigs() {
        ModelConfig glyph = TritonConfig.forGlyphModel("mnist", 16, 250);
        String text = TritonConfig.toText(glyph);
        assertTrue(text.contains("platform: \"onnxruntime_onnx\""), text);
        assertTrue(text.contains("data_type: TYPE_FP32"), text);
        assertTrue(text.contains("max_queue_delay_microseconds: 250"), text);
        assertEquals(glyph, TritonConfig.parseStrict(text));

        ModelConfig user = TritonConfig.parseStrict(USER_CONFIG);
        assertEquals(user, TritonConfig.parseStrict(TritonConfig.toText(user)));
        assertEquals(2, user.getInstanceGroup(0).getCount());
        assertEquals(ModelInstanceGroup.Kind.KIND_GPU, user.getInstanceGroup(1).getKind());
        assertEquals(List.of(0, 1), user.getInstanceGroup(1).getGpusList());
        assertEquals("2", user.getParametersOrThrow("intra_op_thread_count").getStringValue());
        assertEquals(List.of(4, 8), user.getDynamicBatching().getPreferredBatchSizeList());
        assertEquals(7, user.getDynamicBatching().getDefaultQueuePolicy().getMaxQueueSize());
        assertTrue(user.getModelWarmup(0).getInputsOrThrow("image").getZeroData());
        assertEquals("openvino",
                user.getOptimization().getExecutionAccelerators().getCpuExecutionAccelerator(0).getName());
    }

    @Test
    void write_thenReadStrict_roundTripsAndStartsWithTheHeaderComment() throws Exception {
        Path file = tmp.resolve("models/mnist/config.pbtxt");
        ModelConfig c = TritonConfig.withGlyphFields(TritonConfig.parseStrict(USER_CONFIG),
                TritonConfig.forGlyphModel("mnist", 64, 2000));
        TritonConfig.write(file, c);
        String text = Files.readString(file);
        assertTrue(text.startsWith("# Triton model configuration"), text);
        assertEquals(c, TritonConfig.readStrict(file));
        assertEquals(c, TritonConfig.read(file));
        assertEquals(List.of("config.pbtxt"), ModelFolder.list(file.getParent()), "no temporary file left");
    }

    @Test
    void withGlyphFields_userConfig_replacesOwnedFieldsAndKeepsTheRest() {
        ModelConfig user = TritonConfig.parseStrict(USER_CONFIG);
        ModelConfig merged = TritonConfig.withGlyphFields(user, TritonConfig.forGlyphModel("mnist", 64, 2000));
        assertEquals("mnist", merged.getName());
        assertEquals("onnxruntime_onnx", merged.getPlatform());
        assertEquals("onnxruntime", merged.getBackend());
        assertEquals(64, merged.getMaxBatchSize());
        assertEquals(List.of("log_probs", "probs"), merged.getOutputList().stream().map(ModelOutput::getName).toList(),
                "a tensor the model does not have is removed");
        assertEquals("labels.txt", merged.getOutput(1).getLabelFilename(), "the user's label file is kept");
        assertEquals(user.getVersionPolicy(), merged.getVersionPolicy());
        assertEquals(user.getInstanceGroupList(), merged.getInstanceGroupList());
        assertEquals(user.getParametersMap(), merged.getParametersMap());
        assertEquals(user.getDynamicBatching(), merged.getDynamicBatching(), "the user's batching is kept");
        assertEquals(user.getModelWarmupList(), merged.getModelWarmupList());
        assertEquals(user.getOptimization(), merged.getOptimization());
    }

    @Test
    void withGlyphFields_otherBackend_refused() {
        ModelConfig python = ModelConfig.newBuilder().setName("m").setBackend("python").build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TritonConfig.withGlyphFields(python, TritonConfig.forGlyphModel("m", 64, 2000)));
        assertTrue(e.getMessage().contains("backend \"python\"") && e.getMessage().contains("\"onnxruntime\""),
                e.getMessage());
    }

    @Test
    void parseStrict_malformedText_namesLineColumnAndWhatWasExpected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TritonConfig.parseStrict("name: \"m\"\ninput {\n  name: 3\n}\n"));
        assertTrue(e.getMessage().startsWith("config text:3:9: Expected string"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TritonConfig.parseStrict("name: \"m\"\ninput {\n"));
        assertTrue(e.getMessage().contains(":3:1: Expected \"}\""), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> TritonConfig.parseStrict("input { data_type: TYPE_FLOAT32 }"));
        assertTrue(e.getMessage().contains(":1:20:") && e.getMessage().contains("TYPE_FLOAT32"), e.getMessage());
    }

    @Test
    void read_malformedFile_throwsModelFormatExceptionWithFileLineAndColumn() throws Exception {
        Path file = Files.writeString(tmp.resolve("config.pbtxt"), "name: \"m\"\nmax_batch_size: sixty\n");
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> TritonConfig.read(file));
        assertTrue(e.getMessage().startsWith(file + ":2:17: "), e.getMessage());
        assertTrue(e.getMessage().contains("expected Triton's model configuration"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
    }

    @Test
    void read_missingOrNotUtf8_saysSo() throws Exception {
        assertTrue(assertThrows(ModelFormatException.class, () -> TritonConfig.read(tmp.resolve("none.pbtxt")))
                .getMessage().contains("does not exist"));
        Path latin = Files.write(tmp.resolve("latin.pbtxt"), "name: \"caf\u00e9\"".getBytes(StandardCharsets.ISO_8859_1));
        assertTrue(assertThrows(ModelFormatException.class, () -> TritonConfig.read(latin)).getMessage()
                .contains("not UTF-8"));
    }

    @Test
    void read_unknownFields_toleratedAndEveryDeclaredFieldKept() throws Exception {
        String text = """
                name: "seq"
                sequence_batching { max_sequence_idle_microseconds: 5000 direct { } }
                max_batch_size: 4
                input [ { name: "image" data_type: TYPE_FP32 dims: [1, 28, 28] is_future_flag: true } ]
                ensemble_scheduling { step [ { model_name: "a" model_version: -1 } ] }
                parameters { key: "k" value: { string_value: "v" } }
                """;
        Path file = Files.writeString(tmp.resolve("config.pbtxt"), text);
        ModelConfig c = TritonConfig.read(file);
        assertEquals("seq", c.getName());
        assertEquals(4, c.getMaxBatchSize());
        assertEquals(List.of(1L, 28L, 28L), c.getInput(0).getDimsList());
        assertEquals("v", c.getParametersOrThrow("k").getStringValue(), "fields after the unknown ones are read");
        assertEquals(c, TritonConfig.read(file), "a second read gives the same (and logs at DEBUG only)");
    }

    @Test
    void readStrictAndParseStrict_unknownFields_refusedNamingEachField() throws Exception {
        String text = "name: \"m\"\nsequence_batching { }\ninput { name: \"image\" colour: 3 }\n";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TritonConfig.parseStrict(text));
        assertTrue(e.getMessage().startsWith("config text:2:1: field inference.ModelConfig.sequence_batching is not "
                + "in Glyph's schema"), e.getMessage());
        assertTrue(e.getMessage().contains("3:23 inference.ModelInput.colour"), e.getMessage());
        Path file = Files.writeString(tmp.resolve("config.pbtxt"), text);
        ModelFormatException m = assertThrows(ModelFormatException.class, () -> TritonConfig.readStrict(file));
        assertTrue(m.getMessage().startsWith(file + ":2:1: field inference.ModelConfig.sequence_batching"),
                m.getMessage());
        assertFalse(m.getMessage().contains("\n"), "one line: " + m.getMessage());
    }
}
