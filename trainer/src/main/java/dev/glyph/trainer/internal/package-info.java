/**
 * Implementation of the trainer: the op-by-op native network, optimisers, checkpoint format and
 * plotting. Not a public API.
 */
package dev.glyph.trainer.internal;
