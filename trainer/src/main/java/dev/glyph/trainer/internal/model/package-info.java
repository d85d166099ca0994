/**
 * MnistNet on the device: its parameters as libtorch tensors and the op-by-op forward pass, and its PyTorch-default
 * initialisation and input-normalisation folding as plain Java. Not a public API.
 */
package dev.glyph.trainer.internal.model;
