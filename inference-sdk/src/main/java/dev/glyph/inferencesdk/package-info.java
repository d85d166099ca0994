/**
 * Embeddable, thread-safe MNIST digit classification over ONNX Runtime.
 *
 * <pre>{@code
 * try (DigitClassifier c = DigitClassifier.open(Path.of("models/mnist/1"),
 *         Options.defaults().device(Device.cpu()).intraOpThreads(2))) {
 *     Prediction p = c.classify(DigitImage.ofPng(bytes));
 *     System.out.println(p.label() + " " + p.confidence());
 * }
 * }</pre>
 *
 * <p>Error model: {@link dev.glyph.inferencesdk.ModelLoadException} (checked) when a model folder
 * cannot be loaded, {@link dev.glyph.inferencesdk.InferenceException} (unchecked) when the engine
 * fails at run time, {@link java.lang.IllegalArgumentException} for bad input. No ONNX Runtime type
 * appears in this package's API. {@link dev.glyph.inferencesdk.BatchingClassifier} adds in-process
 * dynamic batching with deadlines, a bounded queue and statistics.
 */
package dev.glyph.inferencesdk;
