/**
 * Java messages of Triton's model configuration ({@code inference.ModelConfig}, the content of config.pbtxt),
 * generated at build time from {@code src/main/proto/triton/model_config.proto} (Glyph's own subset of Triton's
 * schema, with Triton's names and field numbers; never committed). Read and write them with
 * {@link dev.glyph.modelformat.TritonConfig}.
 *
 * <pre>{@code
 * ModelConfig c = TritonConfig.read(Path.of("models/mnist/config.pbtxt"));
 * int maxBatch = c.getMaxBatchSize();
 * }</pre>
 *
 * <p>Thread-safety: messages are immutable and safe to share; builders are not thread-safe.
 */
package dev.glyph.modelformat.triton;
