package dev.glyph.trainer;

/** How the learning rate changes over epochs ({@code ./glyph train --lr-schedule}). */
public enum LrSchedule {
    /** The same learning rate every epoch. */
    CONSTANT,
    /** Multiply by {@code --lr-gamma} after every epoch, like {@code StepLR(step_size=1)}. */
    STEP,
    /** Cosine annealing from lr to 0 over all epochs, stepped per batch. */
    COSINE
}
