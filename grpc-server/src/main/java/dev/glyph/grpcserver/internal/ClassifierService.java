package dev.glyph.grpcserver.internal;

import dev.glyph.inferencesdk.DigitImage;
import dev.glyph.inferencesdk.Prediction;
import dev.glyph.proto.v1.ClassifierGrpc;
import dev.glyph.proto.v1.ClassifyRequest;
import dev.glyph.proto.v1.ClassifyResponse;
import dev.glyph.proto.v1.GetModelInfoRequest;
import dev.glyph.proto.v1.ModelInfo;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * The {@code glyph.v1.Classifier} service. Images are decoded on the calling (transport or
 * handler) thread and submitted to the SDK batcher with the call's deadline; responses are sent
 * from the batcher's completion. Failures are turned into statuses by {@link StatusMapper} only.
 *
 * <p>Thread-safety: thread-safe.
 */
public final class ClassifierService extends ClassifierGrpc.ClassifierImplBase {

    private final ServerMetrics metrics;
    private final int streamInFlight;
    private final Set<StreamCall> streams = ConcurrentHashMap.newKeySet();
    private volatile ModelRuntime runtime;
    private volatile boolean draining;
    private volatile Executor responseExecutor;

    /**
     * Creates a service that answers UNAVAILABLE until {@link #serve(ModelRuntime)}.
     *
     * @param streamInFlight most requests of one stream read but not yet answered
     */
    public ClassifierService(ServerMetrics metrics, int streamInFlight) {
        this.metrics = metrics;
        this.streamInFlight = streamInFlight;
    }

    /** Starts answering with {@code rt}. */
    public void serve(ModelRuntime rt) {
        this.runtime = rt;
    }

    /**
     * Starts draining: unary calls already running finish; open streams answer the requests they
     * have read and then end with UNAVAILABLE; anything new gets UNAVAILABLE.
     */
    public void drain() {
        draining = true;
        for (StreamCall s : streams) {
            s.drain();
        }
    }

    /** Returns the runtime when serving, or throws {@link UnavailableException}. */
    ModelRuntime ready() {
        if (draining) {
            throw new UnavailableException("server is shutting down; retry on another server");
        }
        ModelRuntime rt = runtime;
        if (rt == null) {
            throw new UnavailableException("model is not loaded yet (loading and warming up); retry shortly");
        }
        return rt;
    }

    boolean draining() {
        return draining;
    }

    @Override
    public void classify(ClassifyRequest request, StreamObserver<ClassifyResponse> observer) {
        try {
            submit(request).whenComplete((response, error) -> {
                try {
                    if (error != null) {
                        observer.onError(StatusMapper.toException(error));
                    } else {
                        observer.onNext(response);
                        observer.onCompleted();
                    }
                } catch (RuntimeException e) {
                    // the call was cancelled under us; nothing to tell the client
                    StatusMapper.toStatus(e);
                }
            });
        } catch (RuntimeException e) {
            observer.onError(StatusMapper.toException(e));
        }
    }

    /**
     * Decodes {@code request} and queues its images with the current call's deadline.
     *
     * @throws BadRequestException, UnavailableException, QueueFullException synchronously
     */
    CompletableFuture<ClassifyResponse> submit(ClassifyRequest request) {
        ModelRuntime rt = ready();
        List<DigitImage> images = ImageDecoder.decode(request, rt.maxImagesPerRequest());
        Instant deadline = deadline();
        boolean probs = request.getReturnProbabilities();
        ModelInfo info = rt.info();
        Executor ex = responseExecutor;
        if (images.size() == 1) {
            CompletableFuture<Prediction> f = rt.batcher().submit(images.get(0), deadline);
            return ex == null ? f.thenApply(p -> response(info, List.of(p), probs))
                    : f.thenApplyAsync(p -> response(info, List.of(p), probs), ex);
        }
        CompletableFuture<List<Prediction>> f = rt.batcher().submitAll(images, deadline);
        return ex == null ? f.thenApply(ps -> response(info, ps, probs))
                : f.thenApplyAsync(ps -> response(info, ps, probs), ex);
    }

    /**
     * Builds and sends responses on {@code executor} instead of the batcher's worker thread (which
     * then goes straight on to its next batch); {@code null} sends on the worker thread.
     */
    public void responseExecutor(Executor executor) {
        this.responseExecutor = executor;
    }

    private ClassifyResponse response(ModelInfo info, List<Prediction> predictions, boolean probs) {
        ClassifyResponse.Builder b = ClassifyResponse.newBuilder()
                .setModelName(info.getName())
                .setModelVersion(info.getVersion());
        for (Prediction p : predictions) {
            dev.glyph.proto.v1.Prediction.Builder pb = b.addPredictionsBuilder()
                    .setLabel(p.label())
                    .setConfidence(p.confidence());
            if (probs) {
                for (float v : p.probabilities()) {
                    pb.addProbabilities(v);
                }
            }
        }
        metrics.recordImages(predictions.size());
        return b.build();
    }

    private static Instant deadline() {
        Deadline d = Context.current().getDeadline();
        if (d == null) {
            return null;
        }
        return Instant.now().plusNanos(d.timeRemaining(TimeUnit.NANOSECONDS));
    }

    @Override
    public StreamObserver<ClassifyRequest> classifyStream(StreamObserver<ClassifyResponse> observer) {
        ServerCallStreamObserver<ClassifyResponse> call = (ServerCallStreamObserver<ClassifyResponse>) observer;
        StreamCall s = new StreamCall(this, call, streamInFlight, metrics);
        streams.add(s);
        s.start();
        if (draining) {
            s.drain();
        }
        return s;
    }

    void ended(StreamCall s) {
        streams.remove(s);
    }

    @Override
    public void getModelInfo(GetModelInfoRequest request, StreamObserver<ModelInfo> observer) {
        try {
            ModelInfo info = ready().info();
            observer.onNext(info);
            observer.onCompleted();
        } catch (RuntimeException e) {
            observer.onError(StatusMapper.toException(e));
        }
    }
}
