/**
 * The optimisers (SGD, momentum SGD, Adam, Adadelta, each equal to its torch.optim namesake) and the learning-rate
 * schedules. Not a public API.
 */
package dev.glyph.trainer.internal.optim;
