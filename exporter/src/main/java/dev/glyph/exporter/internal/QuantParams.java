package dev.glyph.exporter.internal;

/**
 * The scale and zero point of one quantised tensor, with ONNX's QuantizeLinear arithmetic: {@code q =
 * saturate(round_half_even(x / scale) + zeroPoint)} and DequantizeLinear {@code x = (q - zeroPoint) * scale}.
 *
 * <pre>{@code
 * QuantParams p = QuantParams.uint8(0f, 6.2f);      // scale 6.2/255, zero point 0
 * int q = p.quantize(1.5f);
 * }</pre>
 *
 * <p>Thread-safety: immutable.
 *
 * @param scale the step between two integer levels, positive and finite
 * @param zeroPoint the integer that represents 0.0
 * @param qmin the smallest integer level (0 for uint8, -128 or -127 for int8)
 * @param qmax the largest integer level (255 for uint8, 127 for int8)
 */
public record QuantParams(float scale, int zeroPoint, int qmin, int qmax) {

    /** Validates. */
    public QuantParams {
        if (!(scale > 0) || !Float.isFinite(scale)) {
            throw new IllegalArgumentException("scale is " + scale + "; expected a positive finite number");
        }
        if (zeroPoint < qmin || zeroPoint > qmax) {
            throw new IllegalArgumentException("zero point is " + zeroPoint + "; expected " + qmin + ".." + qmax);
        }
    }

    /**
     * Returns uint8 parameters covering {@code [min, max]} widened to include 0 (so 0.0 is exact): {@code scale =
     * (max - min) / 255}, {@code zeroPoint = round(-min / scale)}. An empty range (all zeros) gets scale 1.
     *
     * @throws IllegalArgumentException if a bound is not finite or {@code min > max}
     */
    public static QuantParams uint8(double min, double max) {
        if (!Double.isFinite(min) || !Double.isFinite(max) || min > max) {
            throw new IllegalArgumentException("range is [" + min + ", " + max + "]; expected finite min <= max");
        }
        double lo = Math.min(0, min);
        double hi = Math.max(0, max);
        float scale = (float) ((hi - lo) / 255.0);
        if (!(scale > 0) || !Float.isFinite(scale)) {
            return new QuantParams(1f, 0, 0, 255);
        }
        int zp = (int) Math.max(0, Math.min(255, Math.rint(-lo / scale)));
        return new QuantParams(scale, zp, 0, 255);
    }

    /**
     * Returns symmetric int8 parameters for values in {@code [-maxAbs, maxAbs]}: {@code scale = maxAbs / 127},
     * zero point 0, levels -127..127 ({@code -128} unused, as symmetric weight quantisation does); with
     * {@code reduceRange} the levels are -63..63 (7 bits).
     */
    public static QuantParams int8Symmetric(double maxAbs, boolean reduceRange) {
        int q = reduceRange ? 63 : 127;
        float scale = (float) (maxAbs / q);
        if (!(scale > 0) || !Float.isFinite(scale)) {
            scale = 1f;
        }
        return new QuantParams(scale, 0, -q, q);
    }

    /** ONNX QuantizeLinear of one value: round half to even, then saturate to {@code [qmin, qmax]}. */
    public int quantize(float x) {
        double q = Math.rint(x / scale) + zeroPoint;
        return (int) Math.max(qmin, Math.min(qmax, q));
    }

    /** ONNX DequantizeLinear of one level. */
    public float dequantize(int q) {
        return (q - zeroPoint) * scale;
    }

    /** The smallest value represented. */
    public double rangeMin() {
        return (double) (qmin - zeroPoint) * scale;
    }

    /** The largest value represented. */
    public double rangeMax() {
        return (double) (qmax - zeroPoint) * scale;
    }
}
