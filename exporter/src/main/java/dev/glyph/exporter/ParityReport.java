package dev.glyph.exporter;

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
 * The result of a parity check: the same test images through every format (the trained model on DJL,
 * {@code model.pt} on DJL, {@code model.onnx} on ONNX Runtime), compared pairwise.
 *
 * <p>A check passes when, for every pair, the largest absolute log-probability difference is at most
 * {@link #tolerance()}, the argmax agrees on every image, and every format has the same accuracy. It is
 * stored as {@code parity} in manifest.json and as parity.json (see {@link #toJson()}).
 *
 * <pre>{@code
 * ParityReport r = Verifier.verify(Path.of("models/mnist/1"), VerifyOptions.defaults());
 * System.out.print(r.table());
 * if (!r.passed()) System.err.println(r.failureMessage());
 * }</pre>
 *
 * <p>Thread-safety: immutable.
 *
 * @param passed true if every criterion holds
 * @param dataset the data set name ({@code mnist} or {@code fashion-mnist})
 * @param images how many test images were compared: the first {@code images} of the test split
 * @param tolerance the largest allowed absolute log-probability difference (1e-4)
 * @param formats one entry per format, in the order trained, torchscript, onnx (trained may be absent)
 * @param pairs one entry per pair of formats
 * @param firstDivergence the lowest-index image where some pair diverged, or null when none did
 * @param files file name to the SHA-256 of the file that was checked
 * @param notes remarks such as a skipped trained model
 * @param created when the check ran (ISO-8601 UTC)
 */
@JsonPropertyOrder({"passed", "dataset", "images", "tolerance", "formats", "pairs", "first_divergence", "files",
        "notes", "created"})
@JsonInclude(JsonInclude.Include.ALWAYS)
public record ParityReport(
        @JsonProperty("passed") boolean passed,
        @JsonProperty("dataset") String dataset,
        @JsonProperty("images") int images,
        @JsonProperty("tolerance") double tolerance,
        @JsonProperty("formats") List<FormatResult> formats,
        @JsonProperty("pairs") List<PairResult> pairs,
        @JsonProperty("first_divergence") Divergence firstDivergence,
        @JsonProperty("files") Map<String, String> files,
        @JsonProperty("notes") List<String> notes,
        @JsonProperty("created") String created) implements VerificationReport {

    /** The largest allowed absolute log-probability difference between two formats. */
    public static final double DEFAULT_TOLERANCE = 1e-4;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Copies the collections. */
    public ParityReport {
        Objects.requireNonNull(dataset, "dataset");
        formats = List.copyOf(formats);
        pairs = List.copyOf(pairs);
        files = Collections.unmodifiableMap(new LinkedHashMap<>(files));
        notes = List.copyOf(notes);
    }

    /**
     * How one format did.
     *
     * @param format {@code trained}, {@code torchscript} or {@code onnx}
     * @param engine the engine, version and device that ran it
     * @param correct images whose argmax equals the label
     * @param images images evaluated
     * @param accuracy {@code 100 * correct / images}
     */
    @JsonPropertyOrder({"format", "engine", "correct", "images", "accuracy"})
    public record FormatResult(@JsonProperty("format") String format, @JsonProperty("engine") String engine,
            @JsonProperty("correct") int correct, @JsonProperty("images") int images,
            @JsonProperty("accuracy") double accuracy) {
    }

    /**
     * How two formats compare.
     *
     * @param first the first format
     * @param second the second format
     * @param maxAbsDiff the largest |log p(first) - log p(second)| over all images and classes (infinite if
     *     either produced a NaN)
     * @param maxDiffIndex the image where {@code maxAbsDiff} occurred
     * @param argmaxAgreements images on which both formats predict the same class
     * @param images images compared
     * @param firstDivergingIndex the first image where the difference exceeds the tolerance or the argmax
     *     differs, or -1
     * @param passed true if {@code maxAbsDiff <= tolerance} and {@code argmaxAgreements == images}
     */
    @JsonPropertyOrder({"first", "second", "max_abs_diff", "max_diff_index", "argmax_agreements", "images",
            "first_diverging_index", "passed"})
    public record PairResult(@JsonProperty("first") String first, @JsonProperty("second") String second,
            @JsonProperty("max_abs_diff") double maxAbsDiff, @JsonProperty("max_diff_index") int maxDiffIndex,
            @JsonProperty("argmax_agreements") int argmaxAgreements, @JsonProperty("images") int images,
            @JsonProperty("first_diverging_index") int firstDivergingIndex,
            @JsonProperty("passed") boolean passed) {

        /** Returns the pair as {@code first vs second}. */
        public String label() {
            return first + " vs " + second;
        }

        /** Returns the argmax agreement in percent (100 for no images). */
        public double argmaxAgreementPercent() {
            return images == 0 ? 100.0 : 100.0 * argmaxAgreements / images;
        }
    }

    /**
     * The first image where two formats disagree.
     *
     * @param index the test-image index (0-based)
     * @param first the first format of the pair
     * @param second the second format of the pair
     * @param reason what differed, e.g. {@code |Δ log p| = 3.2e-03 > 1.0e-04 (class 7)} or {@code argmax 3 vs 5}
     */
    @JsonPropertyOrder({"index", "first", "second", "reason"})
    public record Divergence(@JsonProperty("index") int index, @JsonProperty("first") String first,
            @JsonProperty("second") String second, @JsonProperty("reason") String reason) {
    }

    /** Returns the result of {@code format}, or null if it was not compared. */
    public FormatResult format(String format) {
        return formats.stream().filter(f -> f.format().equals(format)).findFirst().orElse(null);
    }

    /** Returns the comparison of the two formats (in either order), or null. */
    public PairResult pair(String a, String b) {
        return pairs.stream().filter(p -> p.first().equals(a) && p.second().equals(b)
                || p.first().equals(b) && p.second().equals(a)).findFirst().orElse(null);
    }

    /** Returns the largest {@link PairResult#maxAbsDiff()} over all pairs (0 without pairs). */
    public double maxAbsDiff() {
        return pairs.stream().mapToDouble(PairResult::maxAbsDiff).max().orElse(0);
    }

    /**
     * Returns one line saying why the check failed, naming the first diverging image and the pair of formats,
     * or null if it passed.
     */
    public String failureMessage() {
        if (passed) {
            return null;
        }
        if (firstDivergence != null) {
            return "parity failed on " + dataset + " test image " + firstDivergence.index() + ": "
                    + firstDivergence.first() + " vs " + firstDivergence.second() + " " + firstDivergence.reason()
                    + " (tolerance " + fmt(tolerance) + ", " + images + " images compared)";
        }
        List<String> acc = new ArrayList<>();
        for (FormatResult f : formats) {
            acc.add(f.format() + " " + f.correct() + "/" + f.images());
        }
        return "parity failed: the formats' accuracies differ (" + String.join(", ", acc) + ")";
    }

    /** Returns a short human-readable table: pairs with max difference and argmax agreement, accuracy per format. */
    public String table() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "parity on %d %s test images (tolerance %s): %s%n", images, dataset,
                fmt(tolerance), passed ? "PASS" : "FAIL"));
        sb.append(String.format(Locale.ROOT, "  %-26s %-14s %s%n", "pair", "max |Δ log p|", "argmax agreement"));
        for (PairResult p : pairs) {
            sb.append(String.format(Locale.ROOT, "  %-26s %-14s %d/%d (%.2f %%)%s%n", p.label(), fmt(p.maxAbsDiff()),
                    p.argmaxAgreements(), p.images(), p.argmaxAgreementPercent(), p.passed() ? "" : "  FAIL"));
        }
        sb.append(String.format(Locale.ROOT, "  %-12s %-9s %-12s %s%n", "format", "accuracy", "correct", "engine"));
        for (FormatResult f : formats) {
            sb.append(String.format(Locale.ROOT, "  %-12s %-9s %-12s %s%n", f.format(),
                    String.format(Locale.ROOT, "%.2f %%", f.accuracy()), f.correct() + "/" + f.images(), f.engine()));
        }
        for (String n : notes) {
            sb.append("  note: ").append(n).append(System.lineSeparator());
        }
        if (!passed) {
            sb.append("  ").append(failureMessage()).append(System.lineSeparator());
        }
        return sb.toString();
    }

    /** Returns the report as indented JSON (the content of parity.json). */
    public String toJson() {
        try {
            return JSON.writeValueAsString(this) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise the parity report: " + e.getMessage(), e);
        }
    }

    /** Returns the report as a JSON tree (as embedded in manifest.json). */
    public JsonNode toJsonNode() {
        return JSON.valueToTree(this);
    }

    private static String fmt(double v) {
        if (Double.isInfinite(v) || Double.isNaN(v)) {
            return "inf";
        }
        return String.format(Locale.ROOT, "%.2e", v);
    }
}
