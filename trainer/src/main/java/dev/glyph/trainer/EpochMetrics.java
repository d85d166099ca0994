package dev.glyph.trainer;

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
public record EpochMetrics(int epoch, double trainLoss, double trainAcc, double valLoss, double valAcc,
        double seconds, double imagesPerSec) {
}
