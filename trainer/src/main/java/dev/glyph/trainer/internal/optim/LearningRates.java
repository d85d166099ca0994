package dev.glyph.trainer.internal.optim;

import dev.glyph.trainer.TrainConfig;

/**
 * The learning rate of every update under {@code cfg.schedule()}.
 *
 * <p>Thread-safety: stateless.
 */
public final class LearningRates {

    private LearningRates() {
    }

    /**
     * The learning rate of the next update.
     *
     * @param epoch the 1-based epoch the update belongs to
     * @param stepsDone updates applied before this one (over all epochs)
     * @param totalSteps updates in the whole run
     */
    public static float at(TrainConfig cfg, int epoch, long stepsDone, long totalSteps) {
        return switch (cfg.schedule()) {
            case CONSTANT -> (float) cfg.lr();
            case STEP -> (float) (cfg.lr() * Math.pow(cfg.lrGamma(), epoch - 1));
            case COSINE -> (float) (cfg.lr() * 0.5 * (1 + Math.cos(Math.PI * Math.min(stepsDone, totalSteps) / totalSteps)));
        };
    }
}
