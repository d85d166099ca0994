/**
 * Clients of a running Glyph server, with no server, DJL or ONNX Runtime on the classpath.
 *
 * <pre>{@code
 * try (RemoteClassifier remote = RemoteClassifier.connect("localhost:50051")) {
 *     int digit = remote.classifyFile(Path.of("digit.png")).getLabel();
 * }
 * try (GlyphClient client = GlyphClient.connect("localhost:50051")) {   // the raw glyph.v1 calls
 *     ClassifyResponse r = client.classify(List.of(GlyphClient.gray8(bytes784)), true);
 * }
 * }</pre>
 *
 * <p>{@link dev.glyph.client.GlyphClient} wraps one channel and the {@code glyph.v1.Classifier}
 * and health stubs; {@link dev.glyph.client.RemoteClassifier} sends image files, IDX test images
 * ({@link dev.glyph.client.TestImages}) and pixels in batches and maps failures to
 * {@link IllegalArgumentException} (bad input) or {@link dev.glyph.client.ClientException};
 * {@link dev.glyph.client.HostPort} parses addresses. Every type is thread-safe. Clients of further
 * protocols (the Open Inference Protocol) belong in this module too, beside these.
 */
package dev.glyph.client;
