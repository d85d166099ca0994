/**
 * The {@code glyph.v1} gRPC Classifier service: request, response and model-info messages and the
 * {@code ClassifierGrpc} stubs, all generated at build time from
 * {@code src/main/proto/glyph/v1/classifier.proto} (never committed).
 *
 * <pre>{@code
 * ClassifierGrpc.ClassifierBlockingStub stub = ClassifierGrpc.newBlockingStub(channel);
 * ClassifyResponse r = stub.classify(ClassifyRequest.newBuilder()
 *         .addImages(Image.newBuilder().setGray8(ByteString.copyFrom(bytes784))).build());
 * }</pre>
 *
 * <p>Thread-safety: messages are immutable; stubs are thread-safe.
 */
package dev.glyph.proto.v1;
