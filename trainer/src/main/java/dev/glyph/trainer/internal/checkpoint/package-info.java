/**
 * The checkpoint file format ({@code checkpoint/last.ckpt}) and the transfer of the live training state into and
 * out of it. Not a public API.
 */
package dev.glyph.trainer.internal.checkpoint;
