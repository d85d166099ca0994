package dev.glyph.grpcserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glyph.client.GlyphClient;
import dev.glyph.inferencesdk.BatcherStats;
import dev.glyph.inferencesdk.DigitImage;
import dev.glyph.inferencesdk.Prediction;
import dev.glyph.proto.inference.GRPCInferenceServiceGrpc;
import dev.glyph.proto.inference.ModelInferRequest;
import dev.glyph.proto.inference.ModelInferResponse;
import dev.glyph.proto.v1.ClassifyRequest;
import dev.glyph.proto.v1.ClassifyResponse;
import dev.glyph.testfixtures.TestModels;
import io.grpc.Status;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Open Inference Protocol requests go to the same batchers as glyph.v1 ones: they share dynamic batches, a client
 * cancel removes their queued images unexecuted, and deadlines (also sub-millisecond ones) end them with
 * DEADLINE_EXCEEDED, never UNKNOWN or INTERNAL.
 */
class OipBatchingTest {

    @TempDir
    static Path tmp;
    static Path model;
    static final List<byte[]> IMAGES = TestModels.gray8Images(5, 77);

    @BeforeAll
    static void folder() throws Exception {
        model = TestModels.folder(tmp.resolve("mnist/1"), 21);
    }

    private static Ending<ModelInferRequest, ModelInferResponse> infer(Harness h, ModelInferRequest r, long deadline,
            TimeUnit unit) {
        Ending<ModelInferRequest, ModelInferResponse> call = new Ending<>();
        GRPCInferenceServiceGrpc.newStub(h.channel).withDeadlineAfter(deadline, unit).modelInfer(r, call);
        return call;
    }

    private static Ending<ClassifyRequest, ClassifyResponse> classify(Harness h, List<byte[]> images) {
        ClassifyRequest.Builder b = ClassifyRequest.newBuilder();
        images.forEach(i -> b.addImages(GlyphClient.gray8(i)));
        Ending<ClassifyRequest, ClassifyResponse> call = new Ending<>();
        h.async().withDeadlineAfter(60, TimeUnit.SECONDS).classify(b.build(), call);
        return call;
    }

    @Test
    void modelInferAndClassify_concurrent_shareOneBatch() throws Exception {
        Gate gate = new Gate();
        try (Harness h = Harness.serving(Harness.config(model).allowUnverified(true).batchers(1).maxBatchSize(8)
                .listener(gate))) {
            // hold the worker inside a first batch, so that both calls below wait in the one queue
            gate.arm();
            Ending<ClassifyRequest, ClassifyResponse> holder = classify(h, IMAGES.subList(0, 1));
            gate.awaitHeld();
            Ending<ModelInferRequest, ModelInferResponse> oip = infer(h, Oip.uint8(IMAGES.subList(0, 2)).build(), 60,
                    TimeUnit.SECONDS);
            Ending<ClassifyRequest, ClassifyResponse> v1 = classify(h, IMAGES.subList(2, 5));
            Harness.await(() -> h.server.batcherStats().queueDepth() == 5, "2 OIP and 3 glyph.v1 images queued");
            gate.release();
            assertEquals(Status.Code.OK, holder.end.get(60, TimeUnit.SECONDS).getCode());
            assertEquals(Status.Code.OK, oip.end.get(60, TimeUnit.SECONDS).getCode());
            assertEquals(Status.Code.OK, v1.end.get(60, TimeUnit.SECONDS).getCode());
            BatcherStats s = h.server.batcherStats();
            assertEquals(6, s.images());
            assertEquals(2, s.batches(), "the holder's batch, then one batch of the OIP and glyph.v1 images together");
            assertEquals(2, gate.batches.get());
            assertEquals(5, s.batchSize().max(), "the shared batch held all 5 images");
            List<Prediction> want = Oip.expected(model, Oip.digits(IMAGES));
            ModelInferResponse r = oip.first.get();
            for (int i = 0; i < 2; i++) {
                assertEquals(want.get(i).label(), r.getOutputs(2).getContents().getInt64Contents(i));
            }
            for (int i = 0; i < 3; i++) {
                assertEquals(want.get(2 + i).label(), v1.first.get().getPredictions(i).getLabel());
            }
        }
    }

