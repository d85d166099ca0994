package dev.glyph.trainer.internal.loop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import dev.glyph.datasets.Datasets;
import dev.glyph.datasets.ImageSet;
import dev.glyph.trainer.Augmentation;
import dev.glyph.trainer.TorchEngine;
import dev.glyph.trainer.internal.engine.Torch;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The device augmentation on real MNIST digits, through libtorch on the CPU. */
class AugmenterTest {

    private static final Path DATA = Path.of("..", "data", "mnist");
    private static ImageSet digits;

    @BeforeAll
    static void load() throws Exception {
        TorchEngine.load();
        digits = Datasets.ensure("mnist", DATA).train().first(16);
    }

    private static float[] run(Augmentation a, long[] index, int from, int bs, int epoch, double bg, double ink) {
        try (PtNDManager m = (PtNDManager) NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            float[] px = new float[bs * 784];
            for (int i = 0; i < bs; i++) {
                for (int p = 0; p < 784; p++) {
                    px[i * 784 + p] = (float) ((digits.images()[(int) index[from + i] * 784 + p] & 0xff) / 255.0 * ink + bg);
                }
            }
            PtNDArray x = Torch.upload(m, Device.cpu(), px, new Shape(bs, 1, 28, 28));
            return new Augmenter(a, 7, bg, ink, Device.cpu(), m).apply(x, index, from, bs, epoch, m).toFloatArray();
        }
    }

    private static long[] iota(int n) {
        long[] l = new long[n];
        Arrays.setAll(l, i -> i);
        return l;
    }

    @Test
    void apply_identityAffine_returnsTheInputExactly() {
        float[] out = run(Augmentation.NONE, iota(4), 0, 4, 1, 0, 1);
        float[] in = run(new Augmentation(0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0), iota(4), 0, 4, 1, 0, 1);
        assertArrayEquals(in, out);
        for (int p = 0; p < 784; p++) {
            assertEquals((digits.images()[p] & 0xff) / 255.0f, out[p], 0f);
        }
    }

    @Test
    void apply_imageDrawsDependOnTheImageNotTheBatch() {
        Augmentation a = Augmentation.parse("rotate=15,scale=0.15,shear=10,translate=3,elastic=34:4:0.5,stroke=0.4,"
                + "blur=0.3,contrast=0.3,noise=0.3:0.5");
        long[] idx = {5, 3, 9, 12, 0, 7, 1, 2};
        float[] whole = run(a, idx, 0, 8, 2, 0, 1);
        float[] tail = run(a, idx, 4, 4, 2, 0, 1); // the same images in a smaller batch
        assertArrayEquals(Arrays.copyOfRange(whole, 4 * 784, 8 * 784), tail, 1e-6f);
        assertArrayEquals(whole, run(a, idx, 0, 8, 2, 0, 1), 0f, "same seed, epoch and images: bit-identical");
        assertFalse(Arrays.equals(whole, run(a, idx, 0, 8, 3, 0, 1)), "another epoch draws anew");
    }

    @Test
    void apply_standardisedInputs_sameImagesAfterUndoingTheStandardisation() {
        Augmentation a = Augmentation.parse("rotate=20,translate=3,stroke=1,contrast=0.5");
        float[] raw = run(a, iota(4), 0, 4, 1, 0, 1);
        double mean = 0.1307;
        double std = 0.3081;
        float[] std01 = run(a, iota(4), 0, 4, 1, -mean / std, 1 / std);
        for (int i = 0; i < raw.length; i++) {
            assertEquals(raw[i], (std01[i] + mean / std) * std, 2e-5, "pixel " + i);
        }
    }

    @Test
    void apply_everyOutputInThePixelRange_andInkStaysNearTheInk() {
        Augmentation a = Augmentation.parse("rotate=15,scale=0.15,shear=10,translate=3,elastic=34:4:1,stroke=1,"
                + "blur=1,contrast=0.3,noise=0.3:1");
        float[] out = run(a, iota(16), 0, 16, 1, 0, 1);
        for (float v : out) {
            assertTrue(v >= 0f && v <= 1f, "pixel " + v);
        }
        for (int i = 0; i < 16; i++) {
            double ink = 0;
            double inkIn = 0;
            for (int p = 0; p < 784; p++) {
                ink += out[i * 784 + p];
                inkIn += (digits.images()[i * 784 + p] & 0xff) / 255.0;
            }
            assertTrue(ink > 0.25 * inkIn && ink < 4 * inkIn, "image " + i + ": ink " + ink + " from " + inkIn);
        }
    }
}
