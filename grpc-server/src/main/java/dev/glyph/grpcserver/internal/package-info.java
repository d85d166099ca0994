/**
 * Implementation of the gRPC server: the {@code glyph.v1.Classifier} service, the Open Inference
 * Protocol ({@link dev.glyph.grpcserver.internal.OipCore}, protocol-neutral, and its gRPC binding
 * {@link dev.glyph.grpcserver.internal.InferenceService}), request decoding,
 * the single exception-to-status mapping ({@link dev.glyph.grpcserver.internal.StatusMapper}),
 * Prometheus metrics and the model runtime (classifier plus SDK batcher). Not a public API.
 */
package dev.glyph.grpcserver.internal;
