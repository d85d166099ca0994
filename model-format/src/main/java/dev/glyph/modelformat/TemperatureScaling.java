package dev.glyph.modelformat;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * A model's probability calibration by temperature scaling: the temperature {@code T} that {@code probs = softmax(log_probs / T)} applies,
 * fitted on images held out of training, with the figures that show what it did. Recorded in provenance.json by
 * the trainer ({@code "temperature_scaling"}) and in manifest.json by the exporter; the SDK and the server apply it to
 * {@code probs}. The class also holds the arithmetic: expected calibration error, mean NLL at a temperature, and
 * the one-dimensional NLL fit of the temperature.
 *
 * <pre>{@code
 * double t = TemperatureScaling.fitTemperature(heldOutLogProbs, heldOutLabels);
 * double ece = TemperatureScaling.ece(testLogProbs, testLabels, t, TemperatureScaling.ECE_BINS);
 * }</pre>
 *
 * <p>Thread-safety: immutable; the static methods are pure.
 *
 * @param temperature the fitted temperature (1 = unchanged), finite and positive
 * @param method always {@code "temperature"}
 * @param heldOut the number of training images the temperature was fitted on
 * @param heldOutSha256 SHA-256 of the held-out image indices (int32 little-endian), or null
 * @param nllHeldOutBefore mean NLL on the held-out images at T = 1
 * @param nllHeldOutAfter mean NLL on the held-out images at the fitted T
 * @param eceTestBefore expected calibration error (percent, {@link #ECE_BINS} bins) on the test set at T = 1, or
 *     null when not measured
 * @param eceTestAfter the same at the fitted T, or null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"temperature", "method", "held_out", "held_out_sha256", "nll_held_out_before",
    "nll_held_out_after", "ece_test_before", "ece_test_after"})
