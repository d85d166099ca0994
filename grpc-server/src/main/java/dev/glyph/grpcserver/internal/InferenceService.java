package dev.glyph.grpcserver.internal;

import dev.glyph.proto.inference.GRPCInferenceServiceGrpc;
import dev.glyph.proto.inference.ModelInferRequest;
import dev.glyph.proto.inference.ModelInferResponse;
import dev.glyph.proto.inference.ModelMetadataRequest;
import dev.glyph.proto.inference.ModelMetadataResponse;
import dev.glyph.proto.inference.ModelReadyRequest;
import dev.glyph.proto.inference.ModelReadyResponse;
import dev.glyph.proto.inference.RepositoryIndexRequest;
import dev.glyph.proto.inference.RepositoryIndexResponse;
import dev.glyph.proto.inference.RepositoryModelLoadRequest;
import dev.glyph.proto.inference.RepositoryModelLoadResponse;
import dev.glyph.proto.inference.RepositoryModelUnloadRequest;
import dev.glyph.proto.inference.RepositoryModelUnloadResponse;
import dev.glyph.proto.inference.ServerLiveRequest;
import dev.glyph.proto.inference.ServerLiveResponse;
import dev.glyph.proto.inference.ServerMetadataRequest;
import dev.glyph.proto.inference.ServerMetadataResponse;
import dev.glyph.proto.inference.ServerReadyRequest;
import dev.glyph.proto.inference.ServerReadyResponse;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The gRPC binding of the Open Inference Protocol, {@code inference.GRPCInferenceService}: a thin layer over
 * {@link OipCore}. ModelInfer passes the call's deadline and its client-cancel hook to the core; the repository
 * load/unload calls learn whether the caller is local from {@link LocalCallerInterceptor}, which
 * {@link #definition()} installs. Failures become statuses through {@link StatusMapper} only.
 *
 * <pre>{@code
 * serverBuilder.addService(ServerInterceptors.intercept(guard.guard(inference.definition()), interceptors));
 * }</pre>
 *
 * <p>Thread-safety: thread-safe.
 */
public final class InferenceService extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {

    private final OipCore core;

    /** Creates the service over {@code core}. */
    public InferenceService(OipCore core) {
        this.core = core;
    }

    /** Returns the service with the {@link LocalCallerInterceptor} the repository calls need. */
    public ServerServiceDefinition definition() {
        return ServerInterceptors.intercept(bindService(), new LocalCallerInterceptor());
    }

    @Override
    public void serverLive(ServerLiveRequest request, StreamObserver<ServerLiveResponse> observer) {
        answer(observer, core::serverLive);
    }

    @Override
    public void serverReady(ServerReadyRequest request, StreamObserver<ServerReadyResponse> observer) {
        answer(observer, core::serverReady);
    }

    @Override
    public void modelReady(ModelReadyRequest request, StreamObserver<ModelReadyResponse> observer) {
        answer(observer, () -> core.modelReady(request));
    }

    @Override
    public void serverMetadata(ServerMetadataRequest request, StreamObserver<ServerMetadataResponse> observer) {
        answer(observer, core::serverMetadata);
    }

    @Override
    public void modelMetadata(ModelMetadataRequest request, StreamObserver<ModelMetadataResponse> observer) {
        answer(observer, () -> core.modelMetadata(request));
    }

    @Override
    public void modelInfer(ModelInferRequest request, StreamObserver<ModelInferResponse> observer) {
        Context ctx = Context.current();
        Deadline d = ctx.getDeadline();
        Instant deadline = d == null ? null : Instant.now().plusNanos(d.timeRemaining(TimeUnit.NANOSECONDS));
        OipCore.Call call = new OipCore.Call(deadline, () -> d != null && d.isExpired());
        ((ServerCallStreamObserver<ModelInferResponse>) observer).setOnCancelHandler(call::ended);
        reply(observer, core.infer(request, call));
    }

    @Override
    public void repositoryIndex(RepositoryIndexRequest request, StreamObserver<RepositoryIndexResponse> observer) {
        answer(observer, () -> core.repositoryIndex(request));
    }

    @Override
    public void repositoryModelLoad(RepositoryModelLoadRequest request,
            StreamObserver<RepositoryModelLoadResponse> observer) {
        reply(observer, core.load(request, LocalCallerInterceptor.isLocal()));
    }

    @Override
    public void repositoryModelUnload(RepositoryModelUnloadRequest request,
            StreamObserver<RepositoryModelUnloadResponse> observer) {
        reply(observer, core.unload(request, LocalCallerInterceptor.isLocal()));
    }

    private static <R> void answer(StreamObserver<R> observer, Supplier<R> body) {
        R r;
        try {
            r = body.get();
        } catch (RuntimeException e) {
            observer.onError(StatusMapper.toException(e));
            return;
        }
        observer.onNext(r);
        observer.onCompleted();
    }

    /** Answers when {@code f} completes (never blocking the calling thread). */
    private static <R> void reply(StreamObserver<R> observer, CompletableFuture<R> f) {
        f.whenComplete((r, error) -> {
            try {
                if (error != null) {
                    observer.onError(StatusMapper.toException(error));
                } else {
                    observer.onNext(r);
                    observer.onCompleted();
                }
            } catch (RuntimeException e) {
                // the call was cancelled under us; nothing to tell the client
                StatusMapper.toStatus(e);
            }
        });
    }
}
