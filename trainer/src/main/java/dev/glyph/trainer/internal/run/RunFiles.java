package dev.glyph.trainer.internal.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.glyph.modelformat.AtomicFiles;
import dev.glyph.trainer.EpochMetrics;
import dev.glyph.trainer.MnistNet;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes the human- and machine-readable files of a run folder: metrics.json, metrics.csv,
 * summary.txt and provenance.json. Every write is atomic.
 *
 * <p>Thread-safety: stateless.
 */
public final class RunFiles {

    /** Shared, pretty-printing JSON mapper. */
    public static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private RunFiles() {
    }

    /** Writes metrics.json (a list of epochs) and metrics.csv with the same columns. */
    public static void writeMetrics(Path runDir, List<EpochMetrics> metrics) throws IOException {
        AtomicFiles.writeString(runDir.resolve("metrics.json"), JSON.writeValueAsString(metrics) + "\n");
        StringBuilder csv = new StringBuilder("epoch,train_loss,train_acc,val_loss,val_acc,seconds,images_per_sec\n");
        for (EpochMetrics m : metrics) {
            csv.append(String.format(Locale.ROOT, "%d,%.6f,%.4f,%.6f,%.4f,%.3f,%.1f%n", m.epoch(), m.trainLoss(),
                    m.trainAcc(), m.valLoss(), m.valAcc(), m.seconds(), m.imagesPerSec()));
        }
        AtomicFiles.writeString(runDir.resolve("metrics.csv"), csv.toString());
    }

    /** Writes provenance.json. */
    public static void writeProvenance(Path runDir, Map<String, Object> provenance) throws IOException {
        AtomicFiles.writeString(runDir.resolve("provenance.json"), JSON.writeValueAsString(provenance) + "\n");
    }

    /**
     * Renders a torchinfo-style table from measured layer output shapes (as returned by
     * {@code NativeNet.layerShapes}, 11 entries).
     */
    public static String summary(List<long[]> shapes) {
        String[][] layers = {
            {"conv1", "Conv2d", "conv1"}, {"relu1", "ReLU", null}, {"conv2", "Conv2d", "conv2"},
            {"relu2", "ReLU", null}, {"pool", "MaxPool2d", null}, {"dropout", "Dropout2d", null},
            {"flatten", "Flatten", null}, {"fc1", "Linear", "fc1"}, {"relu3", "ReLU", null},
            {"fc2", "Linear", "fc2"}, {"log_softmax", "LogSoftmax", null},
        };
        if (shapes.size() != layers.length) {
            throw new IllegalArgumentException("expected " + layers.length + " layer shapes, found " + shapes.size());
        }
        String rule = "=".repeat(66) + "\n";
        StringBuilder sb = new StringBuilder();
        sb.append(rule).append(String.format(Locale.ROOT, "%-28s %-24s %12s%n", "Layer (type)", "Output Shape", "Param #"));
        sb.append(rule);
        long total = 0;
        for (int i = 0; i < layers.length; i++) {
            long params = 0;
            if (layers[i][2] != null) {
                for (MnistNet.ParameterSpec s : MnistNet.PARAMETERS) {
                    if (s.name().startsWith(layers[i][2] + ".")) {
                        params += s.numel();
                    }
                }
            }
            total += params;
            sb.append(String.format(Locale.ROOT, "%-28s %-24s %,12d%n", layers[i][0] + " (" + layers[i][1] + ")",
                    java.util.Arrays.toString(shapes.get(i)), params));
        }
        sb.append(rule);
        sb.append(String.format(Locale.ROOT, "Total params: %,d%n", total));
        sb.append(String.format(Locale.ROOT, "Trainable params: %,d%n", total));
        sb.append(String.format(Locale.ROOT, "Non-trainable params: 0%n"));
        sb.append(String.format(Locale.ROOT, "Params size (MB): %.2f%n", total * 4 / 1e6));
        sb.append(rule);
        return sb.toString();
    }
}
