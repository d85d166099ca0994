package dev.glyph.trainer;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * What one training epoch measured, as the reference tutorial logs it.
 *
 * <p>Thread-safety: immutable.
 *
 * @param epoch 1-based epoch number
 * @param trainLoss mean NLL over the epoch's training batches (running, with dropout active)
 * @param trainAcc training accuracy in percent over the epoch (running)
 * @param valLoss mean NLL over the full test set, eval mode
 * @param valAcc test-set accuracy in percent, eval mode
 * @param seconds wall time of the training part of the epoch
 * @param imagesPerSec training images per second
 */
public record EpochMetrics(@JsonProperty("epoch") int epoch, @JsonProperty("train_loss") double trainLoss,
        @JsonProperty("train_acc") double trainAcc, @JsonProperty("val_loss") double valLoss,
        @JsonProperty("val_acc") double valAcc, @JsonProperty("seconds") double seconds,
        @JsonProperty("images_per_sec") double imagesPerSec) {
}
