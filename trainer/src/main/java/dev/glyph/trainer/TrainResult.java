package dev.glyph.trainer;

import java.nio.file.Path;
import java.util.List;

/**
 * The outcome of {@link Trainer#train}.
 *
 * @param runDir the run folder
 * @param metrics every epoch's metrics, including epochs done before a resume
 * @param weights the final parameters in eval form (normalisation folded in)
 */
public record TrainResult(Path runDir, List<EpochMetrics> metrics, ModelWeights weights) {

    /** The last epoch's metrics. */
    public EpochMetrics last() {
        return metrics.get(metrics.size() - 1);
    }
}
