package dev.glyph.trainer;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The seeded data augmentation of a training run, applied to every training image on the training device before
 * each step (evaluation images are never augmented). Every random choice is drawn from a generator seeded by
 * (seed, epoch, image index), so a rerun with the same seed, device and thread count is bit-identical and a
 * resumed run equals an uninterrupted one.
 *
 * <p>Per image, in this order:
 * <ol>
 *   <li>a random affine map: rotation uniform in ±{@code rotation} degrees, scale uniform in
 *       1 ± {@code scale}, shear uniform in ±{@code shear} degrees, translation uniform in ±{@code translate}
 *       pixels on each axis;</li>
 *   <li>with probability {@code elasticProbability}, elastic distortion (Simard, Steinkraus and Platt 2003):
 *       a uniform(−1, 1) displacement field smoothed by a Gaussian of σ = {@code elasticSigma} pixels and scaled
 *       by {@code elasticAlpha}; both are resampled bilinearly in one pass, outside pixels are background;</li>
 *   <li>with probability {@code strokeProbability}, a stroke-width change: half the time a dilation by a 3×3
 *       grey-level max filter blended in with a uniform strength in (0, 1], half an erosion by a 3×3 min filter
 *       blended in with a strength in (0, 0.6] (a full 3×3 erosion wipes out strokes thinner than 3 pixels,
 *       and with them the label);</li>
 *   <li>with probability {@code blurProbability}, a Gaussian blur of σ = 1 pixel blended in with a uniform
 *       strength in (0, 1];</li>
 *   <li>a contrast factor uniform in 1 ± {@code contrast} on the ink;</li>
 *   <li>with probability {@code noiseProbability}, pixel noise of a standard deviation uniform in
 *       (0, {@code noise}] (in pixel/255 units, zero-mean uniform per pixel), then the clip to the pixel
 *       range. Blur and elastic augmentation alone leave a model more sensitive to pixel noise than none.</li>
 * </ol>
 *
 * <pre>{@code
 * Augmentation a = Augmentation.parse("rotate=15,scale=0.15,elastic=34:4:0.5,stroke=0.3");
 * TrainConfig cfg = TrainConfig.builder(data, out).augment(a).build();
 * }</pre>
 *
 * <p>Thread-safety: immutable.
 *
 * @param rotation maximum rotation in degrees, 0..90
 * @param scale maximum relative scale change, 0..0.5
 * @param shear maximum shear angle in degrees, 0..45
 * @param translate maximum translation in pixels, 0..8
 * @param elasticAlpha elastic displacement scale in pixels (0 = off), 0..100
 * @param elasticSigma elastic smoothing σ in pixels, 1..10
 * @param elasticProbability share of images distorted elastically, 0..1
 * @param strokeProbability share of images whose strokes are thickened or thinned, 0..1
 * @param blurProbability share of images blurred, 0..1
 * @param contrast maximum relative change of ink intensity, 0..0.9
 * @param noise maximum standard deviation of pixel noise, 0..0.5
 * @param noiseProbability share of images given pixel noise, 0..1
 */
