/**
 * Public API of the Glyph exporter: {@link dev.glyph.exporter.Exporter} writes a trained {@code MnistNet} run
 * as a model folder ({@code model.pt} TorchScript, {@code model.onnx} ONNX, {@code manifest.json} with a self
 * test) after a parity check, plus Triton's {@code config.pbtxt} next to the version folder, and {@link dev.glyph.exporter.Verifier} checks a model folder's hashes and the parity of the
 * trained model, the TorchScript file (DJL) and the ONNX file (ONNX Runtime) on the test set.
 *
 * <p>{@link dev.glyph.exporter.Optimizer} makes an int8 (QDQ, calibrated on training images) or fp16 version of an
 * exported fp32 version and admits it only through an accuracy gate against fp32 on the test split
 * ({@link dev.glyph.exporter.GateReport}); {@link dev.glyph.exporter.Verifier#check} verifies a folder of any
 * precision ({@link dev.glyph.exporter.VerificationReport}). Options: {@link dev.glyph.exporter.OptimizeOptions}
 * (a builder), {@link dev.glyph.exporter.Precision}, {@link dev.glyph.exporter.CalibrationMethod}; result
 * {@link dev.glyph.exporter.OptimizeResult}; checked exception {@link dev.glyph.exporter.OptimizeException}.
 *
 * <p>Values: {@link dev.glyph.exporter.ExportOptions}, {@link dev.glyph.exporter.ExportResult},
 * {@link dev.glyph.exporter.VerifyOptions}, {@link dev.glyph.exporter.ParityReport}; file digests and the
 * manifest are model-format types ({@code dev.glyph.modelformat}). {@link dev.glyph.exporter.ModelFiles} gives
 * the ONNX bytes of weights, a manifest builder with the model contract filled in, and the self test of ONNX bytes. Checked exceptions: {@link dev.glyph.exporter.ExportException},
 * {@link dev.glyph.exporter.VerifyException}; no engine exception (ai.djl.*, ai.onnxruntime.*) crosses this API.
 *
 * <p>Implementation classes live in {@code dev.glyph.exporter.internal} and are not part of the API.
 */
package dev.glyph.exporter;
