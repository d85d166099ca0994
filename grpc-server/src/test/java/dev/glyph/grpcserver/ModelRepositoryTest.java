package dev.glyph.grpcserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.glyph.inferencesdk.DigitClassifier;
import dev.glyph.inferencesdk.DigitImage;
import dev.glyph.inferencesdk.Options;
import dev.glyph.inferencesdk.Prediction;
import dev.glyph.modelformat.ModelFolder;
import dev.glyph.proto.v1.ClassifierGrpc;
import dev.glyph.proto.v1.ClassifyRequest;
import dev.glyph.proto.v1.ClassifyResponse;
import dev.glyph.proto.v1.GetModelInfoRequest;
import dev.glyph.proto.v1.Image;
import dev.glyph.testfixtures.TestModels;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The model repository through a real in-process server: several models and versions routed by name and
 * version, version policies, the load gate refusing bad versions while the good one keeps serving, atomic swaps
 * under a closed-loop load, polling, and memory across load/unload cycles.
 */
class ModelRepositoryTest {

    @TempDir
    Path tmp;

    private static final List<byte[]> IMAGES = TestModels.gray8Images(16, 99);

    /** Writes version {@code v} of {@code model} from the weights of {@code seed}, appearing in one rename. */
    private static Path version(Path repo, String model, int v, long seed) throws IOException {
        Path staging = repo.resolve(model).resolve(".staging-" + v);
        TestModels.folder(staging, seed);
        Path target = repo.resolve(model).resolve(Integer.toString(v));
        Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
        return target;
    }

    /** The SDK's own answers for {@link #IMAGES} on a folder: what the server must say for that version. */
    private static List<Prediction> expected(Path dir) throws Exception {
        try (DigitClassifier c = DigitClassifier.open(dir, Options.defaults().intraOpThreads(1))) {
            List<Prediction> out = new ArrayList<>();
            for (byte[] b : IMAGES) {
                out.add(c.classify(DigitImage.ofGray8(b)));
            }
            return out;
        }
    }

    private static ClassifyRequest request(String model, String version, int image) {
        return ClassifyRequest.newBuilder().setModel(model).setVersion(version)
                .addImages(Image.newBuilder().setGray8(ByteString.copyFrom(IMAGES.get(image)))).build();
    }

    private static ServerConfig.Builder config(Path repo) {
        return ServerConfig.forRepository(repo).allowUnverified(true).inProcessName("repo-test-" + UUID.randomUUID())
                .metricsPort(-1).intraOpThreads(1).batchers(1);
    }

    private static ManagedChannel channel(GlyphServer s) {
        return InProcessChannelBuilder.forName(s.config().inProcessName()).directExecutor().build();
    }

    private static boolean same(Prediction want, dev.glyph.proto.v1.Prediction got) {
        return want.label() == got.getLabel() && Math.abs(want.confidence() - got.getConfidence()) <= 1e-5f;
    }

