package dev.glyph.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.ByteString;
import dev.glyph.proto.v1.ClassifyRequest;
import dev.glyph.proto.v1.Image;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.Status.Code;
import io.grpc.stub.ClientCalls;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Queue bound, deadlines, cancellation and stream in-flight against a real {@code glyph serve}
 * with one batcher whose worker is held still by {@link WorkerHold} (JDWP), so that what is queued
 * when is exact: Q + k requests give exactly k RESOURCE_EXHAUSTED; calls that expired or were
 * cancelled before their batch formed execute 0 images ({@code glyph_batch_size_sum} from
 * /metrics); one stream reads up to {@code --stream-in-flight} requests at once.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.MethodName.class)
class QueueAndDeadlineTest {

    static final int QUEUE = 8;
    static final int STREAM_IN_FLIGHT = 4;
    static final String CLASSIFY = "method=\"glyph.v1.Classifier/Classify\"";

    ServerProcess server;
    ManagedChannel channel;
    WorkerHold hold;
    final Report report = new Report("queue-deadlines-cancellation");

    @BeforeAll
    void start() throws Exception {
        server = ServerProcess.builder(Fixtures.model(), Fixtures.work().resolve("logs/queue-server.log"))
                .debugger(true)
                .serveArgs("--batchers", "1", "--max-queue", Integer.toString(QUEUE), "--max-batch", "64",
                        "--stream-in-flight", Integer.toString(STREAM_IN_FLIGHT))
                .start();
        channel = RawRpc.channel(server.target());
        assertNull(Fixtures.checkGolden(RawRpc.unary(channel, RawRpc.CLASSIFY, Fixtures.goldenRequest(0),
                CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS)), 0));
        hold = WorkerHold.attach(server.debugPort(), "-batcher");
        report.put("server", "glyph serve --batchers 1 --max-queue " + QUEUE + " --max-batch 64 --stream-in-flight "
                + STREAM_IN_FLIGHT + "; batcher worker " + hold.threadNames() + " held over JDWP");
    }

    @AfterEach
    void releaseWorker() {
        hold.release();
    }

    @AfterAll
    void stop() throws Exception {
        if (hold != null) {
            hold.close();
        }
        if (channel != null) {
            channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
        if (server != null) {
            server.close();
        }
        report.write();
    }

    private ListenableFuture<byte[]> send(byte[] request, CallOptions options) {
        return ClientCalls.futureUnaryCall(channel.newCall(RawRpc.CLASSIFY, options), request);
    }

    private static Code code(Future<byte[]> f) throws InterruptedException {
        try {
            f.get(120, TimeUnit.SECONDS);
            return Code.OK;
        } catch (ExecutionException e) {
            return Status.fromThrowable(e.getCause()).getCode();
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("a call did not end within 120 s", e);
        }
    }

    private static byte[] images(int n) throws Exception {
        ClassifyRequest.Builder b = ClassifyRequest.newBuilder();
        for (int i = 0; i < n; i++) {
            b.addImages(Image.newBuilder().setGray8(ByteString.copyFrom(Fixtures.golden().get(i))));
        }
        return b.build().toByteArray();
    }

    /** Six calls holding eight images (1, 1, 2, 1, 1, 2), with 300-550 ms deadlines or none. */
    private List<ListenableFuture<byte[]>> sixCallsOfEightImages(boolean deadlines) throws Exception {
        List<ListenableFuture<byte[]>> calls = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            CallOptions o = deadlines ? CallOptions.DEFAULT.withDeadlineAfter(300 + 50 * i, TimeUnit.MILLISECONDS)
                    : CallOptions.DEFAULT;
            calls.add(send(images(i % 3 == 2 ? 2 : 1), o));
        }
        return calls;
    }

    /** Sends three golden calls, checks their answers, waits for an empty queue; returns 3. */
    private int goldenAfterRelease() throws Exception {
        for (int i = 0; i < 3; i++) {
            assertNull(Fixtures.checkGolden(RawRpc.unary(channel, RawRpc.CLASSIFY, Fixtures.goldenRequest(i),
                    CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS)), i));
        }
        Poll.require(Duration.ofSeconds(60), () -> server.metrics().value("glyph_queue_depth") == 0, () -> "queue empty");
        return 3;
    }

    private double executed() {
        return server.metrics().value("glyph_batch_size_sum");
    }

    @Test
    void queueBound_qPlusKSingleImageCallsAgainstHeldWorker_exactlyKResourceExhausted() throws Exception {
        int k = 5;
        double rejectedBefore = server.metrics().value("glyph_queue_rejected_total");
        hold.pause();
        List<ListenableFuture<byte[]>> calls = new ArrayList<>();
        for (int i = 0; i < QUEUE + k; i++) {
            calls.add(send(Fixtures.goldenRequest(i), CallOptions.DEFAULT));
        }
        Poll.require(Duration.ofSeconds(60), () -> calls.stream().filter(Future::isDone).count() >= k
                && server.metrics().value("glyph_queue_depth") >= QUEUE, () -> "k calls refused and the queue full");
        long refusedWhileHeld = calls.stream().filter(Future::isDone).count();
        double depthWhileHeld = server.metrics().value("glyph_queue_depth");
        hold.release();
        Map<String, Long> codes = new LinkedHashMap<>();
        List<String> wrong = new ArrayList<>();
        for (int i = 0; i < calls.size(); i++) {
            Code c = code(calls.get(i));
            codes.merge(c.name(), 1L, Long::sum);
            if (c == Code.OK) {
                String f = Fixtures.checkGolden(new RawRpc.Outcome(c, null, List.of(calls.get(i).get())), i);
                if (f != null) {
                    wrong.add(f);
                }
            }
        }
        double rejected = server.metrics().value("glyph_queue_rejected_total") - rejectedBefore;
        report.put("queue_single_sent", QUEUE + k).put("queue_single_codes", codes)
                .put("queue_depth_while_held", depthWhileHeld).put("queue_rejected_total_delta", rejected);
        assertEquals(Map.of("OK", (long) QUEUE, "RESOURCE_EXHAUSTED", (long) k), codes);
        assertEquals(k, refusedWhileHeld, "refused while the worker was held");
        assertEquals(QUEUE, depthWhileHeld);
        assertEquals(k, rejected);
        assertEquals(List.of(), wrong);
    }

    @Test
    void queueBound_multiImageRequestsAgainstHeldWorker_admittedOrRefusedWhole() throws Exception {
        hold.pause();
        int[] sizes = {5, 4, 3, 1};  // 5 in; 5+4 > 8 out; 5+3 = 8 in; 9 > 8 out
        List<ListenableFuture<byte[]>> calls = new ArrayList<>();
        for (int n : sizes) {
            ListenableFuture<byte[]> f = send(images(n), CallOptions.DEFAULT);
            calls.add(f);
            int queued = calls.size() == 1 ? 5 : 8;
            Poll.require(Duration.ofSeconds(60), () -> f.isDone() || server.metrics().value("glyph_queue_depth") >= queued,
                    () -> "request of " + n + " images admitted or refused");
        }
        hold.release();
        List<String> got = new ArrayList<>();
        for (int i = 0; i < sizes.length; i++) {
            got.add(sizes[i] + " images: " + code(calls.get(i)));
        }
        report.put("queue_multi", got);
        assertEquals(List.of("5 images: OK", "4 images: RESOURCE_EXHAUSTED", "3 images: OK",
                "1 images: RESOURCE_EXHAUSTED"), got);
    }

    @Test
    void deadlines_callsExpiredBeforeTheirBatchFormed_zeroImagesExecuted() throws Exception {
        Metrics before = server.metrics();
        double executedBefore = executed();
        hold.pause();
        List<ListenableFuture<byte[]>> calls = sixCallsOfEightImages(true);
        int images = 8;
        Map<String, Long> client = new LinkedHashMap<>();
        for (ListenableFuture<byte[]> f : calls) {
            client.merge(code(f).name(), 1L, Long::sum);
        }
        double notOkBefore = before.sum("glyph_grpc_requests_total", CLASSIFY)
                - before.sum("glyph_grpc_requests_total", CLASSIFY, "code=\"OK\"");
        Poll.require(Duration.ofSeconds(60), () -> {
            Metrics m = server.metrics();
            return m.sum("glyph_grpc_requests_total", CLASSIFY) - m.sum("glyph_grpc_requests_total", CLASSIFY,
                    "code=\"OK\"") - notOkBefore >= calls.size();
        }, () -> "the server closed the expired calls");
        hold.release();
        int golden = goldenAfterRelease();
        Metrics after = server.metrics();
        double ran = executed() - executedBefore;
        report.put("deadline_calls", calls.size()).put("deadline_images", images).put("deadline_client_codes", client)
                .put("deadline_expired_total_delta", after.value("glyph_deadline_expired_total")
                        - before.value("glyph_deadline_expired_total"))
                .put("deadline_server_codes", after.callsByCode("glyph.v1.Classifier/Classify"))
                .put("deadline_images_executed_besides_golden", ran - golden);
        assertEquals(Map.of("DEADLINE_EXCEEDED", (long) calls.size()), client);
        assertEquals(golden, ran, "images executed: only the " + golden + " golden ones, none of the " + images
                + " expired ones");
    }

    @Test
    void cancellation_callsCancelledBeforeTheirBatchFormed_zeroImagesExecuted() throws Exception {
        Metrics before = server.metrics();
        double executedBefore = executed();
        hold.pause();
        List<ListenableFuture<byte[]>> calls = sixCallsOfEightImages(false);
        int images = 8;
        Poll.require(Duration.ofSeconds(60), () -> server.metrics().value("glyph_queue_depth") >= 8,
                () -> "all eight images queued");
        for (ListenableFuture<byte[]> f : calls) {
            f.cancel(true);
        }
        double cancelledBefore = before.sum("glyph_grpc_requests_total", CLASSIFY, "code=\"CANCELLED\"");
        Poll.require(Duration.ofSeconds(60), () -> server.metrics().sum("glyph_grpc_requests_total", CLASSIFY,
                "code=\"CANCELLED\"") - cancelledBefore >= calls.size(), () -> "the server saw the cancellations");
        double depthAfterCancel = server.metrics().value("glyph_queue_depth");
        hold.release();
        int golden = goldenAfterRelease();
        double ran = executed() - executedBefore;
        report.put("cancel_calls", calls.size()).put("cancel_images", images)
                .put("cancel_queue_depth_after_cancel_while_held", depthAfterCancel)
                .put("cancel_images_executed_besides_golden", ran - golden);
        assertEquals(golden, ran, "images executed: only the " + golden + " golden ones, none of the " + images
                + " cancelled ones");
    }

    @Test
    void streamInFlight_oneStreamAgainstHeldWorker_readsUpToTheBoundThenAnswersInOrder() throws Exception {
        hold.pause();
        int sent = STREAM_IN_FLIGHT + 2;
        List<byte[]> requests = new ArrayList<>();
        for (int i = 0; i < sent; i++) {
            requests.add(Fixtures.goldenRequest(i));
        }
        java.util.concurrent.CompletableFuture<RawRpc.Outcome> done = java.util.concurrent.CompletableFuture
                .supplyAsync(() -> RawRpc.messages(channel, RawRpc.CLASSIFY_STREAM, requests, CallOptions.DEFAULT,
                        120_000));
        boolean reached = Poll.until(Duration.ofSeconds(20),
                () -> server.metrics().value("glyph_stream_requests_in_flight") >= STREAM_IN_FLIGHT);
        double inFlight = server.metrics().value("glyph_stream_requests_in_flight");
        double depth = server.metrics().value("glyph_queue_depth");
        hold.release();
        RawRpc.Outcome o = done.get(180, TimeUnit.SECONDS);
        report.put("stream_sent", sent).put("stream_in_flight_while_held", inFlight)
                .put("stream_queue_depth_while_held", depth).put("stream_outcome", o.toString())
                .put("stream_responses", o.responses().size());
        assertEquals(Code.OK, o.code(), o.toString());
        assertEquals(sent, o.responses().size());
        for (int i = 0; i < sent; i++) {
            assertNull(Fixtures.checkGolden(new RawRpc.Outcome(Code.OK, null, List.of(o.responses().get(i))), i));
        }
        assertTrue(reached, "with the worker held, one stream had " + inFlight + " requests in flight (queue depth "
                + depth + "); expected --stream-in-flight " + STREAM_IN_FLIGHT);
        Poll.require(Duration.ofSeconds(30), () -> server.metrics().value("glyph_stream_requests_in_flight") == 0,
                () -> "stream in-flight gauge back to 0");
    }
}
