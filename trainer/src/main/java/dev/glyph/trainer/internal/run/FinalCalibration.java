package dev.glyph.trainer.internal.run;

import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import dev.glyph.datasets.ImageSet;
import dev.glyph.modelformat.TemperatureScaling;
import dev.glyph.trainer.internal.loop.EpochLoop;
import dev.glyph.trainer.internal.loop.Holdout;
import dev.glyph.trainer.internal.model.NativeNet;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The calibration figures of a finished run, for provenance: the expected calibration error on the test set
 * ({@code ece_test}) and, when images were held out of training, the temperature fitted on them by
 * {@link TemperatureScaling#fitTemperature} with its effect ({@code temperature_scaling}).
 *
 * <p>Thread-safety: not thread-safe; called by the training thread after the last epoch.
 */
public final class FinalCalibration {

    private FinalCalibration() {
    }

    /**
     * Measures {@code net} (eval mode) on the test set {@code xTest}/{@code test} and the held-out images
     * {@code xHeld} of {@code split} (null when none are held out).
     */
    public static Map<String, Object> of(NativeNet net, PtNDArray xTest, ImageSet test, PtNDArray xHeld,
            Holdout split, PtNDManager m) {
        int[] testLabels = labels(test);
        float[][] testLp = EpochLoop.logProbs(net, xTest, m);
        double ece = TemperatureScaling.ece(testLp, testLabels, 1.0, TemperatureScaling.ECE_BINS);
        Map<String, Object> out = new LinkedHashMap<>();
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("percent", ece);
        e.put("bins", TemperatureScaling.ECE_BINS);
        e.put("temperature", 1.0);
        out.put("ece_test", e);
        if (xHeld != null) {
            int[] heldLabels = labels(split.heldOut());
            float[][] heldLp = EpochLoop.logProbs(net, xHeld, m);
            double t = TemperatureScaling.fitTemperature(heldLp, heldLabels);
            out.put("temperature_scaling", new TemperatureScaling(t, TemperatureScaling.TEMPERATURE,
                    heldLabels.length, split.heldOutSha256(), TemperatureScaling.nll(heldLp, heldLabels, 1.0),
                    TemperatureScaling.nll(heldLp, heldLabels, t), ece,
                    TemperatureScaling.ece(testLp, testLabels, t, TemperatureScaling.ECE_BINS)));
        }
        return out;
    }

    private static int[] labels(ImageSet set) {
        int[] l = new int[set.count()];
        for (int i = 0; i < l.length; i++) {
            l[i] = set.label(i);
        }
        return l;
    }
}
