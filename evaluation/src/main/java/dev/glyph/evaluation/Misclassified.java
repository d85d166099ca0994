package dev.glyph.evaluation;

import dev.glyph.inferencesdk.DigitImage;
import java.util.Objects;

/**
 * One image the model got wrong, as it was fed to the model.
 *
 * <p>Thread-safety: immutable.
 *
 * @param id where the image came from (see {@link LabelledImage#id()})
 * @param label the true digit
 * @param predicted the model's digit
 * @param confidence the model's probability of {@code predicted}
 * @param image the preprocessed 28x28 image the model saw
 */
public record Misclassified(String id, int label, int predicted, float confidence, DigitImage image) {

    /** Checks for nulls. */
    public Misclassified {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(image, "image");
    }

    /** Returns the caption {@code true→pred}, e.g. {@code 7→1}. */
    public String caption() {
        return label + "\u2192" + predicted;
    }
}
