package dev.glyph.grpcserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glyph.client.GlyphClient;
import dev.glyph.testfixtures.TestModelFolder;
import dev.glyph.testfixtures.TestModels;
import dev.glyph.inferencesdk.BatcherStats;
import dev.glyph.proto.v1.ClassifyRequest;
import dev.glyph.proto.v1.ClassifyResponse;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Work for callers who already left is never executed: with the batcher's worker held inside a
 * batch (so nothing can run), calls that are cancelled or whose deadline passes must leave the
 * queue at once, be counted as cancelled or expired, and never reach the model.
 */
class CancellationTest {

    @RegisterExtension
    static final TestModelFolder MODEL = new TestModelFolder(7);
    static final List<byte[]> IMAGES = TestModels.gray8Images(4, 8);

    private static ClassifyRequest request(int images) {
        ClassifyRequest.Builder b = ClassifyRequest.newBuilder();
        for (int i = 0; i < images; i++) {
            b.addImages(GlyphClient.gray8(IMAGES.get(i)));
        }
        return b.build();
    }

    private static Ending<ClassifyRequest, ClassifyResponse> send(Harness h, ClassifyRequest r, long deadlineMs) {
        Ending<ClassifyRequest, ClassifyResponse> call = new Ending<>();
        h.async().withDeadlineAfter(deadlineMs, TimeUnit.MILLISECONDS).classify(r, call);
        return call;
    }

    private static double metric(Harness h, String name) {
        Matcher m = Pattern.compile("(?m)^" + name + " ([0-9.E]+)$").matcher(h.server.scrapeMetrics());
        return m.find() ? Double.parseDouble(m.group(1)) : -1;
    }

    @Test
    void classify_cancelledAndExpiredBeforeBatch_zeroImagesExecuted() throws Exception {
        Gate gate = new Gate();
        try (Harness h = Harness.serving(Harness.config(MODEL.dir()).batchers(1).maxBatchSize(1).maxQueue(64).listener(gate))) {
            gate.arm();
            Ending<ClassifyRequest, ClassifyResponse> holder = send(h, request(1), 60_000);
            gate.awaitHeld();
            List<Ending<ClassifyRequest, ClassifyResponse>> expiring = new ArrayList<>();
            List<Ending<ClassifyRequest, ClassifyResponse>> cancelled = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                expiring.add(send(h, request(1 + i % 3), 5_000));   // 1+2+3+1+2 = 9 images
                cancelled.add(send(h, request(1 + (i + 1) % 3), 60_000)); // 2+3+1+2+3 = 11 images
            }
            // a stream with two requests waiting behind the gate, then cancelled
            Ending<ClassifyRequest, ClassifyResponse> stream = new Ending<>();
            StreamObserver<ClassifyRequest> out = h.async().classifyStream(stream);
            out.onNext(request(2));
            out.onNext(request(2));
            Harness.await(() -> h.server.batcherStats().queueDepth() == 9 + 11 + 4, "all 24 images queued");
            for (Ending<ClassifyRequest, ClassifyResponse> c : cancelled) {
                c.cancel();
            }
            stream.cancel();
            for (Ending<ClassifyRequest, ClassifyResponse> c : expiring) {
                assertEquals(Status.Code.DEADLINE_EXCEEDED, c.end.get(60, TimeUnit.SECONDS).getCode());
            }
            for (Ending<ClassifyRequest, ClassifyResponse> c : cancelled) {
                assertEquals(Status.Code.CANCELLED, c.end.get(60, TimeUnit.SECONDS).getCode());
            }
            assertEquals(Status.Code.CANCELLED, stream.end.get(60, TimeUnit.SECONDS).getCode());
            // the worker is still held: only eager removal can empty the queue
            Harness.await(() -> h.server.batcherStats().queueDepth() == 0, "queue emptied while the worker is held");
            Harness.await(() -> h.server.batcherStats().cancelled() == 15, "15 images counted cancelled");
            gate.release();
            assertEquals(Status.Code.OK, holder.end.get(60, TimeUnit.SECONDS).getCode());
            BatcherStats s = h.server.batcherStats();
            assertEquals(1, s.images(), "only the holder's image was executed");
            assertEquals(9, s.expired());
            assertEquals(15, s.cancelled());
            assertEquals(1, gate.images.get());
            assertEquals(9.0, metric(h, "glyph_deadline_expired_total"));
            assertEquals(15.0, metric(h, "glyph_cancelled_images_total"));
            assertEquals(0.0, metric(h, "glyph_stream_requests_in_flight"));
            assertTrue(h.blocking().classify(request(1)).getPredictionsCount() == 1);
        }
    }
}
