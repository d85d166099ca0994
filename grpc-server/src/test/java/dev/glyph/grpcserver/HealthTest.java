package dev.glyph.grpcserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glyph.testfixtures.TestModelFolder;
import io.grpc.Context;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** grpc.health.v1: NOT_SERVING until warmed up, SERVING after, NOT_SERVING from the start of shutdown. */
class HealthTest {

    @RegisterExtension
    static final TestModelFolder MODEL = new TestModelFolder(3);

    private static ServingStatus check(Harness h, String service) {
        return HealthGrpc.newBlockingStub(h.channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                .check(HealthCheckRequest.newBuilder().setService(service).build()).getStatus();
    }

    private static ServingStatus next(BlockingQueue<Object> q) throws InterruptedException {
        Object o = q.poll(60, TimeUnit.SECONDS);
        if (!(o instanceof ServingStatus s)) {
            throw new AssertionError("expected a health status, got " + o);
        }
        return s;
    }

    @Test
    void health_acrossLifecycle_notServingThenServingThenNotServing() throws Exception {
        try (Harness h = Harness.started(Harness.config(MODEL.dir()))) {
            assertEquals(ServingStatus.NOT_SERVING, check(h, ""));
            assertEquals(ServingStatus.NOT_SERVING, check(h, GlyphServer.SERVICE_NAME));

            BlockingQueue<Object> updates = new LinkedBlockingQueue<>();
            Context.CancellableContext watch = Context.current().withCancellation();
            watch.run(() -> HealthGrpc.newStub(h.channel).watch(HealthCheckRequest.newBuilder().setService("").build(),
                    new StreamObserver<>() {
                        @Override
                        public void onNext(HealthCheckResponse r) {
                            updates.add(r.getStatus());
                        }

                        @Override
                        public void onError(Throwable t) {
                            updates.add(t);
                        }

                        @Override
                        public void onCompleted() {
                            updates.add("completed");
                        }
                    }));
            assertEquals(ServingStatus.NOT_SERVING, next(updates));

            h.server.loadModel();
            assertEquals(ServingStatus.SERVING, next(updates));
            assertEquals(ServingStatus.SERVING, check(h, ""));
            assertEquals(ServingStatus.SERVING, check(h, GlyphServer.SERVICE_NAME));
            assertEquals(ServingStatus.SERVING, h.client.health());

            CompletableFuture<Boolean> shutdown = CompletableFuture.supplyAsync(
                    () -> h.server.shutdown(Duration.ofSeconds(60)));
            assertEquals(ServingStatus.NOT_SERVING, next(updates), "NOT_SERVING as soon as shutdown starts");
            watch.cancel(null); // the watch is an in-flight call; end it so the drain can finish
            assertTrue(shutdown.get(60, TimeUnit.SECONDS));
            assertEquals(ServerState.STOPPED, h.server.state());
        }
    }

    @Test
    void loadModel_badModelFolder_throwsAndStaysNotServing() throws Exception {
        try (Harness h = Harness.started(Harness.config(MODEL.temp().resolve("missing/1")))) {
            org.junit.jupiter.api.Assertions.assertThrows(dev.glyph.inferencesdk.ModelLoadException.class,
                    h.server::loadModel);
            assertEquals(ServingStatus.NOT_SERVING, check(h, ""));
            assertEquals(ServerState.STARTING, h.server.state());
        }
    }
}
