package dev.glyph.grpcserver.internal;

import dev.glyph.grpcserver.ModelStatus;
import dev.glyph.inferencesdk.DigitImage;
import dev.glyph.inferencesdk.Prediction;
import dev.glyph.proto.inference.ModelInferRequest;
import dev.glyph.proto.inference.ModelInferResponse;
import dev.glyph.proto.inference.ModelMetadataRequest;
import dev.glyph.proto.inference.ModelMetadataResponse;
import dev.glyph.proto.inference.ModelMetadataResponse.TensorMetadata;
import dev.glyph.proto.inference.ModelReadyRequest;
import dev.glyph.proto.inference.ModelReadyResponse;
import dev.glyph.proto.inference.ModelRepositoryParameter;
import dev.glyph.proto.inference.RepositoryIndexRequest;
import dev.glyph.proto.inference.RepositoryIndexResponse;
import dev.glyph.proto.inference.RepositoryModelLoadRequest;
import dev.glyph.proto.inference.RepositoryModelLoadResponse;
import dev.glyph.proto.inference.RepositoryModelUnloadRequest;
import dev.glyph.proto.inference.RepositoryModelUnloadResponse;
import dev.glyph.proto.inference.ServerLiveResponse;
import dev.glyph.proto.inference.ServerMetadataResponse;
import dev.glyph.proto.inference.ServerReadyResponse;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * The Open Inference Protocol (KServe predict v2) with the model-repository extension, independent of the
 * transport: the gRPC {@link InferenceService} and the HTTP/REST layer both call this, with the protocol's
 * messages (the generated {@code dev.glyph.proto.inference} classes; REST converts its JSON to and from them).
 *
 * <pre>{@code
 * OipCore.Call call = new OipCore.Call(deadline);          // null = no deadline
 * onClientGone(call::ended);                              // removes queued images when the caller leaves
 * oip.infer(request, call).whenComplete((response, error) -> reply(response, error));
 * }</pre>
 *
 * <p>Inference takes a {@link ModelLease} on the version it finds (released once the answer is built), checks the
 * one input tensor ({@link OipTensors}), decodes BYTES images on the bounded {@link DecodePool} (never on the
 * caller's thread), and submits the images with the call's deadline to the same SDK batcher glyph.v1 uses
 * ({@code lease.runtime().batcher()}), so requests of both protocols share dynamic batches. Outputs are typed
 * {@code contents} unless the request parameter {@code binary_data_output} is true, or it is absent and the input
 * came in {@code raw_input_contents}; then {@code raw_output_contents}.
 *
 * <p>Errors: the future-returning methods never throw; they complete exceptionally with the exceptions that
 * {@link StatusMapper} maps ({@link BadRequestException} INVALID_ARGUMENT, {@link ModelNotFoundException}
 * NOT_FOUND, {@link UnavailableException} UNAVAILABLE, {@code QueueFullException} and {@link OverloadedException}
 * RESOURCE_EXHAUSTED, {@code DeadlineExceededException} DEADLINE_EXCEEDED, {@link CancellationException}
 * CANCELLED, {@link PermissionDeniedException} PERMISSION_DENIED, {@link PreconditionFailedException}
 * FAILED_PRECONDITION); the other methods throw them.
 *
 * <p>Thread-safety: thread-safe.
 */
public final class OipCore {

    /** The server name in ServerMetadata. */
    public static final String SERVER_NAME = "glyph";
    /** The server version in ServerMetadata: the Maven project version, filtered into a resource at build time. */
    public static final String SERVER_VERSION = readVersion();
    /** The protocol extensions implemented (listed in ServerMetadata). */
    public static final List<String> EXTENSIONS = List.of("model_repository");
    /** The platform in ModelMetadata. */
    public static final String PLATFORM = "onnxruntime_onnx";

    private static final List<TensorMetadata> INPUTS = List.of(tensor(OipTensors.INPUT, "FP32", -1, 1, 28, 28));
    private static final List<TensorMetadata> OUTPUTS = List.of(
            tensor(OipTensors.LOG_PROBS, "FP32", -1, 10), tensor(OipTensors.PROBS, "FP32", -1, 10),
            tensor(OipTensors.LABEL, "INT64", -1), tensor(OipTensors.CONFIDENCE, "FP32", -1));

    private final ClassifierService classifier;
    private final ServerMetrics metrics;
    private final boolean management;

    /**
     * Creates the core over the glyph.v1 service's serving state: its repository, drain flag, image decoder,
     * decode pool and response executor, so that both protocols see the same models, limits and shutdown.
     *
     * @param management whether RepositoryModelLoad/Unload are allowed (from local callers only)
     */
    public OipCore(ClassifierService classifier, ServerMetrics metrics, boolean management) {
        this.classifier = classifier;
        this.metrics = metrics;
        this.management = management;
    }

    /**
     * One inference call as the transport sees it: its deadline, and the hook through which the caller's leaving
     * (client cancel, closed connection) reaches the decode task and the queued images.
     *
     * <p>Thread-safety: thread-safe.
     */
    public static final class Call {
        private final Instant deadline;
        private final BooleanSupplier deadlinePassed;
        private volatile boolean ended;
        private volatile CompletableFuture<?> queued;

        /** A call with {@code deadline} (null = none). */
        public Call(Instant deadline) {
            this(deadline, () -> deadline != null && !Instant.now().isBefore(deadline));
        }

        /**
         * A call with {@code deadline} (null = none) whose transport knows best when it has passed (gRPC's
         * {@code Deadline.isExpired()}), so that a call ended by its deadline is counted as expired, not cancelled.
         */
        public Call(Instant deadline, BooleanSupplier deadlinePassed) {
            this.deadline = deadline;
            this.deadlinePassed = deadlinePassed;
        }

        /** Returns the deadline, or null. */
        public Instant deadline() {
            return deadline;
        }

        /**
         * The caller left without waiting for the answer: images not decoded yet are not decoded, and queued ones
         * are removed from the batcher queue unexecuted (counted as cancelled). After the deadline the batcher
         * removes them itself (counted as expired). Idempotent.
         */
        public void ended() {
            ended = true;
            CompletableFuture<?> f = queued;
            if (f != null) {
                cancelQueued(f);
            }
        }

        boolean hasEnded() {
            return ended;
        }

        void queued(CompletableFuture<?> f) {
            queued = f;
            if (ended) {
                cancelQueued(f);
            }
        }

        private void cancelQueued(CompletableFuture<?> f) {
            if (!deadlinePassed.getAsBoolean()) {
                f.cancel(false);
            }
        }
    }

    /**
     * Runs inference: the response's {@code model_version} is the version that served, {@code id} is echoed.
     * Never throws; see the class comment for the exceptions the future fails with.
     */
    public CompletableFuture<ModelInferResponse> infer(ModelInferRequest request, Call call) {
        try {
            return submit(request, call);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private CompletableFuture<ModelInferResponse> submit(ModelInferRequest request, Call call) {
        ModelLease lease = classifier.lease(request.getModelName(), request.getModelVersion());
        CompletableFuture<ModelInferResponse> f;
        try {
            ModelRuntime rt = lease.runtime();
            OipTensors.Input in = OipTensors.parse(request, rt.maxImagesPerRequest());
            OipTensors.Plan plan = OipTensors.plan(request, in.raw());
            String model = lease.model();
            String version = lease.version();
            String id = request.getId();
            Function<List<Prediction>, ModelInferResponse> answer = ps -> {
                ModelInferResponse r = OipTensors.response(model, version, id, ps, plan);
                metrics.recordImages(ps.size());
                return r;
            };
            if (in.encoded() == null) {
                f = queue(rt, in.images(), call, answer);
            } else {
                ImageDecoder decoder = classifier.decoder();
                f = classifier.decodePool().submit(() -> {
                    List<DigitImage> images = new ArrayList<>(in.encoded().size());
                    for (int j = 0; j < in.encoded().size(); j++) {
                        if (call.hasEnded()) {
                            throw new CancellationException("call ended before its images were decoded");
                        }
                        images.add(decoder.encoded(in.encoded().get(j), in.element(j)));
                    }
                    return images;
                }).thenCompose(images -> queue(rt, images, call, answer));
            }
        } catch (RuntimeException e) {
            lease.close();
            throw e;
        }
        // the version stays open until this request's answer is built, even if a reload retires it meanwhile
        return f.whenComplete((r, e) -> lease.close());
    }

    private CompletableFuture<ModelInferResponse> queue(ModelRuntime rt, List<DigitImage> images, Call call,
            Function<List<Prediction>, ModelInferResponse> answer) {
        Executor ex = classifier.responseExecutor();
        CompletableFuture<List<Prediction>> f;
        if (images.size() == 1) {
            CompletableFuture<Prediction> one = rt.batcher().submit(images.get(0), call.deadline());
            call.queued(one);
            f = one.thenApply(List::of);
        } else {
            f = rt.batcher().submitAll(images, call.deadline());
            call.queued(f);
        }
        return ex == null ? f.thenApply(answer) : f.thenApplyAsync(answer, ex);
    }

    /** ServerLive: true whenever the server answers. */
    public ServerLiveResponse serverLive() {
        return ServerLiveResponse.newBuilder().setLive(true).build();
    }

    /** ServerReady: true while models are loaded, at least one version is ready, and the server is not draining. */
    public ServerReadyResponse serverReady() {
        boolean ready = classifier.serving() && !classifier.repository().published().isEmpty();
        return ServerReadyResponse.newBuilder().setReady(ready).build();
    }

    /**
     * ModelReady: whether the model (empty = the default model) has a ready version, or that very version.
     *
     * @throws ModelNotFoundException when the repository has never seen the model or version
     */
    public ModelReadyResponse modelReady(ModelReadyRequest request) {
        if (!classifier.serving()) {
            return ModelReadyResponse.newBuilder().setReady(false).build();
        }
        ModelRepository repo = classifier.repository();
        String name = request.getName().isEmpty() ? repo.defaultModel() : request.getName();
        try (ModelLease l = repo.acquire(name, request.getVersion())) {
            return ModelReadyResponse.newBuilder().setReady(true).build();
        } catch (UnavailableException e) {
            return ModelReadyResponse.newBuilder().setReady(false).build();
        } catch (ModelNotFoundException e) {
            if (known(repo, name, request.getVersion())) {
                return ModelReadyResponse.newBuilder().setReady(false).build(); // unloaded, refused by its gate, ...
            }
            throw e;
        }
    }

    private static boolean known(ModelRepository repo, String name, String version) {
        for (ModelStatus s : repo.index(name == null ? "" : name)) {
            if (version.isEmpty() || s.version().equals(version)) {
                return true;
            }
        }
        return false;
    }

    /** ServerMetadata: name {@value #SERVER_NAME}, {@link #SERVER_VERSION} and {@link #EXTENSIONS}. */
    public ServerMetadataResponse serverMetadata() {
        return ServerMetadataResponse.newBuilder().setName(SERVER_NAME).setVersion(SERVER_VERSION)
                .addAllExtensions(EXTENSIONS).build();
    }

    /**
     * ModelMetadata of the model (empty = the default model): its ready versions (newest first), platform
     * {@value #PLATFORM}, the input {@code image FP32 [-1,1,28,28]} (UINT8 and BYTES are accepted too, see
     * {@link OipTensors}) and the outputs {@code log_probs}, {@code probs}, {@code label}, {@code confidence};
     * parameters {@code precision} and {@code temperature} (the manifest's temperature scaling as a decimal
     * string, "1.0" without one: the outputs are uncalibrated, see {@link OipTensors}).
     *
     * @throws ModelNotFoundException when the model or the named version is not served
     * @throws UnavailableException when the model has no ready version
     */
    public ModelMetadataResponse modelMetadata(ModelMetadataRequest request) {
        try (ModelLease l = classifier.lease(request.getName(), request.getVersion())) {
            ModelMetadataResponse.Builder b = ModelMetadataResponse.newBuilder().setName(l.model()).setPlatform(PLATFORM)
                    .addAllInputs(INPUTS).addAllOutputs(OUTPUTS)
                    .putParameters("precision", dev.glyph.proto.inference.InferParameter.newBuilder()
                            .setStringParam(l.runtime().info().getPrecision()).build())
                    .putParameters("temperature", dev.glyph.proto.inference.InferParameter.newBuilder()
                            .setStringParam(Double.toString(l.runtime().info().getTemperature())).build());
            for (ServedVersion v : classifier.repository().published()) {
                if (v.model().equals(l.model())) {
                    b.addVersions(v.version());
                }
            }
            return b.build();
        }
    }

    /** RepositoryIndex: every model version with its state and reason; {@code ready} keeps the READY ones only. */
    public RepositoryIndexResponse repositoryIndex(RepositoryIndexRequest request) {
        RepositoryIndexResponse.Builder b = RepositoryIndexResponse.newBuilder();
        for (ModelStatus s : classifier.repository().index()) {
            if (!request.getReady() || s.state() == ModelStatus.State.READY) {
                b.addModelsBuilder().setName(s.name()).setVersion(s.version()).setState(s.state().name())
                        .setReason(s.reason());
            }
        }
        return b.build();
    }

    /**
     * RepositoryModelLoad: loads or reloads the model on the repository thread (never the caller's). Fails with
     * {@link PermissionDeniedException} unless management is on and the caller is local, with
     * {@link ModelNotFoundException} for a model not in the repository, and with
     * {@link PreconditionFailedException} (naming the reasons) when afterwards no version of it is ready.
     *
     * @param localCaller whether the caller is on this host (loopback or in-process)
     */
    public CompletableFuture<RepositoryModelLoadResponse> load(RepositoryModelLoadRequest request, boolean localCaller) {
        try {
            ModelRepository repo = manage("RepositoryModelLoad", request.getModelName(), request.getParametersMap(),
                    localCaller);
            String name = request.getModelName();
            return repo.load(name).thenApply(statuses -> {
                List<String> why = new ArrayList<>();
                for (ModelStatus s : statuses) {
                    if (s.state() == ModelStatus.State.READY) {
                        return RepositoryModelLoadResponse.getDefaultInstance();
                    }
                    why.add((s.version().isEmpty() ? name : name + "/" + s.version()) + " " + s.state()
                            + (s.reason().isEmpty() ? "" : ": " + s.reason()));
                }
                throw new PreconditionFailedException("model '" + name + "' was loaded but no version of it is READY ("
                        + (why.isEmpty() ? "the repository holds no version of it" : String.join("; ", why))
                        + "); expected at least one version to pass its load gate");
            });
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * RepositoryModelUnload: unloads every version of the model on the repository thread; requests holding one
     * finish first. Fails like {@link #load} for permission and unknown models.
     */
    public CompletableFuture<RepositoryModelUnloadResponse> unload(RepositoryModelUnloadRequest request,
            boolean localCaller) {
        try {
            ModelRepository repo = manage("RepositoryModelUnload", request.getModelName(), request.getParametersMap(),
                    localCaller);
            return repo.unload(request.getModelName()).thenApply(s -> RepositoryModelUnloadResponse.getDefaultInstance());
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private ModelRepository manage(String rpc, String model, Map<String, ModelRepositoryParameter> parameters,
            boolean localCaller) {
        if (!management) {
            throw new PermissionDeniedException(rpc + " is disabled on this server; expected a server started with"
                    + " management enabled (ServerConfig.builder(...).management(true)), called from its own host");
        }
        if (!localCaller) {
            throw new PermissionDeniedException(rpc + " is allowed from the server's own host only (loopback or"
                    + " in-process); this call came from another address");
        }
        if (model.isEmpty()) {
            throw new BadRequestException("model_name: is empty; expected the name of a model in the repository");
        }
        if (!parameters.isEmpty()) {
            throw new BadRequestException("parameters: found " + parameters.keySet() + "; expected none (Glyph loads"
                    + " a model's files as they are in the repository)");
        }
        if (!classifier.serving()) {
            throw new UnavailableException("server is not serving (loading or shutting down); retry shortly");
        }
        return classifier.repository();
    }

    private static TensorMetadata tensor(String name, String datatype, long... shape) {
        TensorMetadata.Builder b = TensorMetadata.newBuilder().setName(name).setDatatype(datatype);
        for (long d : shape) {
            b.addShape(d);
        }
        return b.build();
    }

    private static String readVersion() {
        try (InputStream in = OipCore.class.getResourceAsStream("/dev/glyph/grpcserver/glyph-server.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                String v = p.getProperty("version", "");
                if (!v.isBlank() && !v.startsWith("${")) {
                    return v.strip();
                }
            }
        } catch (IOException e) {
            // fall through: the version is unknown
        }
        return "unknown";
    }
}