public record Augmentation(double rotation, double scale, double shear, double translate, double elasticAlpha,
        double elasticSigma, double elasticProbability, double strokeProbability, double blurProbability,
        double contrast, double noise, double noiseProbability) {

    /** No augmentation: images are used as they are. */
    public static final Augmentation NONE = new Augmentation(0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0);

    /** The spec names {@link #parse} accepts, in order. */
    public static final String SPEC_HELP = "none, or comma-separated rotate=DEG, scale=F, shear=DEG, translate=PX, "
            + "elastic=ALPHA:SIGMA[:P], stroke=P, blur=P, contrast=F, noise=SIGMA[:P]";

    /** Validates every range; a bad value names the parameter, the value and the range. */
    public Augmentation {
        check("rotate", rotation, 0, 90);
        check("scale", scale, 0, 0.5);
        check("shear", shear, 0, 45);
        check("translate", translate, 0, 8);
        check("elastic alpha", elasticAlpha, 0, 100);
        check("elastic sigma", elasticSigma, 1, 10);
        check("elastic probability", elasticProbability, 0, 1);
        check("stroke", strokeProbability, 0, 1);
        check("blur", blurProbability, 0, 1);
        check("contrast", contrast, 0, 0.9);
        check("noise", noise, 0, 0.5);
        check("noise probability", noiseProbability, 0, 1);
    }

    private static void check(String name, double v, double lo, double hi) {
        if (!(v >= lo && v <= hi)) {
            throw new IllegalArgumentException("--augment " + name + " must be in [" + fmt(lo) + ", " + fmt(hi)
                    + "], found " + fmt(v));
        }
    }

    /** Whether this changes no image. */
    public boolean isNone() {
        return rotation == 0 && scale == 0 && shear == 0 && translate == 0 && !elastic() && strokeProbability == 0
                && blurProbability == 0 && contrast == 0 && !noisy();
    }

    /** Whether pixel noise is on. */
    public boolean noisy() {
        return noise > 0 && noiseProbability > 0;
    }

    /** Whether elastic distortion is on. */
    public boolean elastic() {
        return elasticAlpha > 0 && elasticProbability > 0;
    }

    /**
     * Parses {@code none} or a comma-separated list such as {@code rotate=10,scale=0.1,elastic=34:4:0.5}. Keys not
     * given are off; {@code elastic}'s probability defaults to 1.
     *
     * @throws IllegalArgumentException naming the unknown key, the malformed value or the range
     */
    public static Augmentation parse(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("--augment is empty; expected " + SPEC_HELP);
        }
        String s = spec.trim();
        if (s.equalsIgnoreCase("none")) {
            return NONE;
        }
        double rot = 0;
        double scale = 0;
        double shear = 0;
        double translate = 0;
        double alpha = 0;
        double sigma = 4;
        double pe = 0;
        double stroke = 0;
        double blur = 0;
        double contrast = 0;
        double noise = 0;
        double pn = 0;
        for (String part : s.split(",")) {
            String[] kv = part.trim().split("=", 2);
            if (kv.length != 2 || kv[1].isBlank()) {
                throw new IllegalArgumentException("--augment part '" + part.trim() + "' is not KEY=VALUE; expected "
                        + SPEC_HELP);
            }
            String v = kv[1].trim();
            switch (kv[0].trim().toLowerCase(Locale.ROOT)) {
                case "rotate" -> rot = number(kv[0], v);
                case "scale" -> scale = number(kv[0], v);
                case "shear" -> shear = number(kv[0], v);
                case "translate" -> translate = number(kv[0], v);
                case "elastic" -> {
                    String[] e = v.split(":", -1);
                    if (e.length < 2 || e.length > 3) {
                        throw new IllegalArgumentException("--augment elastic='" + v
                                + "' is not ALPHA:SIGMA or ALPHA:SIGMA:P (for example elastic=34:4:0.5)");
                    }
                    alpha = number("elastic alpha", e[0]);
                    sigma = number("elastic sigma", e[1]);
                    pe = e.length == 3 ? number("elastic probability", e[2]) : 1;
                }
                case "stroke" -> stroke = number(kv[0], v);
                case "blur" -> blur = number(kv[0], v);
                case "contrast" -> contrast = number(kv[0], v);
                case "noise" -> {
                    String[] e = v.split(":", -1);
                    if (e.length > 2) {
                        throw new IllegalArgumentException("--augment noise='" + v
                                + "' is not SIGMA or SIGMA:P (for example noise=0.3:0.5)");
                    }
                    noise = number("noise", e[0]);
                    pn = e.length == 2 ? number("noise probability", e[1]) : 1;
                }
                default -> throw new IllegalArgumentException("--augment has an unknown key '" + kv[0].trim()
                        + "'; expected " + SPEC_HELP);
            }
        }
        return new Augmentation(rot, scale, shear, translate, alpha, sigma, pe, stroke, blur, contrast, noise, pn);
    }

    private static double number(String key, String v) {
        try {
            double d = Double.parseDouble(v.trim());
            if (Double.isFinite(d)) {
                return d;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("--augment " + key + "='" + v + "' is not a number");
    }

    /** The canonical spec, which {@link #parse} reads back to an equal value ({@code none} when off). */
    public String spec() {
        if (isNone()) {
            return "none";
        }
        StringBuilder b = new StringBuilder();
        add(b, "rotate", rotation);
        add(b, "scale", scale);
        add(b, "shear", shear);
        add(b, "translate", translate);
        if (elastic()) {
            b.append(b.length() > 0 ? "," : "").append("elastic=").append(fmt(elasticAlpha)).append(':')
                    .append(fmt(elasticSigma)).append(':').append(fmt(elasticProbability));
        }
        add(b, "stroke", strokeProbability);
        add(b, "blur", blurProbability);
        add(b, "contrast", contrast);
        if (noisy()) {
            b.append(b.length() > 0 ? "," : "").append("noise=").append(fmt(noise)).append(':')
                    .append(fmt(noiseProbability));
        }
        return b.toString();
    }

    private static void add(StringBuilder b, String key, double v) {
        if (v != 0) {
            b.append(b.length() > 0 ? "," : "").append(key).append('=').append(fmt(v));
        }
    }

    private static String fmt(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e9 ? Long.toString((long) v) : Double.toString(v);
    }

    /** Every parameter by name, for provenance. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("spec", spec());
        m.put("rotation_degrees", rotation);
        m.put("scale", scale);
        m.put("shear_degrees", shear);
        m.put("translate_pixels", translate);
        m.put("elastic_alpha", elasticAlpha);
        m.put("elastic_sigma", elasticSigma);
        m.put("elastic_probability", elasticProbability);
        m.put("stroke_probability", strokeProbability);
        m.put("blur_probability", blurProbability);
        m.put("contrast", contrast);
        m.put("noise", noise);
        m.put("noise_probability", noiseProbability);
        return m;
    }

    @Override
    public String toString() {
        return spec();
    }
}
