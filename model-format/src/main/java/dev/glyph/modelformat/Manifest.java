package dev.glyph.modelformat;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import dev.glyph.modelformat.internal.ManifestJson;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The content of {@code manifest.json}, format_version 1 (docs/model-folder.md), as a value. Read it with
 * {@link ManifestFile#read}; build one with {@link #builder()} and write it with {@link #write}.
 *
 * <pre>{@code
 * Manifest m = Manifest.builder().identity("mnist", "1").dataset("mnist")
 *         .file(ModelFolder.ONNX, FileDigest.of(onnxBytes))
 *         .input(new TensorSpec("image", "float32", new long[] {-1, 1, 28, 28}, "NCHW", new double[] {0, 1}, "pixel/255"))
 *         .output(TensorSpec.of("log_probs", "float32", -1, 10)).labels(Manifest.labelsFor("mnist")).build();
 * m.write(dir);   // dir/manifest.json, atomically
 * }</pre>
 *
 * <p>Optional members are null (or empty maps) when absent and are then not written. Readers ignore members they
 * do not know.
 *
 * <p>Thread-safety: immutable (collections are copied; the JSON trees must not be modified by the caller).
 *
 * @param formatVersion always {@link #FORMAT_VERSION}
 * @param name model name, e.g. {@code mnist}
 * @param version model version, e.g. {@code 1}
 * @param created ISO-8601 UTC creation time, or null
 * @param producer who wrote the folder, or null
 * @param files file name to size and SHA-256
 * @param input the input tensor
 * @param outputs the output tensors
 * @param labels class index to label text
 * @param dataset data set name, or null
 * @param onnx ONNX versions of model.onnx, or null
 * @param torchscript TorchScript facts of model.pt, or null
 * @param sourceRun the run folder the model was exported from, or null
 * @param provenance the run's provenance, or null
 * @param accuracy format to test accuracy in percent (may be empty)
 * @param accuracyImages format to the number of test images behind its accuracy (may be empty)
 * @param parity the export-time parity report, or null
 * @param selfTest fixed images with the log-probabilities model.onnx gave for them at export, or null (folders
 *     written before self tests)
 * @param precision the arithmetic of model.onnx: {@code fp32}, {@code int8} or {@code fp16}; null means fp32
 *     (folders written before {@code glyph optimize}); see {@link #precisionOrDefault()}
 * @param optimization what {@code glyph optimize} did to make this version from an fp32 one (source version and
 *     hash, calibration, scales, the accuracy gate's figures), or null for an exported fp32 version
 * @param temperatureScaling the temperature the SDK and the server divide log_probs by before the softmax of
 *     {@code probs}, fitted at training on held-out images (copied from the run's provenance.json), or null: then
 *     T = 1 (see {@link #temperatureOrDefault()})
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"format_version", "name", "version", "created", "producer", "files", "input", "outputs",
    "labels", "dataset", "onnx", "torchscript", "source_run", "provenance", "accuracy", "accuracy_images", "parity",
    "self_test", "precision", "optimization", "temperature_scaling"})
public record Manifest(
        @JsonProperty("format_version") int formatVersion,
        String name,
        String version,
        String created,
        Producer producer,
        Map<String, FileDigest> files,
        TensorSpec input,
        List<TensorSpec> outputs,
        List<String> labels,
        String dataset,
        OnnxInfo onnx,
        TorchScriptInfo torchscript,
        @JsonProperty("source_run") SourceRun sourceRun,
        JsonNode provenance,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, Double> accuracy,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) @JsonProperty("accuracy_images") Map<String, Integer> accuracyImages,
        JsonNode parity,
        @JsonProperty("self_test") SelfTest selfTest,
        String precision,
        JsonNode optimization,
        @JsonProperty("temperature_scaling") TemperatureScaling temperatureScaling) {

    /** The manifest format written and read. */
    public static final int FORMAT_VERSION = 1;
    /** The precision of a version without a {@code precision} member. */
    public static final String FP32 = "fp32";
    /** The precisions a manifest may name. */
    public static final List<String> PRECISIONS = List.of(FP32, "int8", "fp16");

    private static final List<String> MNIST_LABELS = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
    private static final List<String> FASHION_LABELS = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    /**
     * Who wrote the folder.
     *
     * @param name e.g. {@code glyph}
     * @param version e.g. {@code 0.1.0-SNAPSHOT}
     */
    @JsonPropertyOrder({"name", "version"})
    public record Producer(String name, String version) {
    }

    /**
     * ONNX versions of model.onnx.
     *
     * @param irVersion ONNX IR version
     * @param opset default-domain opset
     */
    @JsonPropertyOrder({"ir_version", "opset"})
    public record OnnxInfo(@JsonProperty("ir_version") long irVersion, long opset) {
    }

    /**
     * TorchScript facts of model.pt.
     *
     * @param fileFormatVersion the archive's file format version
     * @param output which output the module returns, or null
     * @param extraFiles names of the archive's extra files, or null
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"file_format_version", "output", "extra_files"})
    public record TorchScriptInfo(@JsonProperty("file_format_version") long fileFormatVersion, String output,
            @JsonProperty("extra_files") List<String> extraFiles) {
        /** Copies the list. */
        public TorchScriptInfo {
            extraFiles = extraFiles == null ? null : List.copyOf(extraFiles);
        }
    }

    /**
     * The run a model was exported from.
     *
     * @param dir the run folder as given to export
     * @param epochs epochs in its checkpoint
     */
    @JsonPropertyOrder({"dir", "epochs"})
    public record SourceRun(String dir, int epochs) {
    }

    /** Checks the required members and copies the collections (keeping their order). */
    public Manifest {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(version, "version");
        files = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(files, "files")));
        Objects.requireNonNull(input, "input");
        outputs = List.copyOf(Objects.requireNonNull(outputs, "outputs"));
        labels = List.copyOf(Objects.requireNonNull(labels, "labels"));
        accuracy = Collections.unmodifiableMap(new LinkedHashMap<>(accuracy == null ? Map.of() : accuracy));
        accuracyImages = Collections.unmodifiableMap(
                new LinkedHashMap<>(accuracyImages == null ? Map.of() : accuracyImages));
        if (precision != null && !PRECISIONS.contains(precision)) {
            throw new IllegalArgumentException("precision is \"" + precision + "\"; expected one of " + PRECISIONS);
        }
    }

    /**
     * Creates a manifest without precision and optimization (an exported fp32 version), the members this record
     * had before {@code glyph optimize}.
     */
    public Manifest(int formatVersion, String name, String version, String created, Producer producer,
            Map<String, FileDigest> files, TensorSpec input, List<TensorSpec> outputs, List<String> labels,
            String dataset, OnnxInfo onnx, TorchScriptInfo torchscript, SourceRun sourceRun, JsonNode provenance,
            Map<String, Double> accuracy, Map<String, Integer> accuracyImages, JsonNode parity, SelfTest selfTest) {
        this(formatVersion, name, version, created, producer, files, input, outputs, labels, dataset, onnx,
                torchscript, sourceRun, provenance, accuracy, accuracyImages, parity, selfTest, null, null, null);
    }

    /**
     * Creates a manifest without temperature scaling, the members this record had before calibrated
     * probabilities.
     */
    public Manifest(int formatVersion, String name, String version, String created, Producer producer,
            Map<String, FileDigest> files, TensorSpec input, List<TensorSpec> outputs, List<String> labels,
            String dataset, OnnxInfo onnx, TorchScriptInfo torchscript, SourceRun sourceRun, JsonNode provenance,
            Map<String, Double> accuracy, Map<String, Integer> accuracyImages, JsonNode parity, SelfTest selfTest,
            String precision, JsonNode optimization) {
        this(formatVersion, name, version, created, producer, files, input, outputs, labels, dataset, onnx,
                torchscript, sourceRun, provenance, accuracy, accuracyImages, parity, selfTest, precision,
                optimization, null);
    }

    /**
     * Returns the temperature of {@link #temperatureScaling()}, or 1 (probabilities are the plain softmax of
     * log_probs) when the manifest has none.
     */
    public double temperatureOrDefault() {
        return temperatureScaling == null ? 1.0 : temperatureScaling.temperature();
    }

    /** Returns {@link #precision()}, or {@value #FP32} when the manifest names none. */
    public String precisionOrDefault() {
        return precision == null ? FP32 : precision;
    }

    /** Returns the class labels of {@code dataset}: digits for MNIST, class names for Fashion-MNIST. */
    public static List<String> labelsFor(String dataset) {
        return "fashion-mnist".equals(dataset) ? FASHION_LABELS : MNIST_LABELS;
    }

    /** Returns {@code dataset}, else the provenance's {@code dataset.name}, else {@code mnist}. */
    public String datasetOrDefault() {
        if (dataset != null && !dataset.isEmpty()) {
            return dataset;
        }
        String fromProvenance = provenance == null ? "" : provenance.path("dataset").path("name").asText("");
        return fromProvenance.isEmpty() ? "mnist" : fromProvenance;
    }

    /** Returns the output called {@code name}, or null. */
    public TensorSpec output(String name) {
        for (TensorSpec o : outputs) {
            if (o.name().equals(name)) {
                return o;
            }
        }
        return null;
    }

    /** Returns the manifest as indented JSON text (objects indented, arrays of scalars on one line). */
    public String toJson() {
        return ManifestJson.write(this);
    }

    /** Writes {@code dir/manifest.json} atomically ({@link AtomicFiles}). */
    public void write(Path dir) throws IOException {
        AtomicFiles.writeString(dir.resolve(ModelFolder.MANIFEST), toJson());
    }

    /** Returns a builder for a manifest of format version {@link #FORMAT_VERSION}. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Builds a {@link Manifest}; name, version, input and labels are required, files need at least one entry.
     *
     * <p>Thread-safety: not thread-safe; use one builder per thread.
     */
    public static final class Builder {
        private String name;
        private String version;
        private String created;
        private Producer producer;
        private final Map<String, FileDigest> files = new LinkedHashMap<>();
        private TensorSpec input;
        private final java.util.ArrayList<TensorSpec> outputs = new java.util.ArrayList<>();
        private List<String> labels;
        private String dataset;
        private OnnxInfo onnx;
        private TorchScriptInfo torchscript;
        private SourceRun sourceRun;
        private JsonNode provenance;
        private final Map<String, Double> accuracy = new LinkedHashMap<>();
        private final Map<String, Integer> accuracyImages = new LinkedHashMap<>();
        private JsonNode parity;
        private SelfTest selfTest;
        private String precision;
        private JsonNode optimization;
        private TemperatureScaling temperatureScaling;

        private Builder() {
        }

        /** Sets the model name and version (both required). */
        public Builder identity(String modelName, String modelVersion) {
            name = Objects.requireNonNull(modelName, "name");
            version = Objects.requireNonNull(modelVersion, "version");
            return this;
        }

        /**
         * Sets the creation time.
         *
         * @throws java.time.format.DateTimeParseException if it is not an ISO-8601 instant such as
         *     {@code 2026-11-27T15:00:00Z}
         */
        public Builder created(String isoInstant) {
            created = java.time.Instant.parse(isoInstant).toString();
            return this;
        }

        /** Sets the producer. */
        public Builder producer(String producerName, String producerVersion) {
            producer = new Producer(producerName, producerVersion);
            return this;
        }

        /** Sets the input tensor. */
        public Builder input(TensorSpec v) {
            input = Objects.requireNonNull(v, "input");
            return this;
        }

        /** Adds (or replaces) a file entry. */
        public Builder file(String fileName, FileDigest digest) {
            if (fileName == null || fileName.isEmpty() || fileName.contains("/") || fileName.startsWith(".")) {
                throw new IllegalArgumentException("file name is \"" + fileName + "\"; expected a plain file name");
            }
            files.put(fileName, Objects.requireNonNull(digest, "digest"));
            return this;
        }

        /** Sets the labels. */
        public Builder labels(List<String> v) {
            labels = List.copyOf(v);
            return this;
        }

        /** Adds all file entries. */
        public Builder files(Map<String, FileDigest> all) {
            all.forEach(this::file);
            return this;
        }

        /** Sets the data set name. */
        public Builder dataset(String v) {
            dataset = v;
            return this;
        }

        /** Sets the ONNX versions. */
        public Builder onnx(long irVersion, long opset) {
            onnx = new OnnxInfo(irVersion, opset);
            return this;
        }

        /** Appends an output tensor. */
        public Builder output(TensorSpec v) {
            outputs.add(Objects.requireNonNull(v, "output"));
            return this;
        }

        /** Sets the source run. */
        public Builder sourceRun(String dir, int epochs) {
            sourceRun = new SourceRun(dir, epochs);
            return this;
        }

        /** Sets the TorchScript facts. */
        public Builder torchscript(TorchScriptInfo v) {
            torchscript = v;
            return this;
        }

        /** Adds an accuracy in percent and the number of images behind it (null when unknown). */
        public Builder accuracy(String format, double percent, Integer images) {
            accuracy.put(format, percent);
            if (images != null) {
                accuracyImages.put(format, images);
            }
            return this;
        }

        /** Sets the provenance object (null or a JSON null for none). */
        public Builder provenance(JsonNode v) {
            provenance = v == null || v.isNull() ? null : v.deepCopy();
            return this;
        }

        /** Sets the export-time parity report (null for none). */
        public Builder parity(JsonNode v) {
            parity = v == null ? null : v.deepCopy();
            return this;
        }

        /** Sets the self test (null for none). */
        public Builder selfTest(SelfTest v) {
            selfTest = v;
            return this;
        }

        /**
         * Sets the precision of model.onnx ({@code fp32}, {@code int8}, {@code fp16}; null for none, meaning fp32).
         *
         * @throws IllegalArgumentException for another name
         */
        public Builder precision(String v) {
            if (v != null && !PRECISIONS.contains(v)) {
                throw new IllegalArgumentException("precision is \"" + v + "\"; expected one of " + PRECISIONS);
            }
            precision = v;
            return this;
        }

        /** Sets what {@code glyph optimize} recorded (null for none). */
        public Builder optimization(JsonNode v) {
            optimization = v == null || v.isNull() ? null : v.deepCopy();
            return this;
        }

        /** Sets the temperature scaling of {@code probs} (null for none, meaning T = 1). */
        public Builder temperatureScaling(TemperatureScaling v) {
            temperatureScaling = v;
            return this;
        }

        /**
         * Returns the manifest.
         *
         * @throws IllegalArgumentException if a required member is missing
         */
        public Manifest build() {
            if (name == null || version == null || input == null || labels == null || files.isEmpty()) {
                throw new IllegalArgumentException("a manifest needs name, version, input, labels and at least one "
                        + "file; found name=" + name + ", version=" + version + ", input=" + input + ", labels="
                        + labels + ", files=" + files.keySet());
            }
            return new Manifest(FORMAT_VERSION, name, version, created, producer, files, input, outputs, labels,
                    dataset, onnx, torchscript, sourceRun, provenance, accuracy, accuracyImages, parity, selfTest, precision,
                    optimization, temperatureScaling);
        }
    }
}
