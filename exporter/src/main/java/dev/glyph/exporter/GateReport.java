package dev.glyph.exporter;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The accuracy gate of an optimised version: its model.onnx (int8 or fp16) against the fp32 model.onnx it was made
 * from, on the same test images (the whole test split unless verify was limited). It passes when the optimised
 * model loses at most {@link #maxAccuracyDrop()} points of accuracy ({@value #DEFAULT_MAX_ACCURACY_DROP} by
 * default) and agrees with fp32 on the argmax of at least {@link #minArgmaxAgreement()} percent of the images
 * ({@value #DEFAULT_MIN_ARGMAX_AGREEMENT}). {@code glyph optimize} records it in the manifest
 * ({@code optimization.gate}) and refuses to write a version that fails it; {@code glyph verify} recomputes it and
 * writes it as parity.json.
 *
 * <pre>{@code
 * GateReport g = Optimizer.optimize(src, out, OptimizeOptions.defaults()).gate();
 * System.out.print(g.table());                 // accuracies, per-class change, flipped images
 * g.flips().forEach(f -> System.out.println(f.index() + ": " + f.reference() + " -> " + f.candidate()));
 * }</pre>
 *
 * <p>Thread-safety: immutable.
 *
 * @param passed whether both criteria hold
 * @param precision the optimised precision, {@code int8} or {@code fp16}
 * @param dataset the data set whose test split was used
 * @param images test images compared (the first {@code images} of the split)
 * @param reference the fp32 version compared against
 * @param formats the fp32 model (format {@code fp32}) and the optimised one (format = the precision)
 * @param accuracyDrop fp32 accuracy minus optimised accuracy, in percentage points (negative when it gained)
 * @param maxAccuracyDrop the largest drop allowed
 * @param argmaxAgreement images with the same predicted class in both, in percent
 * @param minArgmaxAgreement the smallest agreement allowed
 * @param maxAbsDiff the largest |Δ log-probability| over all images and classes (for information)
 * @param perClass accuracy of both models per true class
 * @param flips every image whose predicted class differs between the two models, in index order
 * @param files the optimised folder's file name to SHA-256 ({@code model.onnx}, as checked)
 * @param notes remarks
 * @param created when the gate ran (ISO-8601 UTC)
 */
@JsonPropertyOrder({"passed", "kind", "precision", "dataset", "images", "reference", "formats", "accuracy_drop",
        "max_accuracy_drop", "argmax_agreement", "min_argmax_agreement", "max_abs_diff", "per_class", "flips",
        "files", "notes", "created"})
@JsonInclude(JsonInclude.Include.ALWAYS)
public record GateReport(
        @JsonProperty("passed") boolean passed,
        @JsonProperty("precision") String precision,
        @JsonProperty("dataset") String dataset,
        @JsonProperty("images") int images,
        @JsonProperty("reference") Reference reference,
        @JsonProperty("formats") List<ParityReport.FormatResult> formats,
        @JsonProperty("accuracy_drop") double accuracyDrop,
        @JsonProperty("max_accuracy_drop") double maxAccuracyDrop,
        @JsonProperty("argmax_agreement") double argmaxAgreement,
        @JsonProperty("min_argmax_agreement") double minArgmaxAgreement,
        @JsonProperty("max_abs_diff") double maxAbsDiff,
        @JsonProperty("per_class") List<ClassResult> perClass,
        @JsonProperty("flips") List<Flip> flips,
        @JsonProperty("files") Map<String, String> files,
        @JsonProperty("notes") List<String> notes,
        @JsonProperty("created") String created) implements VerificationReport {

    /** The largest accuracy loss allowed, in percentage points. */
    public static final double DEFAULT_MAX_ACCURACY_DROP = 0.3;
    /** The smallest argmax agreement allowed, in percent. */
    public static final double DEFAULT_MIN_ARGMAX_AGREEMENT = 99.5;
    /** The format name of the fp32 reference in {@link #formats()}. */
    public static final String REFERENCE_FORMAT = "fp32";
    /** Flipped images the text table lists at most (the JSON lists all). */
    static final int TABLE_FLIPS = 40;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Copies the collections. */
    public GateReport {
        Objects.requireNonNull(precision, "precision");
        Objects.requireNonNull(dataset, "dataset");
        formats = List.copyOf(formats);
        perClass = List.copyOf(perClass);
        flips = List.copyOf(flips);
        files = Collections.unmodifiableMap(new LinkedHashMap<>(files));
        notes = List.copyOf(notes);
    }

    /**
     * The fp32 version the optimised one was compared with.
     *
     * @param dir its folder, as found
     * @param version its version
     * @param onnxSha256 the SHA-256 of its model.onnx
     */
    @JsonPropertyOrder({"dir", "version", "onnx_sha256"})
    public record Reference(@JsonProperty("dir") String dir, @JsonProperty("version") String version,
            @JsonProperty("onnx_sha256") String onnxSha256) {
    }

    /**
     * Both models' accuracy on the test images of one true class.
     *
     * @param label the class index
     * @param images test images of that class
     * @param referenceCorrect images the fp32 model classified correctly
     * @param candidateCorrect images the optimised model classified correctly
     * @param change optimised minus fp32 accuracy on the class, in percentage points
     */
    @JsonPropertyOrder({"label", "images", "reference_correct", "candidate_correct", "change"})
    public record ClassResult(@JsonProperty("label") int label, @JsonProperty("images") int images,
            @JsonProperty("reference_correct") int referenceCorrect,
            @JsonProperty("candidate_correct") int candidateCorrect, @JsonProperty("change") double change) {
    }

    /**
     * A test image whose predicted class changed.
     *
     * @param index its index in the test split
     * @param label its true class
     * @param reference the fp32 model's class
     * @param candidate the optimised model's class
     */
    @JsonPropertyOrder({"index", "label", "reference", "candidate"})
    public record Flip(@JsonProperty("index") int index, @JsonProperty("label") int label,
            @JsonProperty("reference") int reference, @JsonProperty("candidate") int candidate) {
    }

    /** Always {@code "<precision> vs fp32"}: tells parity.json readers which check wrote it. */
    @JsonProperty("kind")
    public String kind() {
        return precision + " vs " + REFERENCE_FORMAT;
    }

    /** The fp32 model's result. */
    @JsonIgnore
    public ParityReport.FormatResult referenceResult() {
        return format(REFERENCE_FORMAT);
    }

    /** The optimised model's result. */
    @JsonIgnore
    public ParityReport.FormatResult candidateResult() {
        return format(precision);
    }

    /** Returns the result of {@code format} ({@code fp32} or the precision), or null. */
    public ParityReport.FormatResult format(String format) {
        return formats.stream().filter(f -> f.format().equals(format)).findFirst().orElse(null);
    }

    @Override
    public String failureMessage() {
        if (passed) {
            return null;
        }
        List<String> why = new ArrayList<>();
        if (accuracyDrop > maxAccuracyDrop + 1e-9) {
            why.add(String.format(Locale.ROOT, "accuracy %.2f %% vs fp32 %.2f %% loses %.2f points, at most %.2f "
                    + "allowed: missed by %.2f points", candidateResult().accuracy(), referenceResult().accuracy(),
                    accuracyDrop, maxAccuracyDrop, accuracyDrop - maxAccuracyDrop));
        }
        if (argmaxAgreement < minArgmaxAgreement - 1e-9) {
            why.add(String.format(Locale.ROOT, "argmax agreement %.2f %% (%d of %d images flipped), at least %.2f %% "
                    + "required: missed by %.2f points", argmaxAgreement, flips.size(), images, minArgmaxAgreement,
                    minArgmaxAgreement - argmaxAgreement));
        }
        return precision + " accuracy gate failed on " + images + " " + dataset + " test images: "
                + String.join("; ", why);
    }

    @Override
    public String table() {
        StringBuilder sb = new StringBuilder();
        ParityReport.FormatResult ref = referenceResult();
        ParityReport.FormatResult cand = candidateResult();
        sb.append(String.format(Locale.ROOT, "%s vs fp32 on %d %s test images: %s%n", precision, images, dataset,
                passed ? "PASS" : "FAIL"));
        sb.append(String.format(Locale.ROOT, "  accuracy       fp32 %.2f %% (%d/%d), %s %.2f %% (%d/%d): change %+.2f "
                + "points (at most -%.2f allowed)%n", ref.accuracy(), ref.correct(), ref.images(), precision,
                cand.accuracy(), cand.correct(), cand.images(), -accuracyDrop, maxAccuracyDrop));
        sb.append(String.format(Locale.ROOT, "  argmax agreement %.2f %% (%d flipped; at least %.2f %% required)%n",
                argmaxAgreement, flips.size(), minArgmaxAgreement));
        sb.append(String.format(Locale.ROOT, "  max |Δ log p|  %.3e%n", maxAbsDiff));
        sb.append("  per class (accuracy fp32 -> " + precision + ", change in points):").append(System.lineSeparator());
        for (ClassResult c : perClass) {
            sb.append(String.format(Locale.ROOT, "    %d: %6.2f -> %6.2f  %+.2f  (%d images)%n", c.label(),
                    pct(c.referenceCorrect(), c.images()), pct(c.candidateCorrect(), c.images()), c.change(),
                    c.images()));
        }
        if (!flips.isEmpty()) {
            List<String> f = new ArrayList<>();
            for (Flip x : flips.subList(0, Math.min(TABLE_FLIPS, flips.size()))) {
                f.add("#" + x.index() + " (label " + x.label() + ") " + x.reference() + "->" + x.candidate());
            }
            sb.append("  flipped: ").append(String.join(", ", f))
                    .append(flips.size() > TABLE_FLIPS ? ", ... (" + flips.size() + " in all)" : "")
                    .append(System.lineSeparator());
        }
        for (String n : notes) {
            sb.append("  note: ").append(n).append(System.lineSeparator());
        }
        if (!passed) {
            sb.append("  ").append(failureMessage()).append(System.lineSeparator());
        }
        return sb.toString();
    }

    private static double pct(int correct, int n) {
        return n == 0 ? 100.0 : 100.0 * correct / n;
    }

    @Override
    public String toJson() {
        try {
            return JSON.writeValueAsString(this) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise the gate report: " + e.getMessage(), e);
        }
    }

    /** Returns the report as a JSON tree (as recorded in manifest.json's {@code optimization.gate}). */
    public JsonNode toJsonNode() {
        return JSON.valueToTree(this);
    }
}
