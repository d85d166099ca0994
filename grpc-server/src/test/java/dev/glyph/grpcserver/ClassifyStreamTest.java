package dev.glyph.grpcserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glyph.testfixtures.TestModelFolder;
import dev.glyph.testfixtures.TestModels;
import dev.glyph.client.GlyphClient;
import dev.glyph.inferencesdk.DigitClassifier;
import dev.glyph.inferencesdk.DigitImage;
import dev.glyph.inferencesdk.Options;
import dev.glyph.inferencesdk.Prediction;
import dev.glyph.proto.v1.ClassifyRequest;
import dev.glyph.proto.v1.ClassifyResponse;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** ClassifyStream: order, errors, back-pressure towards a slow reader, draining. */
class ClassifyStreamTest {

    @RegisterExtension
    static final TestModelFolder MODEL = new TestModelFolder(99);
    static final List<byte[]> IMAGES = TestModels.gray8Images(300, 9);
    static final List<Prediction> EXPECTED = new ArrayList<>();

    @BeforeAll
    static void setUp() throws Exception {
        try (DigitClassifier c = DigitClassifier.open(MODEL.dir(), Options.defaults().intraOpThreads(1))) {
            for (byte[] b : IMAGES) {
                EXPECTED.add(c.classify(DigitImage.ofGray8(b)));
            }
        }
    }

    @AfterAll
    static void done() {
        EXPECTED.clear();
    }

    private static ClassifyRequest request(int first, int count) {
        ClassifyRequest.Builder b = ClassifyRequest.newBuilder();
        for (int i = 0; i < count; i++) {
            b.addImages(GlyphClient.gray8(IMAGES.get(first + i)));
        }
        return b.build();
    }

    /**
     * A ClassifyStream call whose client side queues every event (a response, the final Status, or "completed")
     * and reads only when asked to.
     */
    private static final class SlowReader extends CallObserver<ClassifyRequest, ClassifyResponse> {
        final BlockingQueue<Object> events = new LinkedBlockingQueue<>();
        private final int initial;
        private StreamObserver<ClassifyRequest> out;

        private SlowReader(int initial) {
            this.initial = initial;
        }

        /** Opens a ClassifyStream on {@code h} that initially asks for {@code initial} responses. */
        static SlowReader open(Harness h, int initial) {
            SlowReader reader = new SlowReader(initial);
            reader.out = h.async().classifyStream(reader);
            return reader;
        }

        void send(ClassifyRequest r) {
            out.onNext(r);
        }

        void complete() {
            out.onCompleted();
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<ClassifyRequest> requestStream) {
            super.beforeStart(requestStream);
            requestStream.disableAutoRequestWithInitial(initial);
        }

        @Override
        void response(ClassifyResponse r) {
            events.add(r);
        }

        @Override
        void ended(Status s) {
            events.add(s.isOk() ? "completed" : s);
        }

        Object next() throws InterruptedException {
            Object o = events.poll(60, TimeUnit.SECONDS);
            if (o == null) {
                throw new AssertionError("no stream event within 60 s");
            }
            return o;
        }
    }

