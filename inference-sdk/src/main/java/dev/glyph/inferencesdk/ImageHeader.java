package dev.glyph.inferencesdk;

import dev.glyph.inferencesdk.internal.Preprocessor;
import java.util.List;

/**
 * The format and size of an encoded image, read from its header without decoding any pixel. Used
 * to refuse a decompression bomb before it is decoded and to estimate what decoding will cost.
 *
 * <pre>{@code
 * ImageHeader h = ImageHeader.read(bytes);               // IllegalArgumentException if not PNG/JPEG/BMP/GIF
 * long px = h.decodedPixels(ImageHeader.DEFAULT_MAX_DECODED_PIXELS);
 * DigitImage d = DigitImage.ofEncoded(bytes, ImageHeader.DEFAULT_MAX_IMAGE_PIXELS, ImageHeader.DEFAULT_MAX_DECODED_PIXELS);
 * }</pre>
 *
 * <p>Thread-safety: immutable.
 *
 * @param format one of {@link #ACCEPTED_FORMATS}
 * @param width width in pixels
 * @param height height in pixels
 */
public record ImageHeader(String format, int width, int height) {

    /** The accepted encodings, recognised by their magic bytes; anything else is refused. */
    public static final List<String> ACCEPTED_FORMATS = List.of("PNG", "JPEG", "BMP", "GIF");
    /** The default largest accepted image, width x height. */
    public static final long DEFAULT_MAX_IMAGE_PIXELS = 40_000_000L;
    /** The default most pixels an image is decoded to (1024 x 1024); larger images are subsampled. */
    public static final long DEFAULT_MAX_DECODED_PIXELS = 1L << 20;
    /** The smallest allowed cap on decoded pixels (one 28 x 28 digit). */
    public static final long MIN_DECODED_PIXELS = DigitImage.PIXELS;
    /**
     * Worst-case bytes held per decoded pixel while an image is decoded and preprocessed: the
     * decoded raster (up to 8 for 16-bit RGBA), the ARGB copy (4) and the grayscale buffers (3 x 8).
     */
    public static final int BYTES_PER_DECODED_PIXEL = 36;

    /**
     * Reads the header of {@code encoded}.
     *
     * @throws IllegalArgumentException if the bytes are null or empty, are not one of
     *     {@link #ACCEPTED_FORMATS} by their magic bytes (the message names the format found), or
     *     the header cannot be read
     */
    public static ImageHeader read(byte[] encoded) {
        return Preprocessor.readHeader(encoded);
    }

    /** Returns width x height. */
    public long pixels() {
        return (long) width * height;
    }

    /**
     * Returns the subsampling step {@code s} (every s-th row and column is decoded) that keeps the
     * decoded image within {@code maxDecodedPixels}: 1 for images that fit.
     */
    public int subsampling(long maxDecodedPixels) {
        int s = (int) Math.max(1, Math.floor(Math.sqrt((double) pixels() / Math.max(1, maxDecodedPixels))));
        while (decoded(width, s) * decoded(height, s) > maxDecodedPixels) {
            s++;
        }
        return s;
    }

    /** Returns how many pixels decoding with {@link #subsampling(long)} produces. */
    public long decodedPixels(long maxDecodedPixels) {
        int s = subsampling(maxDecodedPixels);
        return decoded(width, s) * decoded(height, s);
    }

    /** Returns the estimated bytes decoding and preprocessing this image holds at most. */
    public long decodeBytes(long maxDecodedPixels) {
        return decodedPixels(maxDecodedPixels) * BYTES_PER_DECODED_PIXEL;
    }

    private static long decoded(int side, int s) {
        return (side + s - 1L) / s;
    }
}
