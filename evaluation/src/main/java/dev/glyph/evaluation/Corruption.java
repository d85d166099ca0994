package dev.glyph.evaluation;

import dev.glyph.evaluation.internal.PixelOps;
import dev.glyph.inferencesdk.DigitImage;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * A controlled shift of a 28x28 digit, applied at a strength, as in corruption benchmarks (MNIST-C,
 * ImageNet-C). Each works on 784 floats in [0,1] (row-major, 0 = background) directly, is pure (returns a new
 * array, leaves the input alone) and deterministic; the random ones ({@link #NOISE}, the direction of
 * {@link #TRANSLATION}) draw from the given seed only.
 *
 * <pre>{@code
 * float[] rotated = Corruption.ROTATION.apply(pixels, 20, 0L);     // 20 degrees
 * for (double s : Corruption.BLUR.strengths()) { ... }              // 0.5, 1, 1.5
 * }</pre>
 *
 * <p>Thread-safety: stateless constants.
 */
public enum Corruption {

    /** Rotation about the centre by the strength in degrees (bilinear); 0 is the identity. */
    ROTATION("degrees", List.of(0.0, 10.0, 20.0, 30.0, 45.0)),
    /**
     * Stroke thickness: strength k &gt; 0 dilates k times, k &lt; 0 erodes |k| times, with the 4-neighbour cross
     * (each step moves the stroke edge by one pixel); an integer in -3..3.
     */
    THICKNESS("pixels", List.of(-2.0, -1.0, 1.0, 2.0)),
    /** Gaussian blur with the strength as its standard deviation in pixels. */
    BLUR("sigma", List.of(0.5, 1.0, 1.5)),
    /** Additive Gaussian noise with the strength as its standard deviation (pixels in [0,1]), clamped. */
    NOISE("sigma", List.of(0.1, 0.2, 0.3)),
    /** Inversion v → 1 - v at strength 1 (0 is the identity). */
    INVERSION("on", List.of(1.0)),
    /**
     * Translation by the strength in whole pixels along one of the 8 compass directions, the direction drawn
     * from the seed; an integer in 0..27.
     */
    TRANSLATION("pixels", List.of(2.0, 4.0)),
    /** Scaling about the centre by the strength as factor (bilinear; area averaged when shrinking); 1 is the identity. */
    SCALE("factor", List.of(0.7, 1.3));

    private final String unit;
    private final List<Double> strengths;

    Corruption(String unit, List<Double> strengths) {
        this.unit = unit;
        this.strengths = strengths;
    }

    /** Returns the unit of the strength, e.g. {@code degrees}. */
    public String unit() {
        return unit;
    }

    /** Returns the default strengths, mildest first. */
    public List<Double> strengths() {
        return strengths;
    }

    /** Returns the lower-case name used in reports and on the command line, e.g. {@code rotation}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Returns whether {@code strength} leaves every image unchanged (rotation 0, scale 1, ...). */
    public boolean isIdentity(double strength) {
        return switch (this) {
            case SCALE -> strength == 1.0;
            default -> strength == 0.0;
        };
    }

    /**
     * Returns {@code pixels} shifted at {@code strength}; {@code seed} drives the random ones.
     *
     * @throws IllegalArgumentException if {@code pixels} is not 784 long or {@code strength} is out of range for
     *     this corruption (the message names both)
     */
    public float[] apply(float[] pixels, double strength, long seed) {
        if (pixels == null || pixels.length != DigitImage.PIXELS) {
            throw new IllegalArgumentException(id() + ": image has " + (pixels == null ? "no" : pixels.length)
                    + " pixels; expected " + DigitImage.PIXELS + " (28x28)");
        }
        if (!Double.isFinite(strength)) {
            throw new IllegalArgumentException(id() + ": strength is " + strength + "; expected a finite number");
        }
        return switch (this) {
            case ROTATION -> PixelOps.rotate(pixels, strength);
            case THICKNESS -> PixelOps.morph(pixels, integer(strength, -3, 3));
            case BLUR -> PixelOps.blur(pixels, nonNegative(strength));
            case NOISE -> PixelOps.noise(pixels, nonNegative(strength), seed);
            case INVERSION -> integer(strength, 0, 1) == 1 ? PixelOps.invert(pixels) : pixels.clone();
            case TRANSLATION -> {
                int k = integer(strength, 0, 27);
                int dir = new SplittableRandom(seed).nextInt(8);
                int[] dx = {1, 1, 0, -1, -1, -1, 0, 1};
                int[] dy = {0, 1, 1, 1, 0, -1, -1, -1};
                yield PixelOps.translate(pixels, dx[dir] * k, dy[dir] * k);
            }
            case SCALE -> {
                if (strength <= 0 || strength > 4) {
                    throw new IllegalArgumentException("scale: factor is " + strength + "; expected in (0, 4]");
                }
                yield strength == 1.0 ? pixels.clone() : PixelOps.scale(pixels, strength);
            }
        };
    }

    private int integer(double strength, int min, int max) {
        if (strength != Math.rint(strength) || strength < min || strength > max) {
            throw new IllegalArgumentException(id() + ": strength is " + strength + "; expected an integer in "
                    + min + ".." + max + " (" + unit + ")");
        }
        return (int) strength;
    }

    private double nonNegative(double strength) {
        if (strength < 0) {
            throw new IllegalArgumentException(id() + ": strength is " + strength + "; expected >= 0 (" + unit + ")");
        }
        return strength;
    }

    /**
     * Parses a name as {@link #id()} prints it, case-insensitively.
     *
     * @throws IllegalArgumentException naming the accepted names
     */
    public static Corruption parse(String name) {
        for (Corruption c : values()) {
            if (c.id().equalsIgnoreCase(name == null ? "" : name.trim())) {
                return c;
            }
        }
        throw new IllegalArgumentException("'" + name + "' is not a corruption; expected one of "
                + java.util.Arrays.stream(values()).map(Corruption::id).toList());
    }
}