public record TemperatureScaling(
        double temperature,
        String method,
        @JsonProperty("held_out") int heldOut,
        @JsonProperty("held_out_sha256") String heldOutSha256,
        @JsonProperty("nll_held_out_before") double nllHeldOutBefore,
        @JsonProperty("nll_held_out_after") double nllHeldOutAfter,
        @JsonProperty("ece_test_before") Double eceTestBefore,
        @JsonProperty("ece_test_after") Double eceTestAfter) {

    /** The bin count of every expected calibration error Glyph reports (equal-width confidence bins). */
    public static final int ECE_BINS = 15;
    /** The only method. */
    public static final String TEMPERATURE = "temperature";
    private static final double T_MIN = 0.05;
    private static final double T_MAX = 20;

    /** Validates the temperature. */
    public TemperatureScaling {
        if (!(temperature >= T_MIN && temperature <= T_MAX)) {
            throw new IllegalArgumentException("calibration temperature must be in [" + T_MIN + ", " + T_MAX
                    + "], found " + temperature);
        }
        if (method == null) {
            method = TEMPERATURE;
        }
        if (!TEMPERATURE.equals(method)) {
            throw new IllegalArgumentException("calibration method must be '" + TEMPERATURE + "', found '" + method + "'");
        }
    }

    /**
     * Reads the record from its JSON object (the {@code temperature_scaling} member of provenance.json or
     * manifest.json), checking every member: {@code temperature} a number in [0.05, 20]; {@code method} absent or
     * {@code "temperature"}; {@code held_out} an integer >= 0; {@code held_out_sha256} absent, null or a string;
     * {@code nll_held_out_before}/{@code _after} finite numbers; {@code ece_test_before}/{@code _after} absent,
     * null or finite numbers. Unknown members are ignored.
     *
     * @param node the JSON value
     * @return the record
     * @throws IllegalArgumentException naming the member ({@code temperature_scaling.<member>}), what was found and
     *     what was expected, on one line
     */
    public static TemperatureScaling fromJson(JsonNode node) {
        String at = "temperature_scaling";
        if (node == null || !node.isObject()) {
            throw wrong(at, node, "an object with temperature, method, held_out, nll_held_out_before and "
                    + "nll_held_out_after");
        }
        JsonNode t = node.get("temperature");
        if (t == null || !t.isNumber() || !(t.asDouble() >= T_MIN && t.asDouble() <= T_MAX)) {
            throw wrong(at + ".temperature", t, "a number in [" + T_MIN + ", " + T_MAX + "]");
        }
        String method = null;
        JsonNode m = node.get("method");
        if (m != null && !m.isNull()) {
            if (!m.isTextual() || !TEMPERATURE.equals(m.asText())) {
                throw wrong(at + ".method", m, "\"" + TEMPERATURE + "\"");
            }
            method = m.asText();
        }
        JsonNode h = node.get("held_out");
        if (h == null || !h.isIntegralNumber() || !h.canConvertToInt() || h.asInt() < 0) {
            throw wrong(at + ".held_out", h, "an integer >= 0 (the number of held-out training images)");
        }
        String sha = null;
        JsonNode s = node.get("held_out_sha256");
        if (s != null && !s.isNull()) {
            if (!s.isTextual()) {
                throw wrong(at + ".held_out_sha256", s, "a string (hex SHA-256) or null");
            }
            sha = s.asText();
        }
        return new TemperatureScaling(t.asDouble(), method, h.asInt(), sha,
                finite(node, "nll_held_out_before", false), finite(node, "nll_held_out_after", false),
                finite(node, "ece_test_before", true), finite(node, "ece_test_after", true));
    }

    private static Double finite(JsonNode node, String key, boolean optional) {
        JsonNode v = node.get(key);
        if (optional && (v == null || v.isNull())) {
            return null;
        }
        if (v == null || !v.isNumber() || !Double.isFinite(v.asDouble())) {
            throw wrong("temperature_scaling." + key, v, optional ? "a finite number or null" : "a finite number");
        }
        return v.asDouble();
    }

    private static IllegalArgumentException wrong(String path, JsonNode found, String expected) {
        String kind;
        if (found == null || found.isMissingNode()) {
            kind = "missing";
        } else if (found.isObject()) {
            kind = "an object";
        } else if (found.isArray()) {
            kind = "an array";
        } else if (found.isTextual()) {
            String text = found.asText();
            kind = "the string \"" + (text.length() > 40 ? text.substring(0, 40) + "..." : text) + "\"";
        } else {
            kind = found.toString();
        }
        return new IllegalArgumentException(path + " is " + kind + "; expected " + expected);
    }

    /** Returns {@code softmax(logProbs / temperature)}, computed stably. */
    public static float[] probabilities(float[] logProbs, double temperature) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logProbs) {
            max = Math.max(max, v / temperature);
        }
        double sum = 0;
        double[] e = new double[logProbs.length];
        for (int i = 0; i < e.length; i++) {
            e[i] = Math.exp(logProbs[i] / temperature - max);
            sum += e[i];
        }
        float[] p = new float[e.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = (float) (e[i] / sum);
        }
        return p;
    }

    /** Mean negative log-likelihood of {@code labels} under {@code softmax(logProbs / t)}. */
    public static double nll(float[][] logProbs, int[] labels, double t) {
        check(logProbs, labels);
        double total = 0;
        for (int i = 0; i < labels.length; i++) {
            float[] row = logProbs[i];
            double max = Double.NEGATIVE_INFINITY;
            for (float v : row) {
                max = Math.max(max, v / t);
            }
            double sum = 0;
            for (float v : row) {
                sum += Math.exp(v / t - max);
            }
            total -= row[labels[i]] / t - max - Math.log(sum);
        }
        return total / labels.length;
    }

    /**
     * Expected calibration error in percent: the image-weighted mean, over {@code bins} equal-width bins of the
     * top-1 confidence, of |accuracy − mean confidence| (Guo et al. 2017).
     */
    public static double ece(float[][] logProbs, int[] labels, double t, int bins) {
        check(logProbs, labels);
        if (bins < 1) {
            throw new IllegalArgumentException("ECE needs at least one bin, found " + bins);
        }
        double[] conf = new double[bins];
        int[] right = new int[bins];
        int[] count = new int[bins];
        for (int i = 0; i < labels.length; i++) {
            float[] p = probabilities(logProbs[i], t);
            int best = 0;
            for (int k = 1; k < p.length; k++) {
                if (p[k] > p[best]) {
                    best = k;
                }
            }
            int b = Math.min(bins - 1, (int) (p[best] * bins));
            conf[b] += p[best];
            count[b]++;
            if (best == labels[i]) {
                right[b]++;
            }
        }
        double e = 0;
        for (int b = 0; b < bins; b++) {
            if (count[b] > 0) {
                e += Math.abs(right[b] - conf[b]);
            }
        }
        return 100.0 * e / labels.length;
    }

    /**
     * The temperature in [0.05, 20] that minimises {@link #nll} on {@code logProbs}, {@code labels}: a golden-section
     * search on log T (the NLL is convex in 1/T), to a relative precision of 1e-4.
     */
    public static double fitTemperature(float[][] logProbs, int[] labels) {
        check(logProbs, labels);
        double lo = Math.log(T_MIN);
        double hi = Math.log(T_MAX);
        double g = (Math.sqrt(5) - 1) / 2;
        double a = hi - g * (hi - lo);
        double b = lo + g * (hi - lo);
        double fa = nll(logProbs, labels, Math.exp(a));
        double fb = nll(logProbs, labels, Math.exp(b));
        while (hi - lo > 1e-4) {
            if (fa <= fb) {
                hi = b;
                b = a;
                fb = fa;
                a = hi - g * (hi - lo);
                fa = nll(logProbs, labels, Math.exp(a));
            } else {
                lo = a;
                a = b;
                fa = fb;
                b = lo + g * (hi - lo);
                fb = nll(logProbs, labels, Math.exp(b));
            }
        }
        return Math.exp((lo + hi) / 2);
    }

    private static void check(float[][] logProbs, int[] labels) {
        if (logProbs.length != labels.length || labels.length == 0) {
            throw new IllegalArgumentException("calibration needs one label per row and at least one row, found "
                    + logProbs.length + " rows and " + labels.length + " labels");
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= logProbs[i].length) {
                throw new IllegalArgumentException("label " + labels[i] + " of row " + i + " is outside 0.."
                        + (logProbs[i].length - 1));
            }
        }
    }
}
