package dev.glyph.testfixtures;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glyph.exporter.ModelFiles;
import dev.glyph.modelformat.AtomicFiles;
import dev.glyph.modelformat.FileDigest;
import dev.glyph.modelformat.Manifest;
import dev.glyph.modelformat.ManifestFile;
import dev.glyph.modelformat.ModelFolder;
import dev.glyph.modelformat.SelfTest;
import dev.glyph.modelformat.TemperatureScaling;
import dev.glyph.onnxschema.GraphProto;
import dev.glyph.onnxschema.ModelProto;
import dev.glyph.onnxschema.NodeProto;
import dev.glyph.onnxschema.TensorShapeProto;
import dev.glyph.trainer.MnistNet;
import dev.glyph.trainer.ModelWeights;
import dev.glyph.trainer.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Model folders for tests, from seeded random MnistNet weights.
 *
 * <pre>{@code
 * Path model = TestModels.folder(tmp.resolve("models/mnist/1"), 42);     // model.onnx + manifest.json (self_test)
 * List<float[]> images = TestModels.randomPixels(8, 1);                   // 784 floats in [0,1] each
 * byte[] renamed = TestModels.renameInput(TestModels.onnxBytes(TestModels.randomWeights(42)), "pixels");
 * }</pre>
 *
 * <p>The same seed always gives the same weights, bytes and images. Thread-safety: stateless.
 */
public final class TestModels {

    /** Name of the run in {@link #PROVENANCE}. */
    public static final String RUN = "test-run";
    /** The provenance every fixture manifest carries, as compact JSON (as the SDK reports it). */
    public static final String PROVENANCE = "{\"run\":\"" + RUN + "\",\"seed\":7,\"note\":\"quote \\\" and \u00e9\","
            + "\"nested\":{\"list\":[1,2.5,true,null]}}";
    /** Accuracy recorded in fixture manifests for every format. */
    public static final double ACCURACY = 10.5;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Logger LOG = LoggerFactory.getLogger(TestModels.class);

    private TestModels() {
    }

    /**
     * MnistNet weights drawn uniformly in +-1/sqrt(fan_in) (PyTorch's default init); the last layer's weights are
     * scaled up 8 times and its bias is zero, so the random model's predictions are spread over the classes.
     */
    public static ModelWeights randomWeights(long seed) {
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

    /** Returns the ONNX bytes of {@code weights}, as export writes them. */
    public static byte[] onnxBytes(ModelWeights weights) {
        return ModelFiles.onnxBytes(weights, Map.of("test", "true"));
    }

    /** Writes a complete model folder (model.onnx and manifest.json) for the weights of {@code seed}. */
    public static Path folder(Path dir, long seed) throws IOException {
        return folder(dir, onnxBytes(randomWeights(seed)));
    }

    /**
     * Writes a model folder around the given ONNX bytes: model.onnx and a correct manifest.json (name mnist,
     * version 1, the model contract of docs/model-folder.md, {@link #PROVENANCE}, accuracy {@link #ACCURACY}, and
     * the self test that export would record, {@link ModelFiles#selfTest} computed on these bytes through ONNX
     * Runtime), both through model-format's atomic write.
     *
     * <p>Bytes that ONNX Runtime cannot run as the model contract (junk, a renamed input: the fixtures of load
     * failures) get a manifest without {@code self_test}, like a folder exported before self tests; this is logged
     * at INFO.
     */
    public static Path folder(Path dir, byte[] onnx) throws IOException {
        SelfTest selfTest = null;
        try {
            selfTest = ModelFiles.selfTest(onnx);
        } catch (IOException e) {
            LOG.info("fixture model {} has no self_test: {}", dir, e.getMessage());
        }
        AtomicFiles.write(dir.resolve(ModelFolder.ONNX), onnx);
        ModelFiles.manifest("mnist", "1", "mnist").created("2026-11-27T15:00:00Z")
                .file(ModelFolder.ONNX, FileDigest.of(onnx)).provenance(provenance())
                .accuracy("trained", ACCURACY, 10000).accuracy("onnx", ACCURACY, 1000).selfTest(selfTest).build()
                .write(dir);
        return dir;
    }

    /**
     * Rewrites {@code dir/manifest.json} with a {@code temperature_scaling} of {@code temperature} (fitted on 1000
     * made-up held-out images), as an export of a run that held images out would write it. The manifest is not
     * hashed, so the folder still loads and its self test still passes (it is on raw log_probs).
     *
     * @return {@code dir}
     */
    public static Path withTemperature(Path dir, double temperature) throws IOException {
        Manifest m = ManifestFile.read(dir).manifest();
        new Manifest(m.formatVersion(), m.name(), m.version(), m.created(), m.producer(), m.files(), m.input(),
                m.outputs(), m.labels(), m.dataset(), m.onnx(), m.torchscript(), m.sourceRun(), m.provenance(),
                m.accuracy(), m.accuracyImages(), m.parity(), m.selfTest(), m.precision(), m.optimization(),
                new TemperatureScaling(temperature, TemperatureScaling.TEMPERATURE, 1000, null, 0.5, 0.4, 4.0, 1.0))
                .write(dir);
        return dir;
    }

    private static JsonNode provenance() {
        try {
            return JSON.readTree(PROVENANCE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Renames the graph input everywhere it is used. */
    public static byte[] renameInput(byte[] onnx, String newName) throws IOException {
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
    public static byte[] fixedBatch(byte[] onnx) throws IOException {
        ModelProto m = ModelProto.parseFrom(onnx);
        GraphProto.Builder g = m.getGraph().toBuilder();
        g.getInputBuilder(0).getTypeBuilder().getTensorTypeBuilder().getShapeBuilder().setDim(0,
                TensorShapeProto.Dimension.newBuilder().setDimValue(1));
        return m.toBuilder().setGraph(g).build().toByteArray();
    }

    /** {@code n} deterministic pseudo-random images of 784 floats in [0,1]: a quarter of the pixels inked. */
    public static List<float[]> randomPixels(int n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<float[]> out = new ArrayList<>(n);
        for (int k = 0; k < n; k++) {
            float[] px = new float[MnistNet.IMAGE_SIZE * MnistNet.IMAGE_SIZE];
            for (int i = 0; i < px.length; i++) {
                px[i] = rnd.nextInt(4) == 0 ? (float) rnd.nextDouble() : 0f;
            }
            out.add(px);
        }
        return out;
    }

    /**
     * {@code n} distinct pseudo-random gray8 images (784 bytes each, 0 = background): ink of random density in a
     * random rectangle, so that a random model's answers vary.
     */
    public static List<byte[]> gray8Images(int n, long seed) {
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
