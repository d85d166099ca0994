package dev.glyph.trainer;

/** The optimisers {@code ./glyph train --optimizer} accepts. */
public enum OptimizerKind {
    /** Plain SGD without momentum: the reference tutorial's optimiser. */
    SGD,
    /** SGD with momentum ({@code --momentum}, default 0.9). */
    MOMENTUM,
    /** Adam (beta1 0.9, beta2 0.999, eps 1e-8) with bias correction. */
    ADAM,
    /** Adadelta (rho 0.9, eps 1e-6), as in PyTorch's own MNIST example. */
    ADADELTA
}
