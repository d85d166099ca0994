/**
 * The run folder: the sink that writes the checkpoint, provenance, metrics, summary and plots of a training. Not a
 * public API.
 */
package dev.glyph.trainer.internal.run;
