/**
 * The training loop: one training step, the epoch loop with evaluation and stop handling, the data set on the device,
 * and the seeded random streams that make a resumed run equal an uninterrupted one. Not a public API.
 */
package dev.glyph.trainer.internal.loop;
