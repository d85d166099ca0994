package dev.glyph.evaluation;

import dev.glyph.inferencesdk.DigitImage;
import java.util.Objects;

/**
 * One test image with its true label: the preprocessed 28x28 digit the model sees, and where it came from.
 *
 * <pre>{@code
 * LabelledImage x = new LabelledImage("digits/7/a.png", "7", 7, DigitImage.ofEncoded(bytes));
 * }</pre>
 *
 * <p>Thread-safety: immutable.
 *
 * @param id where the image came from (a file path, or a description of how it was made), for reports
 * @param group a grouping for per-group accuracy (the font family for rendered digits; empty when none)
 * @param label the true digit, 0..9
 * @param image the preprocessed digit
 */
public record LabelledImage(String id, String group, int label, DigitImage image) {

    /** Validates the label range and the non-null fields. */
    public LabelledImage {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(image, "image");
        if (label < 0 || label > 9) {
            throw new IllegalArgumentException("label of " + id + " is " + label + "; expected 0..9");
        }
    }
}
