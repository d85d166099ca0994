package dev.glyph.inferencesdk;

import dev.glyph.exporter.internal.OnnxWriter;
import dev.glyph.inferencesdk.internal.OrtClassifier;
import dev.glyph.onnxschema.GraphProto;
import dev.glyph.onnxschema.ModelProto;
import dev.glyph.onnxschema.NodeProto;
import dev.glyph.onnxschema.TensorShapeProto;
import dev.glyph.trainer.MnistNet;
import dev.glyph.trainer.ModelWeights;
import dev.glyph.trainer.Tensor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** Test fixture: model folders built from seeded random MnistNet weights with the exporter's ONNX writer. */
final class TestModels {

    static final String PROVENANCE = "{\"run\": \"test-run\", \"seed\": 7, \"note\": \"quote \\\" and \\u00e9\","
            + " \"nested\": {\"list\": [1, 2.5, true, null]}}";

    private TestModels() {
    }

    /** MnistNet weights with PyTorch-default-like uniform init, bound 1/sqrt(fan_in). */
    static ModelWeights randomWeights(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<Tensor> ts = new ArrayList<>();
        for (MnistNet.ParameterSpec s : MnistNet.PARAMETERS) {
            long[] shape = s.shape();
            long fanIn = switch (s.name()) {
                case "conv1.weight", "conv1.bias" -> 9;
                case "conv2.weight", "conv2.bias" -> 32 * 9;
                case "fc1.weight", "fc1.bias" -> 9216;
                default -> 128;
            };
            double bound = 1.0 / Math.sqrt(fanIn) * (s.name().startsWith("fc2") ? 8 : 1);
            float[] d = new float[(int) s.numel()];
            for (int i = 0; i < d.length; i++) {
                d[i] = (float) ((rnd.nextDouble() * 2 - 1) * bound);
            }
            ts.add(new Tensor(s.name(), shape, d));
        }
        return new ModelWeights(ts);
    }

    static byte[] onnxBytes(ModelWeights w) {
        return OnnxWriter.toBytes(w, Map.of("test", "true"));
    }

    /** Writes a complete model folder (model.onnx + manifest.json) for {@code seed}. */
    static Path folder(Path dir, long seed) throws IOException {
        return folder(dir, onnxBytes(randomWeights(seed)));
    }

    /** Writes a model folder around the given ONNX bytes with a correct manifest. */
    static Path folder(Path dir, byte[] onnx) throws IOException {
        Files.createDirectories(dir);
        Files.write(dir.resolve("model.onnx"), onnx);
        Files.writeString(dir.resolve("manifest.json"), manifest(OrtClassifier.sha256(onnx), onnx.length),
                StandardCharsets.UTF_8);
        return dir;
    }

    /** A format_version 1 manifest as in docs/model-folder.md. */
    static String manifest(String sha256, long size) {
        return """
            {
              "format_version": 1,
              "name": "mnist",
              "version": "1",
              "created": "2026-11-27T15:00:00Z",
              "producer": {"name": "glyph", "version": "0.1.0-SNAPSHOT"},
              "files": {
                "model.onnx": {"sha256": "%s", "size": %d}
              },
              "input":  {"name": "image", "dtype": "float32", "shape": [-1, 1, 28, 28],
                         "layout": "NCHW", "value_range": [0.0, 1.0], "preprocessing": "pixel/255, 0 = background"},
              "outputs": [
                {"name": "log_probs", "dtype": "float32", "shape": [-1, 10]},
                {"name": "probs",     "dtype": "float32", "shape": [-1, 10]}
              ],
              "labels": ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
              "onnx": {"ir_version": 8, "opset": 17},
              "torchscript": {"file_format_version": 3},
              "provenance": %s,
              "accuracy": {"trained": 10.5, "onnx": 10.5}
            }
            """.formatted(sha256, size, PROVENANCE);
    }

    /** Renames the graph input everywhere it is used. */
    static byte[] renameInput(byte[] onnx, String newName) throws IOException {
        ModelProto m = ModelProto.parseFrom(onnx);
        GraphProto.Builder g = m.getGraph().toBuilder();
        String old = g.getInput(0).getName();
        g.getInputBuilder(0).setName(newName);
        for (NodeProto.Builder n : g.getNodeBuilderList()) {
            for (int i = 0; i < n.getInputCount(); i++) {
                if (n.getInput(i).equals(old)) {
                    n.setInput(i, newName);
                }
            }
        }
        return m.toBuilder().setGraph(g).build().toByteArray();
    }

    /** Makes the input's batch dimension a fixed 1 instead of symbolic. */
    static byte[] fixedBatch(byte[] onnx) throws IOException {
        ModelProto m = ModelProto.parseFrom(onnx);
        GraphProto.Builder g = m.getGraph().toBuilder();
        g.getInputBuilder(0).getTypeBuilder().getTensorTypeBuilder().getShapeBuilder().setDim(0,
                TensorShapeProto.Dimension.newBuilder().setDimValue(1));
        return m.toBuilder().setGraph(g).build().toByteArray();
    }

    /** Deterministic pseudo-random digit-like images. */
    static List<DigitImage> randomImages(int n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<DigitImage> out = new ArrayList<>(n);
        for (int k = 0; k < n; k++) {
            float[] px = new float[DigitImage.PIXELS];
            for (int i = 0; i < px.length; i++) {
                px[i] = rnd.nextInt(4) == 0 ? (float) rnd.nextDouble() : 0f;
            }
            out.add(DigitImage.ofPixels(px));
        }
        return out;
    }
}
