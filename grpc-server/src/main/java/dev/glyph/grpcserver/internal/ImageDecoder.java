package dev.glyph.grpcserver.internal;

import com.google.protobuf.ByteString;
import dev.glyph.inferencesdk.DigitImage;
import dev.glyph.inferencesdk.ImageHeader;
import dev.glyph.proto.v1.ClassifyRequest;
import dev.glyph.proto.v1.Image;
import dev.glyph.proto.v1.Pixels;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a request's {@link Image} messages into SDK {@link DigitImage}s, failing with a
 * {@link BadRequestException} that names the field and image index, e.g.
 * {@code images[3].gray8: expected 784 bytes, found 100}.
 *
 * <p>Encoded images (PNG, JPEG, BMP, GIF by their magic bytes; anything else is refused) are
 * checked in two steps: the header gives format and size, so an image above
 * {@code maxImagePixels} is refused without decoding; then the image's decode cost (decoded pixels
 * after subsampling to at most {@code maxDecodedPixels}, times
 * {@link ImageHeader#BYTES_PER_DECODED_PIXEL}) is reserved from the {@link DecodePool}'s byte cap
 * for as long as it is decoded. Every decoder failure is INVALID_ARGUMENT naming {@code images[j]}.
 * Requests with encoded images are decoded on the decode pool, see {@link #hasEncoded}.
 *
 * <p>Thread-safety: thread-safe (immutable apart from the pool's counters).
 *
 * @param maxImagePixels largest accepted image (width x height from its header)
 * @param maxDecodedPixels most pixels an image is decoded to (larger ones are subsampled)
 * @param pool where decode memory is reserved
 */
public record ImageDecoder(long maxImagePixels, long maxDecodedPixels, DecodePool pool) {

    /** Returns whether {@code request} holds an encoded image (to be decoded on the decode pool). */
    public static boolean hasEncoded(ClassifyRequest request) {
        for (int i = 0; i < request.getImagesCount(); i++) {
            if (request.getImages(i).getDataCase() == Image.DataCase.ENCODED) {
                return true;
            }
        }
        return false;
    }

    /**
     * Decodes every image of {@code request}.
     *
     * @param maxImages the most images one request may hold
     * @throws BadRequestException if there are no images, too many, or one is malformed
     * @throws OverloadedException if the decoded-bytes cap is reached
     */
    public List<DigitImage> decode(ClassifyRequest request, int maxImages) {
        int n = request.getImagesCount();
        if (n == 0) {
            throw new BadRequestException("images: expected at least 1 image, found 0");
        }
        if (n > maxImages) {
            throw new BadRequestException("images: expected at most " + maxImages
                    + " images per request (the server's queue share per batcher), found " + n);
        }
        List<DigitImage> out = new ArrayList<>(n);
        byte[] scratch = null;
        for (int i = 0; i < n; i++) {
            Image img = request.getImages(i);
            switch (img.getDataCase()) {
                case GRAY8 -> {
                    ByteString b = img.getGray8();
                    if (b.size() != DigitImage.PIXELS) {
                        throw new BadRequestException("images[" + i + "].gray8: expected " + DigitImage.PIXELS
                                + " bytes (28x28, 0 = background), found " + b.size());
                    }
                    if (scratch == null) {
                        scratch = new byte[DigitImage.PIXELS];
                    }
                    b.copyTo(scratch, 0);
                    out.add(DigitImage.ofGray8(scratch, 0));
                }
                case PIXELS -> out.add(pixels(img.getPixels(), i));
                case ENCODED -> out.add(encoded(img.getEncoded(), i));
                case DATA_NOT_SET -> throw new BadRequestException("images[" + i
                        + "]: no image data; expected one of gray8, pixels, encoded");
                default -> throw new BadRequestException("images[" + i + "]: unsupported image field "
                        + img.getDataCase() + "; expected one of gray8, pixels, encoded");
            }
        }
        return out;
    }

    private DigitImage encoded(ByteString b, int i) {
        return encoded(b.toByteArray(), "images[" + i + "].encoded");
    }

    /**
     * Decodes one encoded image with the same checks, limits, decode-memory reservation and MNIST-style
     * preprocessing as a glyph.v1 {@code encoded} image (used by the Open Inference Protocol's BYTES inputs).
     * Call it on the {@link DecodePool}, never on a transport thread.
     *
     * @param field names the image in messages, e.g. {@code input 'image' element 2}
     * @throws BadRequestException if the bytes are empty, another format, too large or not decodable
     * @throws OverloadedException if the decoded-bytes cap is reached
     */
    public DigitImage encoded(byte[] bytes, String field) {
        if (bytes.length == 0) {
            throw new BadRequestException(field + ": expected " + String.join(", ", ImageHeader.ACCEPTED_FORMATS)
                    + " bytes, found 0 bytes");
        }
        ImageHeader h;
        try {
            h = ImageHeader.read(bytes);
        } catch (IllegalArgumentException e) {
            throw new BadRequestException(field + ": " + e.getMessage());
        }
        if (h.width() < 1 || h.height() < 1 || h.pixels() > maxImagePixels) {
            throw new BadRequestException(field + ": image is a " + h.format() + " of " + h.width() + "x" + h.height()
                    + " pixels; expected at least 1x1 and at most " + maxImagePixels + " pixels (max image pixels)");
        }
        long cost = h.decodeBytes(maxDecodedPixels);
        pool.reserve(cost, field);
        try {
            return DigitImage.ofEncoded(bytes, maxImagePixels, maxDecodedPixels);
        } catch (IllegalArgumentException e) {
            throw new BadRequestException(field + ": " + e.getMessage());
        } finally {
            pool.release(cost);
        }
    }

    private static DigitImage pixels(Pixels p, int i) {
        int n = p.getValuesCount();
        if (n != DigitImage.PIXELS) {
            throw new BadRequestException("images[" + i + "].pixels.values: expected " + DigitImage.PIXELS
                    + " floats in [0, 1] (28x28), found " + n);
        }
        float[] px = new float[n];
        for (int k = 0; k < n; k++) {
            float v = p.getValues(k);
            if (!(v >= 0f && v <= 1f)) {
                throw new BadRequestException("images[" + i + "].pixels.values[" + k
                        + "]: expected a value in [0, 1], found " + v);
            }
            px[k] = v;
        }
        return DigitImage.ofPixels(px);
    }
}
