/**
 * The Open Inference Protocol (KServe predict v2) gRPC service {@code inference.GRPCInferenceService}
 * with the model-repository extension: messages and the {@code GRPCInferenceServiceGrpc} stubs,
 * all generated at build time from {@code src/main/proto/inference/grpc_predict_v2.proto} (never
 * committed).
 *
 * <pre>{@code
 * GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub =
 *         GRPCInferenceServiceGrpc.newBlockingStub(channel);
 * ModelInferResponse r = stub.modelInfer(ModelInferRequest.newBuilder()
 *         .setModelName("digits")
 *         .addInputs(ModelInferRequest.InferInputTensor.newBuilder()
 *                 .setName("image").setDatatype("FP32").addAllShape(List.of(1L, 1L, 28L, 28L))
 *                 .setContents(InferTensorContents.newBuilder().addAllFp32Contents(pixels)))
 *         .build());
 * }</pre>
 *
 * <p>Thread-safety: messages are immutable; stubs are thread-safe.
 */
package dev.glyph.proto.inference;