    @Test
    void classifyStream_manyRequests_oneResponseEachInOrder() throws Exception {
        try (Harness h = Harness.serving(Harness.config(MODEL.dir()).streamInFlight(8))) {
            SlowReader reader = SlowReader.open(h, Integer.MAX_VALUE);
            int next = 0;
            List<int[]> sent = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                int n = 1 + i % 5;
                reader.send(request(next, n));
                sent.add(new int[] {next, n});
                next += n;
            }
            reader.complete();
            for (int[] s : sent) {
                Object o = reader.next();
                ClassifyResponse r = (ClassifyResponse) o;
                assertEquals(s[1], r.getPredictionsCount());
                for (int k = 0; k < s[1]; k++) {
                    Prediction e = EXPECTED.get(s[0] + k);
                    assertEquals(e.label(), r.getPredictions(k).getLabel(), "image " + (s[0] + k));
                    assertEquals(e.confidence(), r.getPredictions(k).getConfidence(), 1e-5);
                }
            }
            assertEquals("completed", reader.next());
        }
    }

    /**
     * Requests of one stream are processed concurrently, up to --stream-in-flight: with the
     * batcher's worker held, all of them are read and queued (the gauge passes 1), and once the
     * worker runs they are answered in order.
     */
    @Test
    void classifyStream_workerHeld_readsUpToInFlightConcurrentlyThenAnswersInOrder() throws Exception {
        Gate gate = new Gate();
        int bound = 6;
        try (Harness h = Harness.serving(Harness.config(MODEL.dir()).batchers(1).streamInFlight(bound).listener(gate))) {
            gate.arm();
            CompletableFuture<ClassifyResponse> holder = CompletableFuture.supplyAsync(
                    () -> h.blocking().classify(request(0, 1)));
            gate.awaitHeld();
            SlowReader reader = SlowReader.open(h, Integer.MAX_VALUE);
            int sent = 40;
            for (int i = 0; i < sent; i++) {
                reader.send(request(i, 1));
            }
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (gauge(h, "glyph_stream_requests_in_flight") < bound) {
                if (System.nanoTime() > end) {
                    throw new AssertionError("stream in-flight gauge stayed at " + gauge(h, "glyph_stream_requests_in_flight") + "; expected "
                            + bound + " requests read and queued concurrently");
                }
                Thread.sleep(2);
            }
            assertEquals(bound, gauge(h, "glyph_stream_requests_in_flight"), "never more than --stream-in-flight read");
            assertEquals(bound, h.server.batcherStats().queueDepth(), "all in-flight requests queued at once");
            gate.release();
            holder.get(60, TimeUnit.SECONDS);
            reader.complete();
            for (int i = 0; i < sent; i++) {
                ClassifyResponse r = (ClassifyResponse) reader.next();
                assertEquals(EXPECTED.get(i).label(), r.getPredictions(0).getLabel(), "response " + i);
                assertEquals(EXPECTED.get(i).confidence(), r.getPredictions(0).getConfidence(), 1e-5);
            }
            assertEquals("completed", reader.next());
            assertEquals(0, gauge(h, "glyph_stream_requests_in_flight"));
            assertTrue(h.server.batcherStats().meanBatchSize() > 1, "stream requests shared model batches: "
                    + h.server.batcherStats().meanBatchSize());
        }
    }

    @Test
    void classifyStream_badRequest_earlierResponsesThenInvalidArgument() throws Exception {
        try (Harness h = Harness.serving(Harness.config(MODEL.dir()))) {
            SlowReader reader = SlowReader.open(h, Integer.MAX_VALUE);
            reader.send(request(0, 2));
            reader.send(request(2, 1));
            reader.send(ClassifyRequest.newBuilder().addImages(GlyphClient.gray8(IMAGES.get(3)))
                    .addImages(GlyphClient.gray8(new byte[5])).build());
            reader.send(request(4, 1));
            assertEquals(2, ((ClassifyResponse) reader.next()).getPredictionsCount());
            assertEquals(1, ((ClassifyResponse) reader.next()).getPredictionsCount());
            Status s = (Status) reader.next();
            assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode());
            assertTrue(s.getDescription().startsWith("images[1].gray8: expected 784 bytes"), s.getDescription());
        }
    }

    private static int gauge(Harness h, String name) {
        Matcher m = Pattern.compile("(?m)^" + name + " (\\S+)$").matcher(h.server.scrapeMetrics());
        assertTrue(m.find(), name + " missing");
        return (int) Double.parseDouble(m.group(1));
    }

    @Test
    void classifyStream_slowReader_serverReadsOnlyWhatItCanAnswer() throws Exception {
        int bound = 4;
        int total = 200;
        try (Harness h = Harness.serving(Harness.config(MODEL.dir()).streamInFlight(bound))) {
            SlowReader reader = SlowReader.open(h, 1);
            for (int i = 0; i < total; i++) {
                reader.send(request(i, 1)); // the client sends everything at once
            }
            reader.complete();
            int received = 0;
            int maxOutstanding = 0;
            while (received < total) {
                Object o = reader.next();
                ClassifyResponse r = (ClassifyResponse) o;
                assertEquals(EXPECTED.get(received).label(), r.getPredictions(0).getLabel(), "response " + received);
                received++;
                if (received <= 60) {
                    Thread.sleep(2); // read slowly for a while: the server must not read ahead
                }
                long submitted = h.server.batcherStats().submitted();
                maxOutstanding = (int) Math.max(maxOutstanding, submitted - received);
                assertTrue(submitted <= received + 1 + bound, "server read " + submitted + " requests while the client"
                        + " had received " + received + " responses (in-flight bound " + bound + ")");
                assertTrue(gauge(h, "glyph_stream_requests_in_flight") <= bound);
                reader.call.request(1);
            }
            assertEquals("completed", reader.next());
            assertTrue(maxOutstanding <= bound + 1, "max outstanding " + maxOutstanding);
            assertEquals(0, gauge(h, "glyph_stream_requests_in_flight"));
        }
    }

    @Test
    void classifyStream_serverDraining_answersReadRequestsThenUnavailable() throws Exception {
        try (Harness h = Harness.serving(Harness.config(MODEL.dir()))) {
            SlowReader reader = SlowReader.open(h, Integer.MAX_VALUE);
            reader.send(request(0, 3));
            assertEquals(3, ((ClassifyResponse) reader.next()).getPredictionsCount());
            CompletableFuture<Boolean> shutdown = CompletableFuture.supplyAsync(
                    () -> h.server.shutdown(Duration.ofSeconds(60)));
            Status s = (Status) reader.next();
            assertEquals(Status.Code.UNAVAILABLE, s.getCode());
            assertTrue(shutdown.get(60, TimeUnit.SECONDS), "the open stream did not hold up the drain");
        }
    }
}
