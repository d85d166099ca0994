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
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * The {@code glyph.v1.Classifier} service. {@code gray8} and {@code pixels} images are checked on
 * the calling (transport or handler) thread; a request with an {@code encoded} image is decoded
 * on the bounded {@link DecodePool} instead, so that no image can stall the transport. The images
 * are then submitted to the SDK batcher with the call's deadline; responses are sent from the
 * batcher's completion. When a call is cancelled by its client, its queued images are removed
 * from the batcher queue unexecuted (counted as cancelled); when its deadline passes, the batcher
 * removes them itself (counted as expired). Failures are turned into statuses by
 * {@link StatusMapper} only.
 *
 * <p>Thread-safety: thread-safe.
 */
public final class ClassifierService extends ClassifierGrpc.ClassifierImplBase {

    private final ServerMetrics metrics;
    private final ImageDecoder decoder;
    private final DecodePool decodePool;
    private final int streamInFlight;
    private final Set<StreamCall> streams = ConcurrentHashMap.newKeySet();
    private volatile ModelRepository repository;
    private volatile boolean draining;
    private volatile Executor responseExecutor;

    /**
     * Creates a service that answers UNAVAILABLE until {@link #serve(ModelRepository)}.
     *
     * @param decoder decodes the images of a request
     * @param decodePool where requests with encoded images are decoded
     * @param streamInFlight most requests of one stream read but not yet answered
     */
    public ClassifierService(ServerMetrics metrics, ImageDecoder decoder, DecodePool decodePool, int streamInFlight) {
        this.metrics = metrics;
        this.decoder = decoder;
        this.decodePool = decodePool;
        this.streamInFlight = streamInFlight;
    }

    /** Starts answering with the models of {@code repo}. */
    public void serve(ModelRepository repo) {
        this.repository = repo;
    }

    /**
     * From now on, new calls (glyph.v1 and the OIP, which leases through here) get UNAVAILABLE; calls and streams
     * already running are left alone until {@link #drain}. The server calls it before it reports DRAINING, so a
     * client that sees the state change can never be admitted afterwards.
     */
    public void rejectNew() {
        draining = true;
    }

    /**
     * Starts draining: unary calls already running finish; open streams answer the requests they
     * have read and then end with UNAVAILABLE; anything new gets UNAVAILABLE.
     */
    public void drain() {
        rejectNew();
        for (StreamCall s : streams) {
            s.drain();
        }
    }

    /**
     * Returns a lease on the model version a request names (empty = default model, newest version), or
     * throws {@link UnavailableException} / {@link ModelNotFoundException}. The caller closes it.
     */
    ModelLease lease(String model, String version) {
        if (draining) {
            throw new UnavailableException("server is shutting down; retry on another server");
        }
        ModelRepository repo = repository;
        if (repo == null) {
            throw new UnavailableException("model is not loaded yet (loading and warming up); retry shortly");
        }
        return repo.acquire(model, version);
    }

    boolean draining() {
        return draining;
    }

    /**
     * Returns the repository being served, or throws {@link UnavailableException} before the models are loaded.
     * Shared with {@link OipCore}, so that both protocols see the same models and the same drain.
     */
    ModelRepository repository() {
        ModelRepository repo = repository;
        if (repo == null) {
            throw new UnavailableException("model is not loaded yet (loading and warming up); retry shortly");
        }
        return repo;
    }

    /** Returns whether models are being served (loaded and not draining). */
    boolean serving() {
        return repository != null && !draining;
    }

    ImageDecoder decoder() {
        return decoder;
    }

    DecodePool decodePool() {
        return decodePool;
    }

    /** Returns where responses are built and sent, or null for the batcher's worker thread. */
    Executor responseExecutor() {
        return responseExecutor;
    }

    @Override
    public void classify(ClassifyRequest request, StreamObserver<ClassifyResponse> observer) {
        Work work = new Work(Context.current());
        ((ServerCallStreamObserver<ClassifyResponse>) observer).setOnCancelHandler(work::callEnded);
        try {
            submit(request, work).whenComplete((response, error) -> {
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
     * The work of one request: lets the call's end (client cancel, deadline) reach the decode task
     * and the queued batcher future.
     */
    static final class Work {
        private final Context context;
        private volatile boolean ended;
        private volatile CompletableFuture<?> queued;

        Work(Context context) {
            this.context = context;
        }

        /** Remembers the batcher future; cancels it at once if the caller has already left. */
        void queued(CompletableFuture<?> f) {
            queued = f;
            if (ended) {
                cancelQueued(f);
            }
        }

        /**
         * The call ended without an answer: a client cancel removes the queued images (counted as
         * cancelled); past the deadline the batcher removes them itself (counted as expired).
         */
        void callEnded() {
            ended = true;
            CompletableFuture<?> f = queued;
            if (f != null) {
                cancelQueued(f);
            }
        }

        private void cancelQueued(CompletableFuture<?> f) {
            Deadline d = context.getDeadline();
            if (d == null || !d.isExpired()) {
                f.cancel(false);
            }
        }

        boolean ended() {
            return ended;
        }

        Instant deadline() {
            Deadline d = context.getDeadline();
            return d == null ? null : Instant.now().plusNanos(d.timeRemaining(TimeUnit.NANOSECONDS));
        }
    }

    /**
     * Checks {@code request}, decodes its images (on the decode pool if it has encoded ones) and
     * queues them with the call's deadline.
     *
     * @throws BadRequestException, UnavailableException, QueueFullException, OverloadedException
     *     synchronously (or through the future)
     */
    CompletableFuture<ClassifyResponse> submit(ClassifyRequest request, Work work) {
        ModelLease lease = lease(request.getModel(), request.getVersion());
        CompletableFuture<ClassifyResponse> f;
        try {
            ModelRuntime rt = lease.runtime();
            int max = rt.maxImagesPerRequest();
            if (!ImageDecoder.hasEncoded(request)) {
                f = queue(rt, decoder.decode(request, max), request.getReturnProbabilities(), work);
            } else {
                if (request.getImagesCount() > max) {
                    decoder.decode(request, max); // refuses the count before any decoding
                }
                f = decodePool.submit(() -> {
                    if (work.ended()) {
                        throw new CancellationException("call ended before its images were decoded");
                    }
                    return decoder.decode(request, max);
                }).thenCompose(images -> queue(rt, images, request.getReturnProbabilities(), work));
            }
        } catch (RuntimeException e) {
            lease.close();
            throw e;
        }
        // the version stays open until this request's answer is built, even if a reload retires it meanwhile
        return f.whenComplete((r, e) -> lease.close());
    }

    private CompletableFuture<ClassifyResponse> queue(ModelRuntime rt, List<DigitImage> images, boolean probs,
            Work work) {
        Instant deadline = work.deadline();
        ModelInfo info = rt.info();
        Executor ex = responseExecutor;
        if (images.size() == 1) {
            CompletableFuture<Prediction> f = rt.batcher().submit(images.get(0), deadline);
            work.queued(f);
            return ex == null ? f.thenApply(p -> response(info, List.of(p), probs))
                    : f.thenApplyAsync(p -> response(info, List.of(p), probs), ex);
        }
        CompletableFuture<List<Prediction>> f = rt.batcher().submitAll(images, deadline);
        work.queued(f);
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
        try (ModelLease l = lease(request.getModel(), request.getVersion())) {
            ModelInfo info = l.runtime().info();
            observer.onNext(info);
            observer.onCompleted();
        } catch (RuntimeException e) {
            observer.onError(StatusMapper.toException(e));
        }
    }
}
