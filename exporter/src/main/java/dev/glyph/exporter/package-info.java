/**
 * Public API of the Glyph exporter: writes a trained {@code MnistNet} to TorchScript ({@code .pt}) and ONNX
 * files and verifies that both files compute what the trained model computes.
 *
 * <p>Implementation classes live in {@code dev.glyph.exporter.internal} and are not part of the API.
 */
package dev.glyph.exporter;
