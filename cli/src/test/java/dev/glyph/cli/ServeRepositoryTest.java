package dev.glyph.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.glyph.datasets.Datasets;
import dev.glyph.datasets.ImageSet;
import dev.glyph.grpcserver.GlyphServer;
import dev.glyph.grpcserver.ModelStatus;
import dev.glyph.grpcserver.ServerConfig;
import dev.glyph.modelformat.Manifest;
import dev.glyph.modelformat.TritonConfig;
import dev.glyph.modelformat.triton.ModelConfig;
import dev.glyph.proto.v1.ClassifierGrpc;
import dev.glyph.proto.v1.ClassifyRequest;
import dev.glyph.proto.v1.ClassifyResponse;
import dev.glyph.proto.v1.GetModelInfoRequest;
import dev.glyph.proto.v1.Image;
import dev.glyph.proto.v1.ModelInfo;
import dev.glyph.testtools.OutsideTools;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two real models in one repository, end to end through the CLI: MNIST and Fashion-MNIST trained briefly,
 * exported (version folders plus Triton's config.pbtxt), verified (parity.json), then served together through
 * the load gate with no {@code allowUnverified}, and routed by model name.
 */
class ServeRepositoryTest {

    @TempDir
    Path tmp;

    private static final Path MNIST = Path.of("..", "data", "mnist");
    private static final Path FASHION = Path.of("/usr/share/datasets/fashion-mnist");

    private static void glyph(String... args) {
        GlyphCommand.Invocation r = GlyphCommand.invoke(args);
        assertEquals(0, r.exitCode(), "glyph " + String.join(" ", args) + ":\n" + r.err() + r.out());
    }

    private void trainExportVerify(String dataset, Path data, Path version) {
        Path run = tmp.resolve("runs").resolve(dataset);
        glyph("train", "--dataset", dataset, "--data", data.toString(), "--out", run.toString(), "--limit", "2048",
                "--epochs", "1", "--threads", "2", "--device", "cpu", "--optimizer", "adam", "--lr", "0.002", "--seed", "5");
        glyph("export", "--run", run.toString(), "--out", version.toString(), "--data", data.toString());
        glyph("verify", "--model", version.toString(), "--run", run.toString(), "--data", data.toString(), "--limit", "500");
    }

    @Test
    void serve_mnistAndFashionRepository_bothProvenAndRoutedByName() throws Exception {
        OutsideTools.requireMnist(MNIST);
        OutsideTools.requireData(FASHION, "sudo apt-get install dataset-fashion-mnist");
        Datasets.ensure("mnist", MNIST);
        Path repo = tmp.resolve("models");
        trainExportVerify("mnist", MNIST, repo.resolve("mnist/1"));
        trainExportVerify("fashion-mnist", FASHION, repo.resolve("fashion/1"));

        for (String m : List.of("mnist", "fashion")) {
            ModelConfig c = TritonConfig.parseStrict(Files.readString(repo.resolve(m).resolve("config.pbtxt")));
            assertEquals(m, c.getName());
            assertEquals("onnxruntime_onnx", c.getPlatform());
        }
        ServerConfig config = ServerConfig.forRepository(repo).inProcessName("repo-" + UUID.randomUUID()).metricsPort(-1)
                .intraOpThreads(1).build();
        try (GlyphServer server = GlyphServer.open(config)) {
            for (ModelStatus s : server.modelIndex()) {
                assertEquals(ModelStatus.State.READY, s.state(), s.toString());
            }
            ManagedChannel ch = InProcessChannelBuilder.forName(config.inProcessName()).directExecutor().build();
            ClassifierGrpc.ClassifierBlockingStub stub = ClassifierGrpc.newBlockingStub(ch).withDeadlineAfter(120,
                    TimeUnit.SECONDS);
            ModelInfo fashion = stub.getModelInfo(GetModelInfoRequest.newBuilder().setModel("fashion").build());
            assertEquals(Manifest.labelsFor("fashion-mnist"), fashion.getLabelsList());
            assertEquals("Trouser", fashion.getLabels(1));
            double mnistAcc = accuracy(stub, "mnist", Datasets.load("mnist", MNIST).test());
            double fashionAcc = accuracy(stub, "fashion", Datasets.load("fashion-mnist", FASHION).test());
            System.out.printf("repository of two: mnist %.1f %%, fashion %.1f %% on 1,000 test images each%n", mnistAcc,
                    fashionAcc);
            assertTrue(mnistAcc > 80, "mnist accuracy " + mnistAcc);
            assertTrue(fashionAcc > 60, "fashion accuracy " + fashionAcc);
            ch.shutdownNow();
        }
    }

    private static double accuracy(ClassifierGrpc.ClassifierBlockingStub stub, String model, ImageSet test) {
        int correct = 0;
        int n = 1000;
        for (int start = 0; start < n; start += 100) {
            ClassifyRequest.Builder b = ClassifyRequest.newBuilder().setModel(model);
            for (int i = start; i < start + 100; i++) {
                b.addImages(Image.newBuilder().setGray8(ByteString.copyFrom(Arrays.copyOfRange(test.images(), i * 784,
                        (i + 1) * 784))));
            }
            ClassifyResponse r = stub.classify(b.build());
            assertEquals(model, r.getModelName());
            assertEquals("1", r.getModelVersion());
            for (int i = 0; i < 100; i++) {
                if (r.getPredictions(i).getLabel() == (test.label(start + i))) {
                    correct++;
                }
            }
        }
        return 100.0 * correct / n;
    }
}
