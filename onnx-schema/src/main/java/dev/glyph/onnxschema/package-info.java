/**
 * Java messages for the ONNX model format, generated at build time from
 * {@code src/main/proto/onnx/onnx.proto} (Glyph's own subset of the official schema, with the
 * official field numbers).
 *
 * <pre>{@code
 * ModelProto model = ModelProto.parseFrom(Files.readAllBytes(path));
 * long ir = model.getIrVersion();
 * }</pre>
 *
 * <p>Thread-safety: messages are immutable and safe to share; builders are not thread-safe.
 */
package dev.glyph.onnxschema;
