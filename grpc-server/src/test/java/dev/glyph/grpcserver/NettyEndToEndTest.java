package dev.glyph.grpcserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glyph.testfixtures.TestModels;
import dev.glyph.client.GlyphClient;
import dev.glyph.inferencesdk.DigitClassifier;
import dev.glyph.inferencesdk.DigitImage;
import dev.glyph.inferencesdk.Options;
import dev.glyph.inferencesdk.Prediction;
import dev.glyph.proto.v1.ClassifyResponse;
import dev.glyph.proto.v1.Image;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real Netty server on a loopback port: classify, oversize message, health, reflection, clean shutdown. */
class NettyEndToEndTest {

    @TempDir
    Path tmp;

    // Random weights check transport parity; TrainedModelEndToEndTest covers a trained model's accuracy.
    @Test
    void serve_randomWeightModelOverNetty_sameAsInProcessSdkAndCleanShutdown() throws Exception {
        Path model = TestModels.folder(tmp.resolve("models/mnist/1"), 2024);
        List<byte[]> images = TestModels.gray8Images(100, 31);
        List<Prediction> expected = new ArrayList<>();
        try (DigitClassifier c = DigitClassifier.open(model, Options.defaults().intraOpThreads(1))) {
            for (byte[] b : images) {
                expected.add(c.classify(DigitImage.ofGray8(b)));
            }
        }
        int maxMessage = 64 * 1024;
        GlyphServer server = GlyphServer.open(ServerConfig.builder(model).allowUnverified(true).host("127.0.0.1").port(0).metricsPort(0)
                .intraOpThreads(1).threads(2).maxMessageBytes(maxMessage).build());
        try (server; GlyphClient client = GlyphClient.connect("127.0.0.1:" + server.port())) {
            assertTrue(server.port() > 0);
            assertEquals(ServingStatus.SERVING, client.health());

            List<Image> req = new ArrayList<>();
            for (byte[] b : images.subList(0, 50)) {
                req.add(GlyphClient.gray8(b));
            }
            ClassifyResponse r = client.classify(req, false);
            for (int i = 0; i < 50; i++) {
                assertEquals(expected.get(i).label(), r.getPredictions(i).getLabel(), "image " + i);
                assertEquals(expected.get(i).confidence(), r.getPredictions(i).getConfidence(), 1e-5);
            }

            // 100 gray8 images are ~79 KB > 64 KiB: refused by gRPC itself, and the server keeps serving
            List<Image> big = new ArrayList<>();
            for (byte[] b : images) {
                big.add(GlyphClient.gray8(b));
            }
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> client.classify(big, false));
            assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode(), e.getStatus().toString());
            ClassifyResponse after = client.classify(big.subList(50, 100), false);
            for (int i = 0; i < 50; i++) {
                assertEquals(expected.get(50 + i).label(), after.getPredictions(i).getLabel(), "image " + (50 + i));
            }

            Set<String> services = reflectionServices(client);
            assertTrue(services.containsAll(Set.of("glyph.v1.Classifier", "grpc.health.v1.Health")), services.toString());
        }
        assertEquals(ServerState.STOPPED, server.state());
        assertEquals(List.of(), serverThreads(), "threads left behind by the server");
    }

    /** The names of the live threads a server starts ({@code glyph-server-*}, {@code glyph-metrics-*}). */
    private static List<String> serverThreads() {
        List<String> left = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive() && (t.getName().startsWith("glyph-server-") || t.getName().startsWith("glyph-metrics-"))) {
                left.add(t.getName());
            }
        }
        return left;
    }

    @Test
    void open_missingModelFolder_throwsAndLeavesNothingRunning() throws Exception {
        Path missing = tmp.resolve("models/none/1");
        dev.glyph.inferencesdk.ModelLoadException e = assertThrows(dev.glyph.inferencesdk.ModelLoadException.class,
                () -> GlyphServer.open(ServerConfig.builder(missing).host("127.0.0.1").port(0).metricsPort(0).build()));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
        assertEquals(List.of(), serverThreads(), "threads left behind after a failed open");
    }

    @Test
    void serverConfig_badValues_throwWithWhatWasFound() {
        ServerConfig c = ServerConfig.defaults(tmp);
        for (Runnable r : List.<Runnable>of(() -> c.toBuilder().port(70000).build(),
                () -> c.toBuilder().metricsPort(-2).build(), () -> c.toBuilder().maxBatchSize(0).build(),
                () -> c.toBuilder().maxQueue(0).build(), () -> c.toBuilder().maxMessageBytes(10).build(),
                () -> c.toBuilder().streamInFlight(0).build(), () -> c.toBuilder().threads(-1).build(),
                () -> c.toBuilder().maxDelay(java.time.Duration.ofMillis(-1)).build(),
                () -> c.toBuilder().batchers(-1).build(), () -> c.toBuilder().maxQueue(4).batchers(5).build(),
                () -> c.toBuilder().decodeThreads(-1).build(), () -> c.toBuilder().maxImagePixels(0).build(),
                () -> c.toBuilder().maxDecodedPixels(10).build(),
                () -> c.toBuilder().maxDecodedBytes(1000).build())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
            assertTrue(e.getMessage().contains("expected"), e.getMessage());
        }
    }

    @Test
    void serverConfig_auto_batchersAndThreadsFitTheCores() {
        int cores = Runtime.getRuntime().availableProcessors();
        ServerConfig c = ServerConfig.defaults(tmp);
        assertEquals(Math.min(4, cores), c.effectiveBatchers());
        assertEquals(Math.max(1, cores / (2 * c.effectiveBatchers())), c.effectiveIntraOpThreads());
        assertEquals(3, c.toBuilder().batchers(3).intraOpThreads(2).build().effectiveBatchers());
        assertEquals(2, c.toBuilder().batchers(3).intraOpThreads(2).build().effectiveIntraOpThreads());
        assertEquals(1, c.toBuilder().maxQueue(1).build().effectiveBatchers(), "never more batchers than queue slots");
        assertEquals(Math.max(1, cores / 2), c.effectiveDecodeThreads());
        assertEquals(c, c.toBuilder().build(), "toBuilder keeps every option");
    }

    private static Set<String> reflectionServices(GlyphClient client) throws Exception {
        CompletableFuture<Set<String>> names = new CompletableFuture<>();
        StreamObserver<ServerReflectionRequest> out = ServerReflectionGrpc.newStub(client.channel())
                .withDeadlineAfter(30, TimeUnit.SECONDS).serverReflectionInfo(new StreamObserver<>() {
                    @Override
                    public void onNext(ServerReflectionResponse r) {
                        Set<String> s = new TreeSet<>();
                        for (ServiceResponse sr : r.getListServicesResponse().getServiceList()) {
                            s.add(sr.getName());
                        }
                        names.complete(s);
                    }

                    @Override
                    public void onError(Throwable t) {
                        names.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
        out.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
        Set<String> result = names.get(30, TimeUnit.SECONDS);
        out.onCompleted();
        return result;
    }
}
