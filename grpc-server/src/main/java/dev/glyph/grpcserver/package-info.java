/**
 * A gRPC server for digit classification with server-side dynamic batching.
 *
 * <pre>{@code
 * try (GlyphServer server = GlyphServer.open(ServerConfig.defaults(Path.of("models/mnist/1")));
 *      GlyphClient client = GlyphClient.connect("localhost:" + server.port())) {
 *     ClassifyResponse r = client.classify(List.of(GlyphClient.gray8(bytes784)), true);
 * }
 * }</pre>
 *
 * <p>{@link dev.glyph.grpcserver.GlyphServer} serves {@code glyph.v1.Classifier} (see
 * {@code proto/src/main/proto/glyph/v1/classifier.proto}), the Open Inference Protocol's
 * {@code inference.GRPCInferenceService} (see
 * {@code proto/src/main/proto/inference/grpc_predict_v2.proto}), {@code grpc.health.v1.Health} and
 * server reflection, with Prometheus metrics on an HTTP port. Images of concurrent calls are
 * coalesced into model batches by the inference SDK's
 * {@link dev.glyph.inferencesdk.BatchingClassifier}. Clients ({@code GlyphClient},
 * {@code RemoteClassifier}) live in the {@code client} module ({@code dev.glyph.client}), which
 * depends on {@code proto} only, not on this server.
 */
package dev.glyph.grpcserver;
