package dev.glyph.inferencesdk;

import dev.glyph.modelformat.FileDigest;
import dev.glyph.modelformat.TensorSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What a loaded model folder says about itself, read from its {@code manifest.json}
 * (see docs/model-folder.md) through the model-format module; {@link FileDigest} and {@link TensorSpec} are
 * that module's types.
 *
 * <pre>{@code
 * ModelInfo info = classifier.modelInfo();
 * System.out.println(info.name() + "/" + info.version() + " " + info.files().get("model.onnx").sha256());
 * String provenance = info.provenanceJson();   // compact JSON text, "null" when absent
 * boolean quantised = info.precision().equals("int8");
 * double t = info.temperature();               // 1.0 unless the manifest has temperature_scaling
 * }</pre>
 *
 * <p>Thread-safety: immutable.
 *
 * @param directory the model folder
 * @param formatVersion manifest {@code format_version} (1)
 * @param name model name, e.g. {@code mnist}
 * @param version model version, e.g. {@code 1}
 * @param created creation time as written (ISO-8601), or empty when absent
 * @param producer producer name and version, e.g. {@code glyph 0.1.0-SNAPSHOT}, or empty
 * @param files file name to recorded SHA-256 and size
 * @param input the input tensor as the manifest describes it
 * @param outputs the output tensors as the manifest describes them
 * @param labels class index to label text
 * @param accuracy test accuracies in percent by kind ({@code trained}, {@code onnx}, ...); may be empty
 * @param provenanceJson the manifest's {@code provenance} object as compact JSON text ({@code null} JSON literal
 *     when absent)
 * @param manifestJson the whole manifest as read
 * @param precision the arithmetic of model.onnx as the manifest's {@code precision} names it: {@code fp32},
 *     {@code int8} (a QDQ graph written by {@code glyph optimize}) or {@code fp16}; {@code fp32} when the manifest
 *     names none. The input and output contract is the same for all.
 * @param temperature the manifest's {@code temperature_scaling.temperature}: the classifier's probabilities are
 *     {@code softmax(log_probs / temperature)} (unless {@link Options#applyTemperature()} is off); 1.0 when the
 *     manifest has no {@code temperature_scaling}
 */
public record ModelInfo(Path directory, int formatVersion, String name, String version, String created,
        String producer, Map<String, FileDigest> files, TensorSpec input, List<TensorSpec> outputs,
        List<String> labels, Map<String, Double> accuracy, String provenanceJson, String manifestJson,
        String precision, double temperature) {

    /** Copies the collections. */
    public ModelInfo {
        files = Map.copyOf(files);
        outputs = List.copyOf(outputs);
        labels = List.copyOf(labels);
        accuracy = Map.copyOf(accuracy);
        precision = precision == null ? "fp32" : precision;
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature is " + temperature + "; expected a finite number > 0");
        }
    }

    /** Creates the info of a model without temperature scaling (temperature 1). */
    public ModelInfo(Path directory, int formatVersion, String name, String version, String created,
            String producer, Map<String, FileDigest> files, TensorSpec input, List<TensorSpec> outputs,
            List<String> labels, Map<String, Double> accuracy, String provenanceJson, String manifestJson,
            String precision) {
        this(directory, formatVersion, name, version, created, producer, files, input, outputs, labels, accuracy,
                provenanceJson, manifestJson, precision, 1.0);
    }

    /** Returns the label text of class {@code index} (its decimal index when the manifest has no labels). */
    public String label(int index) {
        if (index >= 0 && index < labels.size()) {
            return labels.get(index);
        }
        return Integer.toString(index);
    }
}
