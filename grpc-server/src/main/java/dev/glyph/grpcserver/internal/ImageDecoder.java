package dev.glyph.grpcserver.internal;

import com.google.protobuf.ByteString;
import dev.glyph.inferencesdk.DigitImage;
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
 * <p>Thread-safety: stateless.
 */
public final class ImageDecoder {

    private ImageDecoder() {
    }

    /**
     * Decodes every image of {@code request}.
     *
     * @param maxImages the most images one request may hold
     * @throws BadRequestException if there are no images, too many, or one is malformed
     */
    public static List<DigitImage> decode(ClassifyRequest request, int maxImages) {
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
                case ENCODED -> {
                    ByteString b = img.getEncoded();
                    if (b.isEmpty()) {
                        throw new BadRequestException("images[" + i + "].encoded: expected PNG, JPEG, BMP or GIF bytes,"
                                + " found 0 bytes");
                    }
                    try {
                        out.add(DigitImage.ofEncoded(b.toByteArray()));
                    } catch (IllegalArgumentException e) {
                        throw new BadRequestException("images[" + i + "].encoded: " + e.getMessage());
                    }
                }
                case DATA_NOT_SET -> throw new BadRequestException("images[" + i
                        + "]: no image data; expected one of gray8, pixels, encoded");
                default -> throw new BadRequestException("images[" + i + "]: unsupported image field "
                        + img.getDataCase() + "; expected one of gray8, pixels, encoded");
            }
        }
        return out;
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
