package dev.glyph.modelformat;

import com.google.protobuf.TextFormat;
import dev.glyph.modelformat.triton.DataType;
import dev.glyph.modelformat.triton.ModelConfig;
import dev.glyph.modelformat.triton.ModelDynamicBatching;
import dev.glyph.modelformat.triton.ModelInput;
import dev.glyph.modelformat.triton.ModelOutput;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Triton's model configuration, {@code models/<name>/config.pbtxt}: reading and writing it in protobuf text format
 * with the {@code inference.ModelConfig} messages of {@code dev.glyph.modelformat.triton} (Glyph's subset of
 * Triton's schema, same names and field numbers), and the configuration of a Glyph model.
 *
 * <pre>{@code
 * ModelConfig glyph = TritonConfig.forGlyphModel("mnist", 64, 2000);
 * Path file = Path.of("models/mnist", TritonConfig.FILE);
 * ModelConfig config = Files.exists(file) ? TritonConfig.withGlyphFields(TritonConfig.readStrict(file), glyph) : glyph;
 * TritonConfig.write(file, config);                          // atomically, with a header comment
 * VersionPolicy policy = VersionPolicy.of(TritonConfig.read(file));
 * }</pre>
 *
 * <p>{@link #read} tolerates fields that this subset does not declare (a Triton config may use sequence
 * batching, ensembles, ...): they are dropped and named in one WARN line per file and set of fields.
 * {@link #readStrict} and {@link #parseStrict} refuse them, so a caller that rewrites a file never loses a
 * field silently.
 *
 * <p>Thread-safety: stateless apart from the set of files already warned about; safe to call concurrently.
 */
public final class TritonConfig {

    /** The file name, in the model folder next to the numbered version folders. */
    public static final String FILE = "config.pbtxt";
    /** Triton's platform of ONNX models run by its ONNX Runtime backend. */
    public static final String PLATFORM = "onnxruntime_onnx";
    /** The backend that serves {@link #PLATFORM}. */
    public static final String BACKEND = "onnxruntime";
    /** Name of the model input. */
    public static final String INPUT = "image";
    /** Name of the log-probability output. */
    public static final String OUTPUT_LOG_PROBS = "log_probs";
    /** Name of the probability output. */
    public static final String OUTPUT_PROBS = "probs";
    /** The default largest batch Triton forms. */
    public static final int DEFAULT_MAX_BATCH_SIZE = 64;
    /** The default time a request may wait in Triton's dynamic batcher for others, in microseconds. */
    public static final long DEFAULT_MAX_QUEUE_DELAY_MICROS = 2000;

    /** The comment {@link #write} puts at the top of the file. */
    static final String HEADER = """
            # Triton model configuration (protobuf text format, message inference.ModelConfig).
            # `glyph export` owns name, platform, max_batch_size and the data_type and dims of input and output,
            # and keeps every other field when it updates this file (comments are not kept).
            """;

    private static final String UNKNOWN = "Input contains unknown fields and/or extensions:";
    private static final int MAX_WARNED = 1024;
    private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();
    private static final Logger LOG = LoggerFactory.getLogger(TritonConfig.class);

    private TritonConfig() {
    }

    /**
     * Reads a config.pbtxt. Fields that Glyph's schema does not declare are dropped and logged once at WARN.
     *
     * @throws ModelFormatException if the file is missing, not UTF-8, or not protobuf text of a ModelConfig (the
     *     message names the file, the line and column, and what was expected there)
     */
    public static ModelConfig read(Path file) throws ModelFormatException {
        Parsed p = parse(file.toString(), readText(file));
        if (p.syntaxError != null) {
            throw new ModelFormatException(p.syntaxError, null);
        }
        if (!p.unknown.isEmpty()) {
            String key = file.toAbsolutePath().normalize() + "|" + p.unknown;
            if (WARNED.size() >= MAX_WARNED) {
                WARNED.clear();
            }
            String fields = String.join(", ", p.unknown);
            if (WARNED.add(key)) {
                LOG.warn("{}: ignoring fields that Glyph's config.pbtxt schema does not declare: {} (Glyph does not "
                        + "read them; Triton may)", file, fields);
            } else {
                LOG.debug("{}: ignoring undeclared fields {}", file, fields);
            }
        }
        return p.config;
    }

    /**
     * Reads a config.pbtxt that must use only fields of Glyph's schema; for callers that rewrite the file.
     *
     * @throws ModelFormatException as {@link #read}, and if the file uses a field the schema does not declare
     *     (naming the line, the column and the field)
     */
    public static ModelConfig readStrict(Path file) throws ModelFormatException {
        Parsed p = parse(file.toString(), readText(file));
        if (p.syntaxError != null) {
            throw new ModelFormatException(p.syntaxError, null);
        }
        if (!p.unknown.isEmpty()) {
            throw new ModelFormatException(unknownMessage(file.toString(), p.unknown), null);
        }
        return p.config;
    }

    /**
     * Parses config text that must use only fields of Glyph's schema.
     *
     * @throws IllegalArgumentException if the text is not protobuf text of a ModelConfig or uses an undeclared
     *     field; the message gives the line and column
     */
    public static ModelConfig parseStrict(String text) {
        if (text == null) {
            throw new IllegalArgumentException("config text is null; expected a ModelConfig in protobuf text format");
        }
        Parsed p = parse("config text", text);
        if (p.syntaxError != null) {
            throw new IllegalArgumentException(p.syntaxError);
        }
        if (!p.unknown.isEmpty()) {
            throw new IllegalArgumentException(unknownMessage("config text", p.unknown));
        }
        return p.config;
    }

    /** Returns the config in protobuf text format (fields in field-number order, non-ASCII escaped). */
    public static String toText(ModelConfig config) {
        return TextFormat.printer().printToString(config);
    }

    /** Writes {@code file} atomically ({@link AtomicFiles}): a comment naming the owned fields, then {@link #toText}. */
    public static void write(Path file, ModelConfig config) throws IOException {
        AtomicFiles.writeString(file, HEADER + toText(config));
    }

    /**
     * Returns Glyph's configuration of a model folder {@code models/<name>/}: platform {@value #PLATFORM},
     * {@code max_batch_size}, input {@value #INPUT} TYPE_FP32 {@code [1,28,28]}, outputs {@value #OUTPUT_LOG_PROBS}
     * and {@value #OUTPUT_PROBS} TYPE_FP32 {@code [10]} (dims without the batch dimension), and dynamic batching
     * with the given queue delay.
     *
     * @param name the model folder's name (Triton requires them to be equal)
     * @throws IllegalArgumentException if the name is blank or has a slash, {@code maxBatchSize < 1} or the delay
     *     is negative
     */
    public static ModelConfig forGlyphModel(String name, int maxBatchSize, long maxQueueDelayMicros) {
        if (name == null || name.isBlank() || name.contains("/") || name.contains("\\")) {
            throw new IllegalArgumentException("model name is " + (name == null ? "null" : "\"" + name + "\"")
                    + "; expected the model folder's name, e.g. mnist");
        }
        if (maxBatchSize < 1) {
            throw new IllegalArgumentException("max_batch_size is " + maxBatchSize + "; expected at least 1 (the "
                    + "ONNX model has a symbolic batch dimension)");
        }
        if (maxQueueDelayMicros < 0) {
            throw new IllegalArgumentException("max_queue_delay_microseconds is " + maxQueueDelayMicros
                    + "; expected >= 0");
        }
        return ModelConfig.newBuilder().setName(name).setPlatform(PLATFORM).setMaxBatchSize(maxBatchSize)
                .addInput(ModelInput.newBuilder().setName(INPUT).setDataType(DataType.TYPE_FP32)
                        .addDims(1).addDims(28).addDims(28))
                .addOutput(ModelOutput.newBuilder().setName(OUTPUT_LOG_PROBS).setDataType(DataType.TYPE_FP32)
                        .addDims(10))
                .addOutput(ModelOutput.newBuilder().setName(OUTPUT_PROBS).setDataType(DataType.TYPE_FP32).addDims(10))
                .setDynamicBatching(ModelDynamicBatching.newBuilder()
                        .setMaxQueueDelayMicroseconds(maxQueueDelayMicros))
                .build();
    }

    /**
     * Returns {@code existing} with the fields Glyph owns taken from {@code glyph}: name, platform,
     * max_batch_size, and the inputs and outputs (their names, order, data_type and dims; other attributes of a
     * tensor that {@code existing} already has under the same name, such as {@code label_filename}, are kept;
     * tensors Glyph's model does not have are removed). Everything else of {@code existing} is kept as it is,
     * including a missing {@code dynamic_batching}.
     *
     * @throws IllegalArgumentException if {@code existing} names a backend other than {@value #BACKEND}
     */
    public static ModelConfig withGlyphFields(ModelConfig existing, ModelConfig glyph) {
        if (!existing.getBackend().isEmpty() && !existing.getBackend().equals(BACKEND)) {
            throw new IllegalArgumentException("the existing configuration has backend \"" + existing.getBackend()
                    + "\"; expected \"" + BACKEND + "\" or none (a Glyph model folder holds an ONNX model)");
        }
        ModelConfig.Builder b = existing.toBuilder().setName(glyph.getName()).setPlatform(glyph.getPlatform())
                .setMaxBatchSize(glyph.getMaxBatchSize()).clearInput().clearOutput();
        for (ModelInput in : glyph.getInputList()) {
            ModelInput.Builder t = in.toBuilder();
            for (ModelInput old : existing.getInputList()) {
                if (old.getName().equals(in.getName())) {
                    t = old.toBuilder().setDataType(in.getDataType()).clearDims().addAllDims(in.getDimsList());
                    break;
                }
            }
            b.addInput(t);
        }
        for (ModelOutput out : glyph.getOutputList()) {
            ModelOutput.Builder t = out.toBuilder();
            for (ModelOutput old : existing.getOutputList()) {
                if (old.getName().equals(out.getName())) {
                    t = old.toBuilder().setDataType(out.getDataType()).clearDims().addAllDims(out.getDimsList());
                    break;
                }
            }
            b.addOutput(t);
        }
        return b.build();
    }

    private static String readText(Path file) throws ModelFormatException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ModelFormatException(file + " does not exist; expected Triton's model configuration "
                    + "(protobuf text format)", null);
        } catch (IOException e) {
            throw new ModelFormatException("cannot read " + file + ": " + e.getMessage(), e);
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new ModelFormatException(file + " is not UTF-8 text; expected Triton's model configuration "
                    + "(protobuf text format)", null);
        }
    }

    /** The outcome of a parse: a syntax error, or the config and the fields it dropped. */
    private record Parsed(ModelConfig config, List<String> unknown, String syntaxError) {
    }

    private static Parsed parse(String where, String text) {
        ModelConfig.Builder b = ModelConfig.newBuilder();
        try {
            TextFormat.Parser.newBuilder().build().merge(text, b);
            return new Parsed(b.build(), List.of(), null);
        } catch (TextFormat.ParseException e) {
            String msg = String.valueOf(e.getMessage());
            String prefix = e.getLine() + ":" + e.getColumn() + ": ";
            String detail = msg.startsWith(prefix) ? msg.substring(prefix.length()) : msg;
            if (detail.startsWith(UNKNOWN)) {
                // The strict parser reports undeclared fields only after it merged the whole text, so the builder
                // holds every declared field (TritonConfigTest checks this). Parsing leniently instead would make
                // protobuf log the same list itself through java.util.logging.
                List<String> unknown = new ArrayList<>();
                for (String line : detail.substring(UNKNOWN.length()).strip().split("\n")) {
                    String l = line.strip();
                    int tab = l.indexOf(":\t");
                    unknown.add(tab < 0 ? l : l.substring(0, tab) + " " + l.substring(tab + 2));
                }
                return new Parsed(b.build(), List.copyOf(unknown), null);
            }
            return new Parsed(null, List.of(), where + ":" + e.getLine() + ":" + e.getColumn() + ": "
                    + detail.replaceAll("\\s+", " ").strip() + " (expected Triton's model configuration, "
                    + "inference.ModelConfig in protobuf text format)");
        }
    }

    private static String unknownMessage(String where, List<String> unknown) {
        String first = unknown.get(0);
        int sp = first.indexOf(' ');
        return where + ":" + (sp < 0 ? " " + first : first.substring(0, sp) + ": field " + first.substring(sp + 1))
                + " is not in Glyph's schema of config.pbtxt" + (unknown.size() == 1 ? ""
                        : " (nor are " + String.join(", ", unknown.subList(1, unknown.size())) + ")")
                + "; expected only the fields of model-format's triton/model_config.proto";
    }
}
