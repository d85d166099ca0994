/**
 * Implementation of the exporter: pure-Java writers for the TorchScript archive format (zip + pickle + TorchScript
 * source) and ONNX protobuf, and a plain-Java reference forward pass used for parity checks.
 *
 * <p>Not a public API; types here may change without notice.
 */
package dev.glyph.exporter.internal;
