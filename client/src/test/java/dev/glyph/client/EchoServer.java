package dev.glyph.client;

import dev.glyph.proto.v1.ClassifierGrpc;
import dev.glyph.proto.v1.ClassifyRequest;
import dev.glyph.proto.v1.ClassifyResponse;
import dev.glyph.proto.v1.GetModelInfoRequest;
import dev.glyph.proto.v1.Image;
import dev.glyph.proto.v1.ModelInfo;
import dev.glyph.proto.v1.Prediction;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A real in-process glyph.v1 server without a model, so that the client module's tests need no
 * server module: each prediction's label is {@link #label} of the image, its confidence tells
 * which wire form arrived (gray8 0.25, pixels 0.5, encoded 0.75), and encoded bytes that are not
 * a PNG get INVALID_ARGUMENT like the real server's decoder. Request sizes are recorded.
 */
final class EchoServer implements AutoCloseable {

    static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G'};

    final List<Integer> requestSizes = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Server server;
    private final ManagedChannel channel;

    EchoServer() throws java.io.IOException {
        String name = "echo-" + UUID.randomUUID();
        server = InProcessServerBuilder.forName(name).directExecutor().addService(new ClassifierGrpc.ClassifierImplBase() {
            @Override
            public void classify(ClassifyRequest req, StreamObserver<ClassifyResponse> out) {
                requestSizes.add(req.getImagesCount());
                ClassifyResponse.Builder r = ClassifyResponse.newBuilder();
                for (int i = 0; i < req.getImagesCount(); i++) {
                    Image img = req.getImages(i);
                    if (img.hasEncoded() && !startsWithPng(img.getEncoded().toByteArray())) {
                        out.onError(Status.INVALID_ARGUMENT.withDescription("images[" + i
                                + "].encoded: not a PNG, JPEG, BMP or GIF file").asRuntimeException());
                        return;
                    }
                    float conf = img.hasGray8() ? 0.25f : img.hasPixels() ? 0.5f : 0.75f;
                    r.addPredictions(Prediction.newBuilder().setLabel(label(img)).setConfidence(conf)
                            .addProbabilities(conf));
                }
                out.onNext(r.build());
                out.onCompleted();
            }

            @Override
            public void getModelInfo(GetModelInfoRequest req, StreamObserver<ModelInfo> out) {
                out.onNext(ModelInfo.newBuilder().setName("echo").setVersion("7").build());
                out.onCompleted();
            }
        }).build().start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    }

    /** The label the server gives an image: the sum of its gray8 bytes (or its byte count) mod 10. */
    static int label(Image img) {
        if (img.hasGray8()) {
            int sum = 0;
            for (byte b : img.getGray8().toByteArray()) {
                sum += b & 0xff;
            }
            return sum % 10;
        }
        return img.hasPixels() ? img.getPixels().getValuesCount() % 10 : img.getEncoded().size() % 10;
    }

    static boolean startsWithPng(byte[] b) {
        return b.length >= 4 && b[0] == PNG_MAGIC[0] && b[1] == 'P' && b[2] == 'N' && b[3] == 'G';
    }

    GlyphClient client() {
        return GlyphClient.of(channel, Duration.ofSeconds(30), false);
    }

    List<Integer> sizes() {
        return new ArrayList<>(requestSizes);
    }

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow();
        server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
}
