package dev.glyph.grpcserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glyph.datasets.Datasets;
import dev.glyph.datasets.ImageSet;
import dev.glyph.client.GlyphClient;
import dev.glyph.exporter.ExportOptions;
import dev.glyph.exporter.ExportResult;
import dev.glyph.exporter.Exporter;
import dev.glyph.inferencesdk.DigitClassifier;
import dev.glyph.inferencesdk.DigitImage;
import dev.glyph.inferencesdk.Options;
import dev.glyph.proto.v1.ClassifyResponse;
import dev.glyph.proto.v1.Image;
import dev.glyph.trainer.DeviceChoice;
import dev.glyph.trainer.OptimizerKind;
import dev.glyph.trainer.TrainConfig;
import dev.glyph.trainer.TrainListener;
import dev.glyph.trainer.TrainResult;
import dev.glyph.trainer.Trainer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole pipeline over a real Netty loopback port: train tiny, export, serve, classify the MNIST
 * test set over gRPC, and get the accuracy the trainer measured.
 */
class TrainedModelEndToEndTest {

    static final Path DATA = Path.of("..", "data", "mnist");

    @TempDir
    Path tmp;

    @Test
    void classifyOverNetty_tinyTrainedModel_accuracyEqualsTrainersAndInProcessSdk() throws Exception {
        TrainResult trained = Trainer.train(TrainConfig.builder(DATA, tmp.resolve("run")).epochs(1).limit(1280)
                .optimizer(OptimizerKind.ADAM).lr(0.001).threads(2).device(DeviceChoice.CPU).build(),
                new TrainListener() { });
        Path model = tmp.resolve("models/mnist/1");
        ExportResult exported = Exporter.export(tmp.resolve("run"), model, ExportOptions.defaults().withDataDir(DATA));
        assertTrue(exported.parity().passed());

        ImageSet test = Datasets.load("mnist", DATA).test();
        int n = 10_000;
        int inProcess = 0;
        try (DigitClassifier c = DigitClassifier.open(model, Options.defaults().intraOpThreads(1))) {
            for (int from = 0; from < n; from += 500) {
                List<DigitImage> batch = new ArrayList<>();
                for (int i = from; i < from + 500; i++) {
                    batch.add(DigitImage.ofGray8(test.images(), i * 784));
                }
                var ps = c.classifyBatch(batch);
                for (int i = 0; i < ps.size(); i++) {
                    inProcess += ps.get(i).label() == test.labels()[from + i] ? 1 : 0;
                }
            }
        }

        int remote = 0;
        try (GlyphServer server = GlyphServer.open(ServerConfig.builder(model).allowUnverified(true).host("127.0.0.1").port(0)
                .metricsPort(-1).intraOpThreads(1).build());
                GlyphClient client = GlyphClient.connect("127.0.0.1:" + server.port())) {
            for (int from = 0; from < n; from += 250) {
                List<Image> req = new ArrayList<>();
                for (int i = from; i < from + 250; i++) {
                    req.add(GlyphClient.gray8(test.images(), i * 784));
                }
                ClassifyResponse r = client.classify(req, false);
                assertEquals(250, r.getPredictionsCount());
                for (int i = 0; i < 250; i++) {
                    remote += r.getPredictions(i).getLabel() == test.labels()[from + i] ? 1 : 0;
                }
            }
        }
        double trainerAcc = trained.last().valAcc();
        assertTrue(trainerAcc > 70, "tiny Adam run should clearly learn, got " + trainerAcc + " %");
        assertEquals(trainerAcc, 100.0 * remote / n, 1e-9, "accuracy over gRPC vs the trainer's own test accuracy");
        assertEquals(inProcess, remote, "gRPC and in-process SDK disagree");
    }
}
