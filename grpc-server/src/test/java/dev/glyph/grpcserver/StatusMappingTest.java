package dev.glyph.grpcserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glyph.testfixtures.TestModelFolder;
import dev.glyph.testfixtures.TestModels;
import com.google.protobuf.ByteString;
import dev.glyph.inferencesdk.BatcherStats;
import dev.glyph.proto.v1.ClassifyRequest;
import dev.glyph.proto.v1.ClassifyResponse;
import dev.glyph.proto.v1.GetModelInfoRequest;
import dev.glyph.proto.v1.Image;
import dev.glyph.proto.v1.Pixels;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Every status path of the Classifier service, through real stubs on the in-process transport. */
class StatusMappingTest {

    @RegisterExtension
    static final TestModelFolder MODEL = new TestModelFolder(42);
    static final List<byte[]> IMAGES = TestModels.gray8Images(8, 5);

    private static Image gray8(byte[] b) {
        return Image.newBuilder().setGray8(ByteString.copyFrom(b)).build();
    }

    private static ClassifyRequest request(Image... images) {
        return ClassifyRequest.newBuilder().addAllImages(List.of(images)).build();
    }

    private static StatusRuntimeException fails(Runnable call) {
        return assertThrows(StatusRuntimeException.class, call::run);
    }

    /** Sends one unary call asynchronously; the future completes with the response or fails with the status. */
    private static CompletableFuture<ClassifyResponse> send(Harness h, ClassifyRequest r) {
        CompletableFuture<ClassifyResponse> f = new CompletableFuture<>();
        h.async().classify(r, new StreamObserver<>() {
            @Override
            public void onNext(ClassifyResponse v) {
                f.complete(v);
            }

            @Override
            public void onError(Throwable t) {
                f.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
            }
        });
        return f;
    }

    private static Status.Code codeOf(CompletableFuture<ClassifyResponse> f) {
        try {
            f.get(60, TimeUnit.SECONDS);
            return Status.Code.OK;
        } catch (java.util.concurrent.ExecutionException e) {
            return Status.fromThrowable(e.getCause()).getCode();
        } catch (Exception e) {
            throw new AssertionError("call did not finish", e);
        }
    }