    @Test
    void modelInfer_cancelledWhileQueued_imagesRemovedUnexecuted() throws Exception {
        Gate gate = new Gate();
        try (Harness h = Harness.serving(Harness.config(model).allowUnverified(true).batchers(1).maxBatchSize(1)
                .maxQueue(64).listener(gate))) {
            gate.arm();
            Ending<ClassifyRequest, ClassifyResponse> holder = classify(h, IMAGES.subList(0, 1));
            gate.awaitHeld();
            Ending<ModelInferRequest, ModelInferResponse> typed = infer(h, Oip.fp32(IMAGES.subList(0, 3)).build(), 60,
                    TimeUnit.SECONDS);
            Ending<ModelInferRequest, ModelInferResponse> png = infer(h, Oip.bytes(IMAGES.subList(0, 2).stream()
                    .map(Oip::png).toList()).build(), 60, TimeUnit.SECONDS);
            Ending<ModelInferRequest, ModelInferResponse> expiring = infer(h, Oip.uint8Raw(IMAGES.subList(0, 4), 4, 28, 28)
                    .build(), 300, TimeUnit.MILLISECONDS);
            Harness.await(() -> h.server.batcherStats().queueDepth() == 3 + 2 + 4, "9 OIP images queued behind the gate");
            typed.cancel();
            png.cancel();
            assertEquals(Status.Code.CANCELLED, typed.end.get(60, TimeUnit.SECONDS).getCode());
            assertEquals(Status.Code.CANCELLED, png.end.get(60, TimeUnit.SECONDS).getCode());
            assertEquals(Status.Code.DEADLINE_EXCEEDED, expiring.end.get(60, TimeUnit.SECONDS).getCode());
            // the worker is still held: only eager removal empties the queue
            Harness.await(() -> h.server.batcherStats().queueDepth() == 0, "queue emptied while the worker is held");
            Harness.await(() -> h.server.batcherStats().cancelled() == 5, "5 images counted cancelled");
            Harness.await(() -> h.server.batcherStats().expired() == 4, "4 images counted expired");
            gate.release();
            assertEquals(Status.Code.OK, holder.end.get(60, TimeUnit.SECONDS).getCode());
            assertEquals(1, h.server.batcherStats().images(), "only the holder's image was executed");
            assertEquals(1, gate.images.get());
        }
    }

    @Test
    void modelInfer_subMillisecondDeadline_deadlineExceededAndServerFine() throws Exception {
        try (Harness h = Harness.serving(Harness.config(model).allowUnverified(true).maxDelay(Duration.ofMillis(5)))) {
            List<ModelInferRequest> requests = List.of(Oip.fp32(IMAGES).build(),
                    Oip.fp32Raw(IMAGES, IMAGES.size(), 784).build(), Oip.uint8(IMAGES).build(),
                    Oip.bytes(IMAGES.stream().map(Oip::png).toList()).build());
            List<Ending<ModelInferRequest, ModelInferResponse>> calls = new ArrayList<>();
            for (int round = 0; round < 5; round++) {
                for (ModelInferRequest r : requests) {
                    calls.add(infer(h, r, 300, TimeUnit.MICROSECONDS));
                }
            }
            for (Ending<ModelInferRequest, ModelInferResponse> c : calls) {
                assertEquals(Status.Code.DEADLINE_EXCEEDED, c.end.get(60, TimeUnit.SECONDS).getCode());
            }
            Ending<ModelInferRequest, ModelInferResponse> ok = infer(h, requests.get(3), 60, TimeUnit.SECONDS);
            assertEquals(Status.Code.OK, ok.end.get(60, TimeUnit.SECONDS).getCode());
            List<Prediction> want = Oip.expected(model, IMAGES.stream().map(Oip::png)
                    .map(DigitImage::ofEncoded).toList());
            for (int i = 0; i < IMAGES.size(); i++) {
                assertEquals(want.get(i).label(), ok.first.get().getOutputs(2).getContents().getInt64Contents(i));
            }
            String metrics = h.server.scrapeMetrics();
            assertTrue(!metrics.contains("code=\"UNKNOWN\"") && !metrics.contains("code=\"INTERNAL\""),
                    "no call ended UNKNOWN or INTERNAL:\n" + metrics);
        }
    }
}
