package dev.glyph.grpcserver;

import dev.glyph.inferencesdk.DigitImage;
import dev.glyph.inferencesdk.Prediction;
import dev.glyph.testfixtures.TestModels;
import java.nio.file.Path;
import java.util.List;

/**
 * The model and images the OIP tests of both protocols share: a fixture folder (seed 99), five gray8 images
 * (seed 31), the same images as PNG, and the SDK's own answers for both.
 *
 * @param model the model folder
 * @param images the gray8 images
 * @param expected the SDK's predictions for {@code images}
 * @param pngs the images encoded as PNG
 * @param expectedPng the SDK's predictions for {@code pngs} (decoded by the SDK)
 */
record OipFixture(Path model, List<byte[]> images, List<Prediction> expected, List<byte[]> pngs,
        List<Prediction> expectedPng) {

    /** The five gray8 test images (seed 31). */
    static final List<byte[]> IMAGES = TestModels.gray8Images(5, 31);

    static OipFixture create(Path dir) throws Exception {
        Path model = TestModels.folder(dir, 99);
        List<byte[]> images = IMAGES;
        List<byte[]> pngs = images.stream().map(Oip::png).toList();
        return new OipFixture(model, images, Oip.expected(model, Oip.digits(images)), pngs,
                Oip.expected(model, pngs.stream().map(DigitImage::ofEncoded).toList()));
    }
}