    /** Polls {@code condition} until it holds (fails after 60 s instead of hanging). */
    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("gave up waiting for: " + what);
            }
            Thread.sleep(5);
        }
    }

    @Test
    void classify_gray8WrongLength_invalidArgumentNamingFieldAndIndex() throws Exception {
        try (Harness h = Harness.serving(Harness.config(MODEL.dir()))) {
            ClassifyRequest r = request(gray8(IMAGES.get(0)), gray8(IMAGES.get(1)), gray8(IMAGES.get(2)),
                    gray8(new byte[100]));
            StatusRuntimeException e = fails(() -> h.blocking().classify(r));
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
            assertTrue(e.getStatus().getDescription().startsWith("images[3].gray8: expected 784 bytes"),
                    e.getStatus().getDescription());
            assertTrue(e.getStatus().getDescription().endsWith("found 100"), e.getStatus().getDescription());
            assertEquals(0, h.server.batcherStats().submitted(), "a bad request must not queue any image");
        }
    }

    @Test
    void classify_otherMalformedImages_invalidArgumentNamingFieldAndIndex() throws Exception {
        try (Harness h = Harness.serving(Harness.config(MODEL.dir()))) {
            float[] px = new float[784];
            Pixels.Builder bad = Pixels.newBuilder();
            for (int i = 0; i < 784; i++) {
                bad.addValues(i == 5 ? 1.5f : px[i]);
            }
            Object[][] cases = {
                {request(), "images: expected at least 1 image, found 0"},
                {request(gray8(IMAGES.get(0)), Image.getDefaultInstance()), "images[1]: no image data"},
                {request(gray8(IMAGES.get(0)), gray8(IMAGES.get(1)), Image.newBuilder().setPixels(bad).build()),
                    "images[2].pixels.values[5]: expected a value in [0, 1], found 1.5"},
                {request(Image.newBuilder().setPixels(Pixels.newBuilder().addValues(0.5f)).build()),
                    "images[0].pixels.values: expected 784 floats"},
                {request(gray8(IMAGES.get(0)), Image.newBuilder().setEncoded(ByteString.copyFromUtf8("not a png")).build()),
                    "images[1].encoded: "},
            };
            for (Object[] c : cases) {
                StatusRuntimeException e = fails(() -> h.blocking().classify((ClassifyRequest) c[0]));
                assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), (String) c[1]);
                assertTrue(e.getStatus().getDescription().startsWith((String) c[1]),
                        "expected '" + c[1] + "...' but got '" + e.getStatus().getDescription() + "'");
            }
        }
    }

    @Test
    void classify_moreImagesThanTheQueueHolds_invalidArgument() throws Exception {
        try (Harness h = Harness.serving(Harness.config(MODEL.dir()).batchers(1).maxQueue(4))) {
            ClassifyRequest r = request(gray8(IMAGES.get(0)), gray8(IMAGES.get(1)), gray8(IMAGES.get(2)),
                    gray8(IMAGES.get(3)), gray8(IMAGES.get(4)));
            StatusRuntimeException e = fails(() -> h.blocking().classify(r));
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
            assertTrue(e.getStatus().getDescription().contains("at most 4 images"), e.getStatus().getDescription());
        }
    }

    @Test
    void classify_queueFull_resourceExhaustedForExactlyTheOverflow() throws Exception {
        Gate gate = new Gate();
        try (Harness h = Harness.serving(Harness.config(MODEL.dir()).batchers(1).maxBatchSize(1).maxQueue(2).listener(gate))) {
            gate.arm();
            CompletableFuture<ClassifyResponse> blocker = send(h, request(gray8(IMAGES.get(0))));
            gate.awaitHeld(); // the worker holds the first image; the queue is empty and paused
            List<CompletableFuture<ClassifyResponse>> calls = new ArrayList<>();
            for (int i = 1; i <= 5; i++) {
                calls.add(send(h, request(gray8(IMAGES.get(i)))));
            }
            await(() -> {
                BatcherStats s = h.server.batcherStats();
                return s.submitted() + s.rejected() == 6;
            }, "all five calls to reach the batcher");
            gate.release();
            assertEquals(Status.Code.OK, codeOf(blocker));
            int ok = 0;
            int exhausted = 0;
            for (CompletableFuture<ClassifyResponse> f : calls) {
                Status.Code c = codeOf(f);
                if (c == Status.Code.OK) {
                    ok++;
                } else {
                    assertEquals(Status.Code.RESOURCE_EXHAUSTED, c);
                    exhausted++;
                }
            }
            assertEquals(2, ok, "the queue holds 2 images");
            assertEquals(3, exhausted, "the other 3 calls find the queue full");
            assertEquals(3, h.server.batcherStats().rejected());
            assertTrue(h.server.scrapeMetrics().contains(
                    "glyph_grpc_requests_total{code=\"RESOURCE_EXHAUSTED\",method=\"glyph.v1.Classifier/Classify\"} 3"),
                    h.server.scrapeMetrics());
        }
    }

    @Test
    void classify_deadlinePassesWhileQueued_deadlineExceededAndNeverExecuted() throws Exception {
        Gate gate = new Gate();
        try (Harness h = Harness.serving(Harness.config(MODEL.dir()).batchers(1).maxBatchSize(1).listener(gate))) {
            gate.arm();
            CompletableFuture<ClassifyResponse> blocker = send(h, request(gray8(IMAGES.get(0))));
            gate.awaitHeld();
            StatusRuntimeException e = fails(() -> h.blocking().withDeadlineAfter(200, TimeUnit.MILLISECONDS)
                    .classify(request(gray8(IMAGES.get(1)), gray8(IMAGES.get(2)))));
            assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
            gate.release();
            assertEquals(Status.Code.OK, codeOf(blocker));
            await(() -> h.server.batcherStats().expired() == 2, "the late images to be dropped");
            BatcherStats s = h.server.batcherStats();
            assertEquals(1, s.images(), "only the blocking image ran through the model");
            assertEquals(1, gate.images.get());
            assertTrue(h.server.scrapeMetrics().contains("glyph_deadline_expired_total 2"));
        }
    }

    @Test
    void classify_beforeModelLoaded_unavailableThenServes() throws Exception {
        try (Harness h = Harness.started(Harness.config(MODEL.dir()))) {
            assertEquals(ServerState.STARTING, h.server.state());
            StatusRuntimeException e = fails(() -> h.blocking().classify(request(gray8(IMAGES.get(0)))));
            assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
            assertTrue(e.getStatus().getDescription().contains("not loaded"), e.getStatus().getDescription());
            StatusRuntimeException info = fails(() -> h.blocking().getModelInfo(GetModelInfoRequest.getDefaultInstance()));
            assertEquals(Status.Code.UNAVAILABLE, info.getStatus().getCode());

            h.server.loadModel();
            assertEquals(ServerState.SERVING, h.server.state());
            assertEquals(1, h.blocking().classify(request(gray8(IMAGES.get(0)))).getPredictionsCount());
        }
    }

    @Test
    void classify_whileDraining_unavailableAndInFlightCallCompletes() throws Exception {
        Gate gate = new Gate();
        try (Harness h = Harness.serving(Harness.config(MODEL.dir()).batchers(1).listener(gate))) {
            gate.arm();
            CompletableFuture<ClassifyResponse> inFlight = send(h, request(gray8(IMAGES.get(0)), gray8(IMAGES.get(1))));
            gate.awaitHeld();
            CompletableFuture<Boolean> shutdown = CompletableFuture.supplyAsync(
                    () -> h.server.shutdown(Duration.ofSeconds(60)));
            await(() -> h.server.state() == ServerState.DRAINING, "the server to start draining");
            StatusRuntimeException e = fails(() -> h.blocking().classify(request(gray8(IMAGES.get(2)))));
            assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
            assertFalse(inFlight.isDone(), "the in-flight call is still held by the batcher");

            gate.release();
            assertEquals(2, inFlight.get(60, TimeUnit.SECONDS).getPredictionsCount(), "in-flight call completes");
            assertTrue(shutdown.get(60, TimeUnit.SECONDS), "drained within the timeout");
            assertEquals(ServerState.STOPPED, h.server.state());
        }
    }

    /** Test faults chosen per call by a header, injected as an extra server interceptor. */
    static final Metadata.Key<String> FAULT = Metadata.Key.of("glyph-test-fault", Metadata.ASCII_STRING_MARSHALLER);

    static final ServerInterceptor FAULTS = new ServerInterceptor() {
        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                ServerCallHandler<Q, R> next) {
            String fault = headers.get(FAULT);
            if ("throw-at-start".equals(fault)) {
                throw new IllegalStateException("secret detail at start");
            }
            ServerCall.Listener<Q> l = next.startCall(call, headers);
            return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(l) {
                @Override
                public void onHalfClose() {
                    if ("throw-in-handler".equals(fault)) {
                        throw new IllegalStateException("secret detail in handler");
                    }
                    if ("error-in-handler".equals(fault)) {
                        throw new NoClassDefFoundError("secret detail: a class could not be loaded");
                    }
                    if ("unknown-status".equals(fault)) {
                        call.close(Status.UNKNOWN.withDescription("secret detail"), new Metadata());
                        return;
                    }
                    super.onHalfClose();
                }
            };
        }
    };

    @Test
    void classify_unexpectedFailures_internalWithGenericMessageNeverUnknown() throws Exception {
        try (Harness h = Harness.serving(Harness.config(MODEL.dir()).interceptors(List.of(FAULTS)))) {
            for (String fault : List.of("throw-at-start", "throw-in-handler", "error-in-handler", "unknown-status")) {
                Metadata md = new Metadata();
                md.put(FAULT, fault);
                StatusRuntimeException e = fails(() -> h.blocking()
                        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md))
                        .classify(request(gray8(IMAGES.get(0)))));
                assertNotEquals(Status.Code.UNKNOWN, e.getStatus().getCode(), fault);
                assertEquals(Status.Code.INTERNAL, e.getStatus().getCode(), fault);
                assertFalse(e.getStatus().getDescription().contains("secret"), e.getStatus().getDescription());
                assertTrue(e.getStatus().getDescription().startsWith("internal server error"), fault);
            }
            // the server keeps serving
            assertEquals(1, h.blocking().classify(request(gray8(IMAGES.get(0)))).getPredictionsCount());
            String metrics = h.server.scrapeMetrics();
            assertTrue(metrics.contains("glyph_grpc_requests_total{code=\"INTERNAL\",method=\"glyph.v1.Classifier/Classify\"} 4"),
                    metrics);
            assertFalse(metrics.contains("code=\"UNKNOWN\""), metrics);
        }
    }
}
