/**
 * Chart and image rendering for the run folder's PNG files. Not a public API.
 */
package dev.glyph.trainer.internal.plot;
