package dev.glyph.grpcserver;

import dev.glyph.client.GlyphClient;
import dev.glyph.inferencesdk.ModelLoadException;
import dev.glyph.proto.v1.ClassifierGrpc;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/** A server on the in-process transport and a channel to it (real stubs, no mocks). */
final class Harness implements AutoCloseable {

    final GlyphServer server;
    final ManagedChannel channel;
    final GlyphClient client;

    private Harness(GlyphServer server, ManagedChannel channel) {
        this.server = server;
        this.channel = channel;
        this.client = GlyphClient.of(channel, Duration.ofSeconds(60), false);
    }

    /** An in-process config without a metrics endpoint, one ONNX Runtime thread. */
    static ServerConfig.Builder config(Path model) {
        return ServerConfig.builder(model).allowUnverified(true).inProcessName("glyph-test-" + UUID.randomUUID()).metricsPort(-1)
                .intraOpThreads(1);
    }

    /** Starts and loads the model: SERVING. */
    static Harness serving(ServerConfig.Builder builder) throws IOException, ModelLoadException {
        ServerConfig config = builder.build();
        return new Harness(GlyphServer.open(config), channel(config));
    }

    /** Started but without a model: STARTING (NOT_SERVING). */
    static Harness started(ServerConfig.Builder builder) throws IOException {
        ServerConfig config = builder.build();
        return new Harness(GlyphServer.create(config).start(), channel(config));
    }

    private static ManagedChannel channel(ServerConfig config) {
        return InProcessChannelBuilder.forName(config.inProcessName()).directExecutor().build();
    }

    ClassifierGrpc.ClassifierBlockingStub blocking() {
        return ClassifierGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    ClassifierGrpc.ClassifierStub async() {
        return ClassifierGrpc.newStub(channel);
    }

    /** Waits up to 60 s for {@code cond}, polling every 2 ms; fails naming {@code what}. */
    static void await(java.util.function.BooleanSupplier cond, String what) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("never happened: " + what);
            }
            Thread.sleep(2);
        }
    }

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow();
        channel.awaitTermination(10, TimeUnit.SECONDS);
        server.shutdown(Duration.ofSeconds(10));
    }
}
