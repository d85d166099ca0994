/**
 * Implementation of the exporter and the optimizer (the QDQ and fp16 graph rewriters {@code QdqBuilder} and
 * {@code Fp16Builder}, calibration {@code Calibrator}/{@code Histogram}, the gate's arithmetic {@code GateCheck}): pure-Java writers for the TorchScript archive format (zip + pickle + TorchScript
 * source) and ONNX protobuf (both written through model-format's atomic write), the ONNX inspector and the
 * format runners of the parity check, the self test's fixed images and the update of config.pbtxt. The plain-Java reference forward pass is test code
 * ({@code dev.glyph.exporter.ReferenceForward} in this module's test-jar).
 *
 * <p>Not a public API; types here may change without notice.
 */
package dev.glyph.exporter.internal;
