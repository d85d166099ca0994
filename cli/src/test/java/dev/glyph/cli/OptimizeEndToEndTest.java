package dev.glyph.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.glyph.datasets.Datasets;
import dev.glyph.datasets.ImageSet;
import dev.glyph.grpcserver.GlyphServer;
import dev.glyph.grpcserver.ModelStatus;
import dev.glyph.grpcserver.ServerConfig;
import dev.glyph.inferencesdk.DigitClassifier;
import dev.glyph.modelformat.ManifestFile;
import dev.glyph.modelformat.ModelFolder;
import dev.glyph.proto.v1.ClassifierGrpc;
import dev.glyph.proto.v1.ClassifyRequest;
import dev.glyph.proto.v1.ClassifyResponse;
import dev.glyph.proto.v1.Image;
import dev.glyph.testtools.OutsideTools;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The int8 path end to end through the CLI: train a small fp32 model, export and verify it as version 1,
 * {@code glyph optimize} it to int8 version 2, verify version 2 (the gate against version 1), then serve both
 * versions from one repository through the server's load gate (no allowUnverified) and classify over gRPC: each
 * version's accuracy on the verified test images is exactly what verify recorded in its parity.json.
 */
class OptimizeEndToEndTest {

    private static final Path MNIST = Path.of("..", "data", "mnist");
    private static final int IMAGES = 1000;

    @TempDir
    Path tmp;

    private static GlyphCommand.Invocation glyph(String... args) {
        GlyphCommand.Invocation r = GlyphCommand.invoke(args);
        assertEquals(0, r.exitCode(), "glyph " + String.join(" ", args) + ":\n" + r.err() + r.out());
        return r;
    }

    @Test
    void optimize_trainedModel_int8VersionVerifiedAndServedBesideFp32WithTheRecordedAccuracies() throws Exception {
        OutsideTools.requireMnist(MNIST);
        Path run = tmp.resolve("runs/small");
        Path repo = tmp.resolve("models");
        Path v1 = repo.resolve("mnist/1");
        Path v2 = repo.resolve("mnist/2");
        glyph("train", "--data", MNIST.toString(), "--out", run.toString(), "--limit", "4096", "--epochs", "1",
                "--threads", "2", "--device", "cpu", "--optimizer", "adam", "--lr", "0.002", "--seed", "5");
        glyph("export", "--run", run.toString(), "--out", v1.toString(), "--data", MNIST.toString());
        glyph("verify", "--model", v1.toString(), "--run", run.toString(), "--data", MNIST.toString(), "--limit",
                "" + IMAGES);
        GlyphCommand.Invocation opt = glyph("optimize", "--model", v1.toString(), "--out", v2.toString(),
                "--data", MNIST.toString(), "--calibration-images", "500");
        System.out.print(opt.out());
        assertTrue(opt.out().contains("wrote int8 version 2 of mnist") && opt.out().contains("PASS"), opt.out());
        GlyphCommand.Invocation ver = glyph("verify", "--model", v2.toString(), "--data", MNIST.toString(),
                "--limit", "" + IMAGES);
        assertTrue(ver.out().contains("int8 vs fp32 on " + IMAGES + " mnist test images: PASS"), ver.out());
        assertEquals("int8", ManifestFile.read(v2).manifest().precision());

        // the SDK loads the int8 version like any other, and says its precision
        try (DigitClassifier c = DigitClassifier.open(v2)) {
            assertEquals("int8", c.modelInfo().precision());
        }

        ObjectMapper json = new ObjectMapper();
        JsonNode p1 = json.readTree(Files.readString(v1.resolve(ModelFolder.PARITY)));
        JsonNode p2 = json.readTree(Files.readString(v2.resolve(ModelFolder.PARITY)));
        double fp32Recorded = accuracyOf(p1, "onnx");
        double int8Recorded = accuracyOf(p2, "int8");
        assertEquals(fp32Recorded, accuracyOf(p2, "fp32"), "verify of v2 measured v1's model.onnx as verify of v1 did");

        Files.writeString(repo.resolve("mnist/config.pbtxt"), Files.readString(repo.resolve("mnist/config.pbtxt"))
                + "version_policy { all { } }\n");
        ServerConfig config = ServerConfig.forRepository(repo).inProcessName("int8-" + UUID.randomUUID())
                .metricsPort(-1).intraOpThreads(1).build();
        ImageSet test = Datasets.load("mnist", MNIST).test();
        try (GlyphServer server = GlyphServer.open(config)) {
            assertEquals(2, server.modelIndex().size(), server.modelIndex().toString());
            for (ModelStatus s : server.modelIndex()) {
                assertEquals(ModelStatus.State.READY, s.state(), s.toString());
            }
            ManagedChannel ch = InProcessChannelBuilder.forName(config.inProcessName()).directExecutor().build();
            try {
                ClassifierGrpc.ClassifierBlockingStub stub = ClassifierGrpc.newBlockingStub(ch)
                        .withDeadlineAfter(120, TimeUnit.SECONDS);
                for (String[] vp : new String[][] {{"1", "fp32"}, {"2", "int8"}}) {
                    assertEquals(vp[1], stub.getModelInfo(dev.glyph.proto.v1.GetModelInfoRequest.newBuilder()
                            .setVersion(vp[0]).build()).getPrecision(), "GetModelInfo precision of version " + vp[0]);
                }
                double fp32Served = accuracy(stub, "1", test);
                double int8Served = accuracy(stub, "2", test);
                System.out.printf("served on %d test images: fp32 v1 %.2f %% (verify recorded %.2f %%), int8 v2 %.2f %% "
                        + "(verify recorded %.2f %%)%n", IMAGES, fp32Served, fp32Recorded, int8Served, int8Recorded);
                assertEquals(fp32Recorded, fp32Served, 1e-9);
                assertEquals(int8Recorded, int8Served, 1e-9);
                assertTrue(fp32Served > 85, "fp32 accuracy " + fp32Served);
            } finally {
                ch.shutdownNow();
            }
        }
    }

    private static double accuracyOf(JsonNode parity, String format) {
        for (JsonNode f : parity.path("formats")) {
            if (f.path("format").asText().equals(format)) {
                return f.path("accuracy").asDouble();
            }
        }
        throw new AssertionError("parity.json has no format " + format + ": " + parity);
    }

    private static double accuracy(ClassifierGrpc.ClassifierBlockingStub stub, String version, ImageSet test) {
        int correct = 0;
        for (int start = 0; start < IMAGES; start += 100) {
            ClassifyRequest.Builder b = ClassifyRequest.newBuilder().setModel("mnist").setVersion(version);
            for (int i = start; i < start + 100; i++) {
                b.addImages(Image.newBuilder().setGray8(ByteString.copyFrom(Arrays.copyOfRange(test.images(), i * 784,
                        (i + 1) * 784))));
            }
            ClassifyResponse r = stub.classify(b.build());
            assertEquals(version, r.getModelVersion());
            for (int i = 0; i < 100; i++) {
                if (r.getPredictions(i).getLabel() == test.label(start + i)) {
                    correct++;
                }
            }
        }
        return 100.0 * correct / IMAGES;
    }
}
