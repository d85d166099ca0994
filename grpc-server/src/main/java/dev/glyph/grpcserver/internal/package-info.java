/**
 * Implementation of the gRPC server: the {@code glyph.v1.Classifier} service, request decoding,
 * the single exception-to-status mapping ({@link dev.glyph.grpcserver.internal.StatusMapper}),
 * Prometheus metrics and the model runtime (classifier plus SDK batcher). Not a public API.
 */
package dev.glyph.grpcserver.internal;
