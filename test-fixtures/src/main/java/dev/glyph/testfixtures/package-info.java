/**
 * Shared test fixtures of Glyph: {@link dev.glyph.testfixtures.TestModels} builds seeded random MnistNet weights,
 * their ONNX bytes, complete model folders with a correct manifest (written through model-format), random digit
 * images and mutated ONNX files, using only public APIs (the exporter's {@code ModelFiles}, model-format, the
 * trainer's weight types, the ONNX protobuf messages); {@link dev.glyph.testfixtures.Concurrently} runs one task per
 * concurrent caller and sums their results.
 *
 * <p>Use only with {@code <scope>test</scope>}.
 */
package dev.glyph.testfixtures;