    @Test
    void classify_twoModelsSeveralVersions_routedByNameAndVersion() throws Exception {
        Path repo = tmp.resolve("models");
        Path m1 = version(repo, "mnist", 1, 11);
        Path m2 = version(repo, "mnist", 2, 12);
        Files.writeString(repo.resolve("mnist/config.pbtxt"), "name: \"mnist\"\nversion_policy: { all: { } }\n");
        version(repo, "fashion", 1, 21);
        Path f2 = version(repo, "fashion", 2, 22);
        Map<String, List<Prediction>> want = Map.of("mnist/1", expected(m1), "mnist/2", expected(m2), "fashion/2",
                expected(f2));
        assertTrue(!same(want.get("mnist/1").get(0), toProto(want.get("mnist/2").get(0)))
                || !same(want.get("mnist/1").get(1), toProto(want.get("mnist/2").get(1))), "versions must differ");
        try (GlyphServer server = GlyphServer.open(config(repo).defaultModel("mnist").build())) {
            ManagedChannel ch = channel(server);
            ClassifierGrpc.ClassifierBlockingStub stub = ClassifierGrpc.newBlockingStub(ch).withDeadlineAfter(60,
                    TimeUnit.SECONDS);
            for (String mv : List.of("mnist/1", "mnist/2", "fashion/2")) {
                String[] p = mv.split("/");
                for (int i = 0; i < IMAGES.size(); i++) {
                    ClassifyResponse r = stub.classify(request(p[0], p[1], i));
                    assertEquals(p[0], r.getModelName());
                    assertEquals(p[1], r.getModelVersion());
                    assertTrue(same(want.get(mv).get(i), r.getPredictions(0)), mv + " image " + i);
                }
            }
            // no version: the newest; no model: the default
            assertEquals("2", stub.classify(request("fashion", "", 0)).getModelVersion());
            ClassifyResponse d = stub.classify(request("", "", 3));
            assertEquals("mnist", d.getModelName());
            assertEquals("2", d.getModelVersion());
            assertEquals("mnist", stub.getModelInfo(GetModelInfoRequest.getDefaultInstance()).getName());
            dev.glyph.proto.v1.ModelInfo fi = stub.getModelInfo(GetModelInfoRequest.newBuilder().setModel("fashion")
                    .setVersion("2").build());
            assertEquals("fashion/2", fi.getName() + "/" + fi.getVersion());
            // fashion's default policy (latest 1) excludes version 1
            StatusRuntimeException e1 = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
                    () -> stub.classify(request("fashion", "1", 0)));
            assertEquals(Status.Code.NOT_FOUND, e1.getStatus().getCode());
            assertTrue(e1.getStatus().getDescription().contains("not selected by the version policy latest 1"),
                    e1.getStatus().getDescription());
            StatusRuntimeException e2 = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
                    () -> stub.classify(request("digits", "", 0)));
            assertEquals(Status.Code.NOT_FOUND, e2.getStatus().getCode());
            assertTrue(e2.getStatus().getDescription().contains("fashion") && e2.getStatus().getDescription()
                    .contains("mnist"), "names what is served: " + e2.getStatus().getDescription());
            StatusRuntimeException e3 = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
                    () -> stub.classify(request("mnist", "7", 0)));
            assertEquals(Status.Code.NOT_FOUND, e3.getStatus().getCode());
            Map<String, ModelStatus.State> states = new HashMap<>();
            for (ModelStatus s : server.modelIndex()) {
                states.put(s.name() + "/" + s.version(), s.state());
            }
            assertEquals(Map.of("mnist/1", ModelStatus.State.READY, "mnist/2", ModelStatus.State.READY, "fashion/1",
                    ModelStatus.State.UNAVAILABLE, "fashion/2", ModelStatus.State.READY), states);
            assertTrue(server.scrapeMetrics().contains("glyph_model_version_ready{model=\"fashion\",version=\"1\"} 0"),
                    server.scrapeMetrics());
            ch.shutdownNow();
        }
    }

    private static dev.glyph.proto.v1.Prediction toProto(Prediction p) {
        return dev.glyph.proto.v1.Prediction.newBuilder().setLabel(p.label()).setConfidence(p.confidence()).build();
    }

    @Test
    void reload_underClosedLoopLoad_noFailuresAndEveryAnswerFromItsVersion() throws Exception {
        Path repo = tmp.resolve("models");
        Path v1 = version(repo, "mnist", 1, 31);
        Map<String, List<Prediction>> want = new ConcurrentHashMap<>();
        want.put("1", expected(v1));
        try (GlyphServer server = GlyphServer.open(config(repo).maxDelay(Duration.ofMillis(1)).build())) {
            ManagedChannel ch = channel(server);
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong done = new AtomicLong();
            Map<String, AtomicInteger> byVersion = new ConcurrentHashMap<>();
            List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int seed = t;
                Thread th = new Thread(() -> {
                    ClassifierGrpc.ClassifierBlockingStub stub = ClassifierGrpc.newBlockingStub(ch);
                    for (int i = seed; !stop.get(); i += 8) {
                        int img = i % IMAGES.size();
                        try {
                            ClassifyResponse r = stub.withDeadlineAfter(60, TimeUnit.SECONDS).classify(request("mnist", "", img));
                            List<Prediction> w = want.get(r.getModelVersion());
                            if (w == null || !same(w.get(img), r.getPredictions(0))) {
                                failures.add("version " + r.getModelVersion() + " image " + img + " answered "
                                        + r.getPredictions(0) + ", its weights give " + (w == null ? "?" : w.get(img)));
                            }
                            byVersion.computeIfAbsent(r.getModelVersion(), k -> new AtomicInteger()).incrementAndGet();
                        } catch (StatusRuntimeException e) {
                            failures.add(e.getStatus().toString());
                        }
                        done.incrementAndGet();
                    }
                });
                th.start();
                threads.add(th);
            }
            try {
                awaitCount(done, 400);
                // version 2 appears; version 1 is removed; then a corrupted version 3 and a failed-parity version 4
                Path v2 = repo.resolve("mnist/2");
                Path staged = repo.resolve("mnist/.staging-2");
                TestModels.folder(staged, 32);
                want.put("2", expected(staged));
                Files.move(staged, v2, StandardCopyOption.ATOMIC_MOVE);
                List<ModelStatus> after2 = server.reloadModel("mnist");
                assertEquals(List.of(new ModelStatus("mnist", "1", ModelStatus.State.UNLOADING, "not selected by the version"
                        + " policy latest 1"), new ModelStatus("mnist", "2", ModelStatus.State.READY, "")), after2);
                awaitCount(done, done.get() + 400);
                ModelFolder.deleteRecursively(v1);
                server.reloadModel("mnist");
                awaitCount(done, done.get() + 400);

                Path v3 = repo.resolve("mnist/.staging-3");
                TestModels.folder(v3, 33);
                byte[] onnx = Files.readAllBytes(v3.resolve(ModelFolder.ONNX));
                onnx[onnx.length / 2] ^= 0x10;
                Files.write(v3.resolve(ModelFolder.ONNX), onnx);
                Files.move(v3, repo.resolve("mnist/3"), StandardCopyOption.ATOMIC_MOVE);
                List<ModelStatus> after3 = server.reloadModel("mnist");
                ModelStatus s3 = after3.stream().filter(s -> s.version().equals("3")).findFirst().orElseThrow();
                assertEquals(ModelStatus.State.UNAVAILABLE, s3.state());
                assertTrue(s3.reason().startsWith("hashes check failed") && s3.reason().contains("model.onnx"), s3.reason());
                assertEquals(ModelStatus.State.READY, after3.stream().filter(s -> s.version().equals("2")).findFirst()
                        .orElseThrow().state());
                awaitCount(done, done.get() + 400);

                ModelFolder.deleteRecursively(repo.resolve("mnist/3"));
                Path v4 = repo.resolve("mnist/.staging-4");
                TestModels.folder(v4, 34);
                Files.writeString(v4.resolve(ModelFolder.PARITY), "{\"passed\": false, \"files\": {}}", StandardCharsets.UTF_8);
                Files.move(v4, repo.resolve("mnist/4"), StandardCopyOption.ATOMIC_MOVE);
                ModelStatus s4 = server.reloadModel("mnist").stream().filter(s -> s.version().equals("4")).findFirst()
                        .orElseThrow();
                assertEquals(ModelStatus.State.UNAVAILABLE, s4.state());
                assertTrue(s4.reason().startsWith("parity check failed"), s4.reason());
                awaitCount(done, Math.max(2000, done.get() + 400));
            } finally {
                stop.set(true);
                for (Thread th : threads) {
                    th.join(60_000);
                }
            }
            assertEquals(List.of(), failures.subList(0, Math.min(10, failures.size())), failures.size() + " failures");
            assertTrue(done.get() >= 2000, "requests: " + done.get());
            assertTrue(byVersion.get("1").get() > 0 && byVersion.get("2").get() > 0, "by version: " + byVersion);
            assertEquals(null, byVersion.get("3"));
            assertEquals(null, byVersion.get("4"));
            ch.shutdownNow();
        }
    }

    private static void awaitCount(AtomicLong done, long n) throws InterruptedException {
        long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (done.get() < n) {
            if (System.nanoTime() > giveUp) {
                throw new AssertionError("only " + done.get() + " of " + n + " requests in 120 s");
            }
            Thread.sleep(5);
        }
    }

    @Test
    void reloadModel_unknownName_illegalArgumentNamingWhatTheRepositoryHolds() throws Exception {
        Path repo = tmp.resolve("models");
        version(repo, "mnist", 1, 61);
        try (GlyphServer server = GlyphServer.open(config(repo).build())) {
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> server.reloadModel("digits"));
            assertTrue(e.getMessage().contains("'digits'") && e.getMessage().contains("[mnist]"), e.getMessage());
            server.shutdown(Duration.ofSeconds(5));
            org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, () -> server.reloadModel("mnist"));
        }
    }

    @Test
    void poll_newVersionAppears_servedWithoutACall() throws Exception {
        Path repo = tmp.resolve("models");
        version(repo, "mnist", 1, 41);
        try (GlyphServer server = GlyphServer.open(config(repo).pollInterval(Duration.ofMillis(200)).build())) {
            ManagedChannel ch = channel(server);
            ClassifierGrpc.ClassifierBlockingStub stub = ClassifierGrpc.newBlockingStub(ch);
            assertEquals("1", stub.withDeadlineAfter(60, TimeUnit.SECONDS).classify(request("mnist", "", 0)).getModelVersion());
            version(repo, "mnist", 2, 42);
            long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            String v = "1";
            while (!v.equals("2") && System.nanoTime() < giveUp) {
                Thread.sleep(50);
                v = stub.withDeadlineAfter(60, TimeUnit.SECONDS).classify(request("mnist", "", 0)).getModelVersion();
            }
            assertEquals("2", v, "the poll did not pick up version 2 within 30 s: " + server.modelIndex());
            ch.shutdownNow();
        }
    }

    @Test
    void loadUnload_fiftyCycles_memoryDoesNotGrowWithoutBound() throws Exception {
        Path repo = tmp.resolve("models");
        version(repo, "mnist", 1, 51);
        try (GlyphServer server = GlyphServer.open(config(repo).management(true).build())) {
            ManagedChannel ch = channel(server);
            ClassifierGrpc.ClassifierBlockingStub stub = ClassifierGrpc.newBlockingStub(ch);
            long[] heap = new long[51];
            long[] rss = new long[51];
            for (int c = 1; c <= 50; c++) {
                server.unloadModel("mnist");
                StatusRuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
                        () -> stub.withDeadlineAfter(60, TimeUnit.SECONDS).classify(request("mnist", "", 0)));
                assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode(), e.getStatus().toString());
                server.reloadModel("mnist");
                for (int i = 0; i < 8; i++) {
                    assertEquals("1", stub.withDeadlineAfter(60, TimeUnit.SECONDS).classify(request("mnist", "", i))
                            .getModelVersion());
                }
                if (c == 10 || c == 50) {
                    awaitClosed(server);
                    System.gc();
                    heap[c] = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
                    rss[c] = residentBytes();
                }
            }
            double heapGrowth = (heap[50] - heap[10]) / 1e6;
            double rssGrowth = (rss[50] - rss[10]) / 1e6;
            System.out.printf("50 load/unload cycles: heap after GC %.1f MB at cycle 10, %.1f MB at 50 (%+.1f); resident"
                    + " %.1f MB at 10, %.1f MB at 50 (%+.1f MB over 40 cycles)%n", heap[10] / 1e6, heap[50] / 1e6, heapGrowth,
                    rss[10] / 1e6, rss[50] / 1e6, rssGrowth);
            assertTrue(heapGrowth < 16, "heap grew " + heapGrowth + " MB over 40 load/unload cycles");
            // one session is about 10 MB of native memory: a leaked session per cycle would add > 400 MB
            assertTrue(rssGrowth < 120, "resident memory grew " + rssGrowth + " MB over 40 load/unload cycles");
            ch.shutdownNow();
        }
    }

    private static void awaitClosed(GlyphServer server) throws InterruptedException {
        long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (server.modelIndex().stream().anyMatch(s -> s.state() == ModelStatus.State.UNLOADING)
                && System.nanoTime() < giveUp) {
            Thread.sleep(10);
        }
    }

    private static long residentBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return -1;
    }
}
