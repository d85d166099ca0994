package dev.glyph.trainer;

import java.util.function.DoubleSupplier;

/**
 * Receives progress from {@link Trainer#train}. All methods have empty defaults.
 *
 * <p>Calls come from the training thread; keep them cheap. {@code runningLoss} forces a device sync,
 * so call it only when a display actually refreshes (a few times per second at most), never per
 * batch.
 */
public interface TrainListener {

    /** Training is about to start; {@code info} names the device, engine and versions. */
    default void onStart(RunInfo info) {
    }

    /**
     * One batch of an epoch finished.
     *
     * @param epoch 1-based epoch
     * @param batch 1-based batch within the epoch
     * @param batches batches in the epoch
     * @param images images seen so far in this epoch
     * @param elapsedNanos time since the epoch started
     * @param runningLoss the epoch's mean training loss so far (syncs with the device)
     */
    default void onBatch(int epoch, int batch, int batches, long images, long elapsedNanos,
            DoubleSupplier runningLoss) {
    }

    /**
     * Polled after every batch: returning true stops training at once. The checkpoint of the last
     * complete epoch stays valid, so {@code --resume} continues from there, and
     * {@link Trainer#train} throws a {@link TrainingException} that says so.
     */
    default boolean stopRequested() {
        return false;
    }

    /** An epoch finished, its checkpoint is on disk. */
    default void onEpoch(EpochMetrics metrics, int epochs) {
    }

    /**
     * What a run is about to do.
     *
     * @param device the DJL device, e.g. {@code cpu()} or {@code gpu(0)}
     * @param engine engine name and libtorch version
     * @param djlVersion DJL version
     * @param threads intra-op threads
     * @param trainImages training images per epoch
     * @param startEpoch first epoch this invocation runs (greater than 1 when resuming)
     * @param epochs last epoch
     */
    record RunInfo(String device, String engine, String djlVersion, int threads, int trainImages,
            int startEpoch, int epochs) {
    }
}
