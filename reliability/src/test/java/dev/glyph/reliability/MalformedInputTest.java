package dev.glyph.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.glyph.inferencesdk.DigitClassifier;
import dev.glyph.inferencesdk.DigitImage;
import dev.glyph.inferencesdk.Options;
import dev.glyph.inferencesdk.Prediction;
import dev.glyph.proto.v1.ClassifyRequest;
import dev.glyph.proto.v1.ClassifyResponse;
import dev.glyph.proto.v1.Image;
import dev.glyph.proto.v1.Pixels;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status.Code;
import io.grpc.health.v1.HealthCheckRequest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Malformed input against one real {@code glyph serve} process: 10,000 seeded mutations of valid
 * messages across every RPC, then the named classes (empty, wrong sizes, non-finite pixels,
 * oversize, gzip bombs, every image format, a malformed TIFF, pixel bombs, protocol misuse). A
 * prober checks health and a golden request every 250 ms throughout, and a golden request must be
 * right after every 100 bad ones. The contract: no UNKNOWN, no INTERNAL, ever.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MalformedInputTest {

    static final int MUTATIONS_CLASSIFY = 6000;
    static final int MUTATIONS_STREAM = 1500;
    static final int MUTATIONS_MODEL_INFO = 1250;
    static final int MUTATIONS_HEALTH = 1250;
    static final int MAX_MESSAGE = 4 << 20;
    static final Set<Code> NEVER = EnumSet.of(Code.UNKNOWN, Code.INTERNAL);

    ServerProcess server;
    ManagedChannel channel;
    Prober prober;
    final StatusTally tally = new StatusTally();
    final Report report = new Report("malformed-input");
    final List<String> goldenFailures = Collections.synchronizedList(new ArrayList<>());
    long goldenChecks;
    int goldenIndex;

    @BeforeAll
    void start() throws Exception {
        Path model = Fixtures.model();
        Fixtures.goldenAnswers();
        server = ServerProcess.builder(model, Fixtures.work().resolve("logs/malformed-server.log"))
                .serveArgs("--max-message-bytes", Integer.toString(MAX_MESSAGE)).start();
        channel = RawRpc.channel(server.target());
        golden(); // connects the channel before the prober's first deadline starts
        prober = Prober.start(channel, Fixtures.goldenRequest(0), o -> Fixtures.checkGolden(o, 0), 250, 2000);
        report.put("seed", Fixtures.SEED).put("server", "glyph serve --max-message-bytes " + MAX_MESSAGE
                + " (defaults otherwise: 2 batchers, handlers on the event loop)");
    }

    @AfterAll
    void stop() throws Exception {
        if (prober != null) {
            prober.close();
            report.put("prober_rounds", prober.probes())
                    .put("prober_failures", prober.failures().size())
                    .put("prober_failure_examples", prober.failures().stream().limit(10).toList())
                    .put("health_max_ms", Prober.maxMillis(prober.healthNanos()))
                    .put("health_over_100ms", Prober.over(prober.healthNanos(), 100))
                    .put("golden_probe_max_ms", Prober.maxMillis(prober.goldenNanos()));
        }
        if (server != null) {
            Metrics m = server.metrics();
            Map<String, Object> serverSide = new LinkedHashMap<>();
            for (String method : List.of("glyph.v1.Classifier/Classify", "glyph.v1.Classifier/ClassifyStream",
                    "glyph.v1.Classifier/GetModelInfo", "grpc.health.v1.Health/Check")) {
                serverSide.put(method, m.callsByCode(method));
            }
            report.put("server_requests_total", serverSide);
            String log = server.logText();
            report.put("server_log_bytes", log.length()).put("server_log_stack_lines", stackLines(log));
            server.close();
            report.put("server_exit", server.process().exitValue());
        }
        if (channel != null) {
            channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
        report.put("by_category", tally.snapshot()).put("examples", tally.examples())
                .put("calls", tally.calls()).put("golden_checks", goldenChecks)
                .put("golden_failures", goldenFailures.size());
        report.line(tally.markdown());
        report.write();
    }

    /** Calls counted in glyph_grpc_requests_total over the four RPCs. */
    static long requestsTotal(Metrics m) {
        long n = 0;
        for (String method : List.of("glyph.v1.Classifier/Classify", "glyph.v1.Classifier/ClassifyStream",
                "glyph.v1.Classifier/GetModelInfo", "grpc.health.v1.Health/Check")) {
            n += Math.round(m.sum("glyph_grpc_requests_total", "method=\"" + method + "\""));
        }
        return n;
    }

    static long stackLines(String log) {
        return log.lines().filter(l -> l.startsWith("\tat ")).count();
    }

    // ---- helpers ------------------------------------------------------------------------------

    private RawRpc.Outcome call(String category, io.grpc.MethodDescriptor<byte[], byte[]> m, byte[] body) {
        return call(category, m, body, CallOptions.DEFAULT);
    }

    private RawRpc.Outcome call(String category, io.grpc.MethodDescriptor<byte[], byte[]> m, byte[] body,
            CallOptions options) {
        RawRpc.Outcome o = RawRpc.unary(channel, m, body, options.withDeadlineAfter(60, TimeUnit.SECONDS));
        tally.add(category, o);
        return o;
    }

    private void golden() throws Exception {
        int i = goldenIndex++;
        RawRpc.Outcome o = RawRpc.unary(channel, RawRpc.CLASSIFY, Fixtures.goldenRequest(i),
                CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS));
        tally.add("golden (after every 100 bad)", o);
        goldenChecks++;
        String f = Fixtures.checkGolden(o, i);
        if (f != null) {
            goldenFailures.add(f);
        }
        RawRpc.Outcome h = RawRpc.unary(channel, RawRpc.HEALTH, new byte[0],
                CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS));
        tally.add("health (after every 100 bad)", h);
        if (h.code() != Code.OK) {
            goldenFailures.add("health after bad input: " + h);
        }
    }

    static byte[] req(Image... images) {
        return ClassifyRequest.newBuilder().addAllImages(Arrays.asList(images)).build().toByteArray();
    }

    static Image gray8(byte[] b) {
        return Image.newBuilder().setGray8(ByteString.copyFrom(b)).build();
    }

    static Image encoded(byte[] b) {
        return Image.newBuilder().setEncoded(ByteString.copyFrom(b)).build();
    }

    static Image pixels(float[] v) {
        Pixels.Builder p = Pixels.newBuilder();
        for (float f : v) {
            p.addValues(f);
        }
        return Image.newBuilder().setPixels(p).build();
    }

    private static List<String> never(StatusTally t, String prefix) {
        List<String> bad = new ArrayList<>();
        t.snapshot().forEach((cat, m) -> {
            if (cat.startsWith(prefix)) {
                for (Code c : NEVER) {
                    if (m.getOrDefault(c.name(), 0L) > 0) {
                        bad.add(cat + ": " + m.get(c.name()) + " x " + c + " (e.g. " + t.examples().get(cat + " / " + c)
                                + ")");
                    }
                }
            }
        });
        return bad;
    }

    // ---- the checks ---------------------------------------------------------------------------

    @Test
    @Order(1)
    void mutations_tenThousandSeededAcrossEveryRpc_noUnknownNoInternalAndGoldenRightAfterEvery100() throws Exception {
        List<byte[]> g = Fixtures.golden();
        float[] px = new float[784];
        for (int i = 0; i < 784; i++) {
            px[i] = (g.get(1)[i] & 0xff) / 255f;
        }
        byte[] png = HostileImages.encode(Fixtures.digitImage(), "png");
        byte[] gif = HostileImages.encode(Fixtures.digitImage(), "gif");
        List<byte[]> classifySeeds = List.of(
                ClassifyRequest.newBuilder().addImages(gray8(g.get(0))).setReturnProbabilities(true).build().toByteArray(),
                req(gray8(g.get(2)), gray8(g.get(3)), gray8(g.get(4))),
                req(pixels(px)),
                req(encoded(png)),
                req(encoded(gif), gray8(g.get(5)), pixels(px)));
        List<byte[]> infoSeeds = List.of(new byte[0], new byte[] {0x0a, 0x01, 'x'});
        List<byte[]> healthSeeds = List.of(new byte[0],
                HealthCheckRequest.newBuilder().setService("glyph.v1.Classifier").build().toByteArray());
        Mutator classify = new Mutator(classifySeeds, Fixtures.SEED);
        Mutator stream = new Mutator(classifySeeds, Fixtures.SEED + 1);
        Mutator info = new Mutator(infoSeeds, Fixtures.SEED + 2);
        Mutator health = new Mutator(healthSeeds, Fixtures.SEED + 3);
        byte[] streamFirst = classifySeeds.get(0);

        List<String> mismatches = Collections.synchronizedList(new ArrayList<>());
        long logBefore = stackLines(server.logText());
        // the prober's calls run on the same server: count them exactly, reading the counters between its rounds
        prober.pause();
        long countedBefore = requestsTotal(server.metrics());
        long proberBefore = prober.calls();
        prober.resume();
        int total = MUTATIONS_CLASSIFY + MUTATIONS_STREAM + MUTATIONS_MODEL_INFO + MUTATIONS_HEALTH;
        long t0 = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            for (int block = 0; block < total; block += 100) {
                List<Future<?>> fs = new ArrayList<>();
                for (int k = block; k < Math.min(total, block + 100); k++) {
                    int idx = k;
                    fs.add(pool.submit(() -> {
                        if (idx < MUTATIONS_CLASSIFY) {
                            byte[] b = classify.mutation(idx);
                            RawRpc.Outcome o = call("Classify mutations", RawRpc.CLASSIFY, b);
                            checkClassifyConsistency(b, o, mismatches);
                        } else if (idx < MUTATIONS_CLASSIFY + MUTATIONS_STREAM) {
                            byte[] b = stream.mutation(idx);
                            RawRpc.Outcome o = RawRpc.messages(channel, RawRpc.CLASSIFY_STREAM, List.of(streamFirst, b),
                                    CallOptions.DEFAULT, 60_000);
                            tally.add("ClassifyStream (valid + mutated message)", o);
                        } else if (idx < MUTATIONS_CLASSIFY + MUTATIONS_STREAM + MUTATIONS_MODEL_INFO) {
                            call("GetModelInfo mutations", RawRpc.MODEL_INFO, info.mutation(idx));
                        } else {
                            call("Health/Check mutations", RawRpc.HEALTH, health.mutation(idx));
                        }
                        return null;
                    }));
                }
                for (Future<?> f : fs) {
                    f.get();
                }
                golden();
            }
        } finally {
            pool.shutdownNow();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        long clientCalls = total + 2L * (total / 100);
        long serverCounted;
        long proberCalls;
        prober.pause();
        try {
            proberCalls = prober.calls() - proberBefore;
            long want = clientCalls + proberCalls;
            // a call is counted when the server closes it, before its client sees the status; a call the client
            // gave up on is counted when its cancellation arrives, so wait (bounded) for the late ones
            Poll.until(java.time.Duration.ofSeconds(30), () -> requestsTotal(server.metrics()) - countedBefore >= want);
            serverCounted = requestsTotal(server.metrics()) - countedBefore;
        } finally {
            prober.resume();
        }
        long stack = stackLines(server.logText()) - logBefore;
        report.put("mutations", total).put("mutation_seconds", Math.round(seconds * 10) / 10.0)
                .put("mutation_operators", Mutator.OPERATORS)
                .put("consistency_mismatches", mismatches.size())
                .put("consistency_examples", mismatches.stream().limit(5).toList())
                .put("server_counted_calls", serverCounted).put("client_calls", clientCalls)
                .put("prober_calls_during_mutations", proberCalls)
                .put("mutation_stack_trace_lines_logged", stack);

        List<String> bad = never(tally, "");
        assertEquals(List.of(), bad, "UNKNOWN/INTERNAL answers to mutated messages");
        assertEquals(List.of(), goldenFailures.subList(0, Math.min(20, goldenFailures.size())),
                "golden request after every 100 bad ones");
        assertEquals(List.of(), mismatches.subList(0, Math.min(20, mismatches.size())),
                "answers inconsistent with what protobuf parses");
        assertEquals(clientCalls + proberCalls, serverCounted, "every call is counted in glyph_grpc_requests_total ("
                + clientCalls + " of the mutation loop, " + proberCalls + " of the prober)");
        assertTrue(stack <= 500, "bad input logged " + stack + " stack-trace lines in " + total
                + " calls; expected at most a few traces (rate-limited)");
    }

    /**
     * A mutated request that protobuf cannot parse must be INVALID_ARGUMENT; one that parses and
     * is answered OK must get one prediction per image.
     */
    private static void checkClassifyConsistency(byte[] b, RawRpc.Outcome o, List<String> mismatches) {
        ClassifyRequest parsed;
        try {
            parsed = ClassifyRequest.parseFrom(b);
        } catch (InvalidProtocolBufferException e) {
            if (o.code() != Code.INVALID_ARGUMENT) {
                mismatches.add("unparseable request (" + b.length + " bytes) answered " + o + ", expected INVALID_ARGUMENT");
            }
            return;
        }
        if (o.code() == Code.OK) {
            try {
                ClassifyResponse r = ClassifyResponse.parseFrom(o.first());
                if (r.getPredictionsCount() != parsed.getImagesCount()) {
                    mismatches.add(parsed.getImagesCount() + " images answered with " + r.getPredictionsCount()
                            + " predictions");
                }
            } catch (InvalidProtocolBufferException e) {
                mismatches.add("unparseable response");
            }
        }
    }

    @Test
    @Order(2)
    void emptyAndWrongSizes_everyRpc_invalidArgumentNamingTheField() throws Exception {
        Map<String, byte[]> invalid = new LinkedHashMap<>();
        invalid.put("empty message", new byte[0]);
        invalid.put("no images, return_probabilities", ClassifyRequest.newBuilder().setReturnProbabilities(true).build()
                .toByteArray());
        for (int n : new int[] {0, 1, 783, 785, 1568, 100_000}) {
            invalid.put("gray8 of " + n + " bytes", req(gray8(new byte[n])));
        }
        for (int n : new int[] {0, 1, 783, 785}) {
            invalid.put("pixels of " + n + " values", req(pixels(new float[n])));
        }
        invalid.put("image without data", req(Image.getDefaultInstance()));
        invalid.put("encoded of 0 bytes", req(encoded(new byte[0])));
        invalid.put("encoded garbage", req(encoded("not an image".getBytes())));
        invalid.put("513 images (over one batcher's queue share)", req(Collections.nCopies(513,
                gray8(new byte[784])).toArray(Image[]::new)));
        Map<String, String> wrong = new LinkedHashMap<>();
        for (Map.Entry<String, byte[]> e : invalid.entrySet()) {
            RawRpc.Outcome o = call("empty / wrong sizes", RawRpc.CLASSIFY, e.getValue());
            if (o.code() != Code.INVALID_ARGUMENT || o.description() == null || !o.description().contains("images")) {
                wrong.put(e.getKey(), o.toString());
            }
        }
        for (int i = 0; i < 3; i++) {
            golden();
        }
        Map<String, RawRpc.Outcome> ok = new LinkedHashMap<>();
        ok.put("GetModelInfo, empty", call("empty / wrong sizes", RawRpc.MODEL_INFO, new byte[0]));
        ok.put("Health, empty", call("empty / wrong sizes", RawRpc.HEALTH, new byte[0]));
        ok.forEach((k, o) -> {
            if (o.code() != Code.OK) {
                wrong.put(k, o.toString());
            }
        });
        RawRpc.Outcome unknownService = call("empty / wrong sizes", RawRpc.HEALTH,
                HealthCheckRequest.newBuilder().setService("no.such.Service").build().toByteArray());
        if (unknownService.code() != Code.NOT_FOUND) {
            wrong.put("Health of an unknown service", unknownService.toString());
        }
        assertEquals(Map.of(), wrong);
    }

    @Test
    @Order(3)
    void nonFinitePixels_nanInfinityOutOfRange_invalidArgumentNamingTheValue() throws Exception {
        Map<String, String> wrong = new LinkedHashMap<>();
        float[] bad = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0.5f, 1.5f, Float.MAX_VALUE,
            -Float.MIN_VALUE, Float.intBitsToFloat(0x7fc00001)};
        for (float v : bad) {
            float[] px = new float[784];
            px[300] = v;
            RawRpc.Outcome o = call("NaN / Inf / out-of-range pixels", RawRpc.CLASSIFY, req(pixels(px)));
            if (o.code() != Code.INVALID_ARGUMENT || !o.description().contains("pixels.values[300]")) {
                wrong.put(Float.toString(v), o.toString());
            }
        }
        for (float v : new float[] {-0.0f, Float.MIN_VALUE, 1.0f}) {
            float[] px = new float[784];
            px[300] = v;
            RawRpc.Outcome o = call("edge pixels in range (-0, subnormal, 1)", RawRpc.CLASSIFY, req(pixels(px)));
            if (o.code() != Code.OK) {
                wrong.put(Float.toString(v), o.toString());
            }
        }
        golden();
        assertEquals(Map.of(), wrong);
    }

    @Test
    @Order(4)
    void oversize_messagesOverTheLimit_resourceExhaustedOnEveryRpcAndServerKeepsServing() throws Exception {
        byte[] big = req(gray8(new byte[MAX_MESSAGE + 1]));
        byte[] bigUnknownField = new byte[MAX_MESSAGE + 16];
        bigUnknownField[0] = 0x7a; // field 15, length-delimited
        int len = bigUnknownField.length - 5;
        bigUnknownField[1] = (byte) (0x80 | (len & 0x7f));
        bigUnknownField[2] = (byte) (0x80 | ((len >> 7) & 0x7f));
        bigUnknownField[3] = (byte) (0x80 | ((len >> 14) & 0x7f));
        bigUnknownField[4] = (byte) ((len >> 21) & 0x7f);
        Map<String, RawRpc.Outcome> got = new LinkedHashMap<>();
        got.put("Classify", call("oversize", RawRpc.CLASSIFY, big));
        got.put("GetModelInfo", call("oversize", RawRpc.MODEL_INFO, bigUnknownField));
        got.put("Health/Check", call("oversize", RawRpc.HEALTH, bigUnknownField));
        RawRpc.Outcome s = RawRpc.messages(channel, RawRpc.CLASSIFY_STREAM, List.of(Fixtures.goldenRequest(0), big),
                CallOptions.DEFAULT, 60_000);
        tally.add("oversize", s);
        got.put("ClassifyStream (second message)", s);
        golden();
        Map<String, String> wrong = new LinkedHashMap<>();
        got.forEach((k, o) -> {
            if (o.code() != Code.RESOURCE_EXHAUSTED) {
                wrong.put(k, o.toString());
            }
        });
        assertEquals(Map.of(), wrong);
    }

    @Test
    @Order(5)
    void gzipBombs_compressedRequestsInflatingPastTheLimit_resourceExhaustedLikeUncompressed() throws Exception {
        byte[] zeros8m = req(gray8(new byte[8 << 20]));
        byte[] unknown8m = new byte[(8 << 20) + 16];
        unknown8m[0] = 0x7a;
        int len = unknown8m.length - 5;
        unknown8m[1] = (byte) (0x80 | (len & 0x7f));
        unknown8m[2] = (byte) (0x80 | ((len >> 7) & 0x7f));
        unknown8m[3] = (byte) (0x80 | ((len >> 14) & 0x7f));
        unknown8m[4] = (byte) ((len >> 21) & 0x7f);
        CallOptions gz = CallOptions.DEFAULT.withCompression("gzip");
        report.put("gzip_bomb_wire_bytes", HostileImages.gzip(zeros8m).length).put("gzip_bomb_inflated_bytes",
                zeros8m.length);
        Map<String, RawRpc.Outcome> got = new LinkedHashMap<>();
        got.put("Classify, gzip", call("gzip bombs (8 MiB of zeros)", RawRpc.CLASSIFY, zeros8m, gz));
        got.put("Classify, uncompressed", call("gzip bombs (8 MiB of zeros)", RawRpc.CLASSIFY, zeros8m));
        got.put("GetModelInfo, gzip", call("gzip bombs (8 MiB of zeros)", RawRpc.MODEL_INFO, unknown8m, gz));
        got.put("Health/Check, gzip", call("gzip bombs (8 MiB of zeros)", RawRpc.HEALTH, unknown8m, gz));
        RawRpc.Outcome s = RawRpc.messages(channel, RawRpc.CLASSIFY_STREAM, List.of(Fixtures.goldenRequest(0), zeros8m),
                gz, 60_000);
        tally.add("gzip bombs (8 MiB of zeros)", s);
        got.put("ClassifyStream, gzip (second message)", s);
        RawRpc.Outcome small = call("gzip, within the limit", RawRpc.CLASSIFY, Fixtures.goldenRequest(3), gz);
        golden();
        Map<String, String> wrong = new LinkedHashMap<>();
        got.forEach((k, o) -> {
            if (o.code() != Code.RESOURCE_EXHAUSTED) {
                wrong.put(k, o.toString());
            }
        });
        if (Fixtures.checkGolden(small, 3) != null) {
            wrong.put("gzip golden request", Fixtures.checkGolden(small, 3));
        }
        assertEquals(Map.of(), wrong);
    }

    @Test
    @Order(6)
    void imageFormats_everyFormatAndMalformedTiff_documentedOnesClassifiedOthersInvalidArgument() throws Exception {
        Map<String, String> wrong = new LinkedHashMap<>();
        Map<String, Object> seen = new LinkedHashMap<>();
        try (DigitClassifier sdk = DigitClassifier.open(Fixtures.model(), Options.defaults().intraOpThreads(1))) {
            for (Map.Entry<String, byte[]> e : HostileImages.everyFormat(Fixtures.digitImage()).entrySet()) {
                String f = e.getKey();
                RawRpc.Outcome o = call("image formats", RawRpc.CLASSIFY, req(encoded(e.getValue())));
                seen.put(f + " (" + e.getValue().length + " bytes)", o.toString());
                boolean documented = Set.of("png", "jpeg", "bmp", "gif").contains(f);
                if (documented) {
                    Prediction want = sdk.classify(DigitImage.ofEncoded(e.getValue()));
                    if (o.code() != Code.OK) {
                        wrong.put(f, o.toString());
                    } else if (ClassifyResponse.parseFrom(o.first()).getPredictions(0).getLabel() != want.label()) {
                        wrong.put(f, "label differs from the in-process SDK's " + want.label());
                    }
                } else if (o.code() != Code.OK && o.code() != Code.INVALID_ARGUMENT) {
                    wrong.put(f, o.toString() + " (expected OK or INVALID_ARGUMENT)");
                }
            }
        }
        byte[] tiff = HostileImages.malformedTiff();
        RawRpc.Outcome o = call("image formats", RawRpc.CLASSIFY, req(encoded(tiff)));
        seen.put("malformed TIFF 5x9, 2 samples, RGB, float (" + tiff.length + " bytes)", o.toString());
        if (o.code() != Code.INVALID_ARGUMENT || !o.description().contains("images[0]")) {
            wrong.put("malformed TIFF", o + " (expected INVALID_ARGUMENT naming images[0])");
        }
        golden();
        report.put("image_formats", seen);
        assertEquals(Map.of(), wrong);
    }

    @Test
    @Order(7)
    void pixelBombs_tinyFilesDecodingToMegapixels_answeredWhileHealthAndGoldenCallsKeepAnswering() throws Exception {
        byte[] gray = HostileImages.pngBomb(6000, 6000, HostileImages.PngKind.GRAY8);
        byte[] rgba = HostileImages.pngBomb(6324, 6324, HostileImages.PngKind.RGBA16);
        byte[] over = HostileImages.pngBomb(6325, 6325, HostileImages.PngKind.GRAY8);
        Map<String, Object> sizes = new LinkedHashMap<>();
        sizes.put("6000x6000 gray8 PNG bytes", gray.length);
        sizes.put("6324x6324 16-bit RGBA PNG bytes", rgba.length);
        sizes.put("6325x6325 gray8 PNG bytes (over the 40 MP cap)", over.length);
        report.put("pixel_bombs", sizes);
        int failuresBefore = prober.failures().size();
        int healthBefore = prober.healthNanos().size();
        Map<String, String> wrong = new LinkedHashMap<>();
        Map<String, RawRpc.Outcome> got = new LinkedHashMap<>();
        got.put("6000x6000 gray8", call("pixel bombs", RawRpc.CLASSIFY, req(encoded(gray))));
        got.put("6324x6324 RGBA16", call("pixel bombs", RawRpc.CLASSIFY, req(encoded(rgba))));
        got.put("3 x 6324x6324 RGBA16 in one request", call("pixel bombs", RawRpc.CLASSIFY,
                req(encoded(rgba), encoded(rgba), encoded(rgba))));
        RawRpc.Outcome o = call("pixel bombs", RawRpc.CLASSIFY, req(encoded(over)));
        if (o.code() != Code.INVALID_ARGUMENT) {
            wrong.put("6325x6325 (over the cap)", o.toString());
        }
        got.forEach((k, v) -> {
            if (v.code() != Code.OK && v.code() != Code.INVALID_ARGUMENT) {
                wrong.put(k, v.toString());
            }
        });
        golden();
        long roundsNow = prober.probes(); // one more complete prober round after the last bomb
        Poll.until(java.time.Duration.ofSeconds(30), () -> prober.probes() > roundsNow + 1);
        List<Long> during = prober.healthNanos().subList(healthBefore, prober.healthNanos().size());
        report.put("pixel_bomb_outcomes", got.entrySet().stream().collect(java.util.stream.Collectors.toMap(
                Map.Entry::getKey, e -> e.getValue().toString(), (a, b) -> a, LinkedHashMap::new)))
                .put("health_during_bombs_max_ms", Prober.maxMillis(during))
                .put("health_during_bombs_over_100ms", Prober.over(during, 100))
                .put("health_checks_during_bombs", during.size());
        List<String> probeFailures = prober.failures().subList(failuresBefore, prober.failures().size());
        if (!probeFailures.isEmpty()) {
            wrong.put("health / golden probes during the bombs (2 s deadline)", probeFailures.size() + " failed, e.g. "
                    + probeFailures.get(0));
        }
        assertEquals(Map.of(), wrong);
    }

    @Test
    @Order(8)
    void protocolMisuse_unaryWithNoneOrTwoMessages_neverInternal() throws Exception {
        Map<String, RawRpc.Outcome> got = new LinkedHashMap<>();
        byte[] g = Fixtures.goldenRequest(0);
        got.put("Classify, half-close without a request", RawRpc.messages(channel, RawRpc.CLASSIFY, List.of(),
                CallOptions.DEFAULT, 30_000));
        got.put("Classify, two requests", RawRpc.messages(channel, RawRpc.CLASSIFY, List.of(g, g),
                CallOptions.DEFAULT, 30_000));
        got.put("GetModelInfo, half-close without a request", RawRpc.messages(channel, RawRpc.MODEL_INFO, List.of(),
                CallOptions.DEFAULT, 30_000));
        got.put("Health/Check, half-close without a request", RawRpc.messages(channel, RawRpc.HEALTH, List.of(),
                CallOptions.DEFAULT, 30_000));
        RawRpc.Outcome emptyStream = RawRpc.messages(channel, RawRpc.CLASSIFY_STREAM, List.of(), CallOptions.DEFAULT,
                30_000);
        got.forEach((k, o) -> tally.add("protocol misuse", o));
        tally.add("protocol misuse", emptyStream);
        golden();
        Map<String, String> wrong = new LinkedHashMap<>();
        got.forEach((k, o) -> {
            if (NEVER.contains(o.code()) || o.code() == Code.OK) {
                wrong.put(k, o + " (expected INVALID_ARGUMENT or another specific code)");
            }
        });
        if (emptyStream.code() != Code.OK) {
            wrong.put("ClassifyStream with no requests", emptyStream + " (expected OK, no responses)");
        }
        assertEquals(Map.of(), wrong);
    }

    @Test
    @Order(9)
    void throughout_healthAndGoldenProbesEvery250ms_allServingAndRight() throws Exception {
        List<String> all = prober.failures();
        assertTrue(prober.probes() > 10, "the prober ran " + prober.probes() + " rounds");
        assertEquals(List.of(), all.subList(0, Math.min(10, all.size())), all.size() + " of " + prober.probes()
                + " probe rounds failed (deadline 2 s each)");
        assertEquals(List.of(), goldenFailures.subList(0, Math.min(10, goldenFailures.size())));
    }
}
