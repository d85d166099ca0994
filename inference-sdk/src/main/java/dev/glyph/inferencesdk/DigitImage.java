package dev.glyph.inferencesdk;

import dev.glyph.inferencesdk.internal.Preprocessor;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * One 28x28 grayscale digit ready for the model: 784 floats in [0, 1], row-major, 0 = background
 * (black), 1 = ink (white), exactly like MNIST pixel/255.
 *
 * <pre>{@code
 * DigitImage a = DigitImage.ofGray8(mnistBytes);           // byte[784], 0 = background
 * DigitImage b = DigitImage.ofPixels(floats);              // float[784] in [0,1]
 * DigitImage c = DigitImage.ofPng(Files.readAllBytes(p));  // any size, any background
 * }</pre>
 *
 * <p>{@link #ofEncoded(byte[])} preprocesses a photo or scan the way MNIST was made: convert to
 * grayscale; invert when the background is light (mean of the border pixels above 127.5 of 255);
 * crop to the bounding box of "ink" pixels (ink = at least 25% of the way from the background
 * level to full ink, i.e. a value of at least 0.25 after normalising the image to [0,1]); scale so
 * the longer side is 20 px, keeping the aspect ratio (area averaging, anti-aliased); paste into a
 * 28x28 canvas and shift it so that its centre of mass lies at (14, 14) (shift clamped so the digit
 * stays inside the canvas). An image with no ink becomes all zeros.
 *
 * <p>Thread-safety: immutable; safe to share.
 */
public final class DigitImage {

    /** Pixels per side. */
    public static final int SIZE = 28;
    /** Pixels per image. */
    public static final int PIXELS = SIZE * SIZE;

    private final float[] pixels;

    private DigitImage(float[] pixels) {
        this.pixels = pixels;
    }

    /**
     * Wraps 784 unsigned bytes (row-major, 0 = background, 255 = ink), as stored in the MNIST IDX
     * files; each byte becomes {@code (b & 0xFF) / 255f}.
     *
     * @throws IllegalArgumentException if {@code gray8} is null or not 784 long
     */
    public static DigitImage ofGray8(byte[] gray8) {
        requireNonNull(gray8, "image bytes are", "gray8 values");
        requireLength(gray8.length, "bytes", "gray8, 0 = background");
        return new DigitImage(Preprocessor.gray8ToPixels(gray8, 0));
    }

    /**
     * Wraps 784 bytes starting at {@code offset} of {@code buffer} (for example inside a whole IDX
     * file's image block).
     *
     * @throws IllegalArgumentException if fewer than 784 bytes are available at {@code offset}
     */
    public static DigitImage ofGray8(byte[] buffer, int offset) {
        requireNonNull(buffer, "image bytes are", "gray8 values");
        if (offset < 0 || offset > buffer.length - PIXELS) {
            throw new IllegalArgumentException("offset " + offset + " leaves " + Math.max(0, buffer.length - offset)
                    + " bytes in a buffer of " + buffer.length + "; expected " + PIXELS);
        }
        return new DigitImage(Preprocessor.gray8ToPixels(buffer, offset));
    }

    /**
     * Copies 784 floats in [0, 1] (row-major, 0 = background).
     *
     * @throws IllegalArgumentException if {@code pixels} is null, not 784 long, or holds NaN,
     *     infinity or a value outside [0, 1] (the message names the first bad index and value)
     */
    public static DigitImage ofPixels(float[] pixels) {
        requireNonNull(pixels, "pixels are", "floats in [0,1]");
        requireLength(pixels.length, "pixels", "floats in [0,1]");
        Preprocessor.checkPixels(pixels);
        return new DigitImage(pixels.clone());
    }

    private static void requireNonNull(Object array, String subject, String values) {
        if (array == null) {
            throw new IllegalArgumentException(subject + " null; expected " + PIXELS + " " + values);
        }
    }

    private static void requireLength(int length, String unit, String values) {
        if (length != PIXELS) {
            throw new IllegalArgumentException("image has " + length + " " + unit + "; expected " + PIXELS
                    + " (28x28 " + values + ")");
        }
    }

    /**
     * Decodes a PNG, JPEG, BMP or GIF image of any size and preprocesses it like MNIST (see the
     * class comment), with the default limits: at most {@value ImageHeader#DEFAULT_MAX_IMAGE_PIXELS}
     * pixels, decoded to at most {@value ImageHeader#DEFAULT_MAX_DECODED_PIXELS}.
     *
     * @throws IllegalArgumentException if {@code encoded} is null, empty, another format (TIFF,
     *     WBMP, ... are refused by their magic bytes), too large or not decodable
     */
    public static DigitImage ofEncoded(byte[] encoded) {
        return new DigitImage(Preprocessor.fromEncoded(encoded));
    }

    /**
     * Same as {@link #ofEncoded(byte[])} with explicit limits: images whose header says more than
     * {@code maxImagePixels} are refused before decoding, and images larger than
     * {@code maxDecodedPixels} are subsampled while decoding (every n-th row and column), which
     * bounds the memory and time one image can take.
     *
     * @throws IllegalArgumentException as {@link #ofEncoded(byte[])}
     */
    public static DigitImage ofEncoded(byte[] encoded, long maxImagePixels, long maxDecodedPixels) {
        return new DigitImage(Preprocessor.fromEncoded(encoded, maxImagePixels, maxDecodedPixels));
    }

    /** Same as {@link #ofEncoded(byte[])} (PNG, JPEG, BMP or GIF). */
    public static DigitImage ofPng(byte[] png) {
        return ofEncoded(png);
    }

    /** Returns a copy of the 784 pixels. */
    public float[] pixels() {
        return pixels.clone();
    }

    /** Returns the pixel at {@code row}, {@code col} (both 0..27). */
    public float pixel(int row, int col) {
        if (row < 0 || row >= SIZE || col < 0 || col >= SIZE) {
            throw new IllegalArgumentException("pixel (" + row + "," + col + ") is outside 0..27");
        }
        return pixels[row * SIZE + col];
    }

    /** Copies the 784 pixels into {@code dst} at {@code offset}. */
    public void copyTo(float[] dst, int offset) {
        System.arraycopy(pixels, 0, dst, offset, PIXELS);
    }

    /** Puts the 784 pixels into {@code dst} at its position, advancing it. */
    public void copyTo(FloatBuffer dst) {
        dst.put(pixels);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DigitImage d && Arrays.equals(pixels, d.pixels);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(pixels);
    }

    @Override
    public String toString() {
        return "DigitImage[28x28]";
    }
}
