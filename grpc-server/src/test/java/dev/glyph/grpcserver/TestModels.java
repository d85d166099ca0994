package dev.glyph.grpcserver;

import dev.glyph.exporter.internal.OnnxWriter;
import dev.glyph.trainer.MnistNet;
import dev.glyph.trainer.ModelWeights;
import dev.glyph.trainer.Tensor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** Test fixture: model folders from seeded random MnistNet weights, and seeded digit-like images. */
final class TestModels {

    static final String PROVENANCE = "{\"run\": \"grpc-test\", \"seed\": 11}";

    private TestModels() {
    }

    /**
     * MnistNet weights drawn uniformly in +-1/sqrt(fan_in) (PyTorch's default init); the last layer
     * is scaled up so that the random model's predictions are spread over the classes.
     */
    static ModelWeights randomWeights(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<Tensor> ts = new ArrayList<>();
        for (MnistNet.ParameterSpec s : MnistNet.PARAMETERS) {
            long fanIn = switch (s.name().substring(0, s.name().indexOf('.'))) {
                case "conv1" -> 9;
                case "conv2" -> 32 * 9;
                case "fc1" -> MnistNet.FLAT;
                default -> MnistNet.HIDDEN;
            };
            double bound = s.name().equals("fc2.bias") ? 0.0
                    : (s.name().startsWith("fc2") ? 8.0 : 1.0) / Math.sqrt(fanIn);
            float[] d = new float[(int) s.numel()];
            for (int i = 0; i < d.length; i++) {
                d[i] = (float) ((rnd.nextDouble() * 2 - 1) * bound);
            }
            ts.add(new Tensor(s.name(), s.shape(), d));
        }
        return new ModelWeights(ts);
    }

    /** Writes model.onnx and a format_version 1 manifest.json (see docs/model-folder.md) into {@code dir}. */
    static Path folder(Path dir, long seed) throws IOException {
        Files.createDirectories(dir);
        Path onnx = dir.resolve("model.onnx");
        OnnxWriter.write(randomWeights(seed), Map.of("test", "grpc-server"), onnx);
        byte[] bytes = Files.readAllBytes(onnx);
        Files.writeString(dir.resolve("manifest.json"), manifest(sha256(bytes), bytes.length), StandardCharsets.UTF_8);
        return dir;
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String manifest(String sha256, long size) {
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
              "provenance": %s,
              "accuracy": {"onnx": 10.0}
            }
            """.formatted(sha256, size, PROVENANCE);
    }

    /**
     * {@code n} distinct pseudo-random gray8 images (784 bytes each): ink of random density in a
     * random rectangle on a background of zeros, so that the random model's answers vary.
     */
    static List<byte[]> gray8Images(int n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<byte[]> out = new ArrayList<>(n);
        for (int k = 0; k < n; k++) {
            byte[] b = new byte[784];
            int r0 = rnd.nextInt(20);
            int c0 = rnd.nextInt(20);
            int r1 = r0 + 4 + rnd.nextInt(28 - r0 - 4 + 1);
            int c1 = c0 + 4 + rnd.nextInt(28 - c0 - 4 + 1);
            double density = 0.1 + 0.8 * rnd.nextDouble();
            for (int r = r0; r < Math.min(28, r1); r++) {
                for (int c = c0; c < Math.min(28, c1); c++) {
                    if (rnd.nextDouble() < density) {
                        b[r * 28 + c] = (byte) (64 + rnd.nextInt(192));
                    }
                }
            }
            out.add(b);
        }
        return out;
    }
}
