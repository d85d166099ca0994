package dev.glyph.trainer.internal.checkpoint;

import dev.glyph.trainer.EpochMetrics;
import dev.glyph.trainer.Tensor;
import java.util.List;
import java.util.Map;

/**
 * Everything needed to continue a run bit-exactly after its last complete epoch.
 *
 * <p>The data order and the dropout masks of epoch {@code e} are derived from (seed, e) alone, so
 * the epoch number is the whole RNG state.
 *
 * @param epoch the last completed epoch (1-based)
 * @param optimizerSteps optimiser updates applied so far
 * @param lastLr the learning rate of the last update (NaN when unknown: checkpoints written before it
 *     was recorded)
 * @param identity the hyperparameters that must match to resume ({@code TrainConfig.identity()})
 * @param metrics the metrics of epochs 1..epoch
 * @param normalization null, or {mean, std} used to standardise inputs during training
 * @param params the raw (unfolded) parameters in MnistNet order
 * @param optimizerState optimiser state tensors, named {@code <param>#<slot>}
 */
public record CheckpointData(int epoch, long optimizerSteps, float lastLr, Map<String, Object> identity,
        List<EpochMetrics> metrics, double[] normalization, List<Tensor> params, List<Tensor> optimizerState) {
}
