package dev.glyph.exporter;

import dev.glyph.exporter.internal.FormatRunner;
import dev.glyph.exporter.internal.OnnxRunner;
import dev.glyph.exporter.internal.OnnxWriter;
import dev.glyph.exporter.internal.SelfTestImages;
import dev.glyph.exporter.internal.TorchScriptWriter;
import dev.glyph.exporter.internal.Versions;
import dev.glyph.modelformat.Manifest;
import dev.glyph.modelformat.SelfTest;
import dev.glyph.modelformat.TensorSpec;
import dev.glyph.trainer.MnistNet;
import dev.glyph.trainer.ModelWeights;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The files the exporter writes for an {@code MnistNet}, as a small public API for tools and tests that need a
 * model folder without a trained run: the ONNX bytes of some weights, a manifest builder already filled with
 * the model contract (input {@value #INPUT} float32 {@code [-1,1,28,28]}, outputs {@value #OUTPUT_LOG_PROBS} and
 * {@value #OUTPUT_PROBS} float32 {@code [-1,10]}, ONNX IR 8 / opset 17, producer glyph), and the manifest's self
 * test of some ONNX bytes, computed exactly as export computes it.
 *
 * <pre>{@code
 * byte[] onnx = ModelFiles.onnxBytes(weights, Map.of("dataset", "mnist"));
 * Manifest m = ModelFiles.manifest("mnist", "1", "mnist").file(ModelFolder.ONNX, FileDigest.of(onnx))
 *         .selfTest(ModelFiles.selfTest(onnx)).build();
 * }</pre>
 *
 * <p>Thread-safety: stateless.
 */
public final class ModelFiles {

    /** Name of the graph input. */
    public static final String INPUT = OnnxWriter.INPUT;
    /** Name of the log-probability output. */
    public static final String OUTPUT_LOG_PROBS = OnnxWriter.OUTPUT_LOG_PROBS;
    /** Name of the probability output. */
    public static final String OUTPUT_PROBS = OnnxWriter.OUTPUT_PROBS;

    private ModelFiles() {
    }

    /**
     * Returns {@code weights} as ONNX bytes, exactly as export writes model.onnx; every metadata entry becomes a
     * {@code metadata_props} entry. The same input always gives the same bytes.
     *
     * @throws IllegalArgumentException if a weight is not finite or a metadata key or value is null or empty
     */
    public static byte[] onnxBytes(ModelWeights weights, Map<String, String> metadata) {
        return OnnxWriter.toBytes(weights, metadata);
    }

    /**
     * Returns the self test of {@code onnx}: the four fixed images (blank, seeded noise, a "1" and a "7" stroke),
     * each preprocessed as the SDK does ({@code (b & 0xFF) / 255f}, shape {@code [1,1,28,28]}) and run through the
     * bytes on ONNX Runtime (CPU), with their {@value OnnxWriter#OUTPUT_LOG_PROBS} and tolerance
     * {@link SelfTest#DEFAULT_TOLERANCE}. Export records this for the model.onnx it wrote.
     *
     * @throws IOException if ONNX Runtime cannot load the bytes, they lack input {@value #INPUT} or output
     *     {@value #OUTPUT_LOG_PROBS}, or the forward pass fails or gives a non-finite value
     */
    public static SelfTest selfTest(byte[] onnx) throws IOException {
        return selfTest(onnx, SelfTest.DEFAULT_TOLERANCE);
    }

    /**
     * Returns the self test of {@code onnx} as {@link #selfTest(byte[])} does, with another tolerance (optimize
     * records a looser one for fp16, whose GPU kernels round differently from the CPU's).
     *
     * @throws IOException as {@link #selfTest(byte[])}
     * @throws IllegalArgumentException if the tolerance is negative or not finite
     */
    public static SelfTest selfTest(byte[] onnx, double tolerance) throws IOException {
        if (!(tolerance >= 0) || Double.isInfinite(tolerance)) {
            throw new IllegalArgumentException("self-test tolerance is " + tolerance + "; expected a finite number >= 0");
        }
        List<SelfTest.Case> cases = new ArrayList<>();
        try (OnnxRunner runner = OnnxRunner.open(onnx, "the ONNX model")) {
            for (byte[] image : SelfTestImages.all()) {
                float[] logProbs = runner.logProbs(SelfTest.pixels(image), 1, 1);
                for (float v : logProbs) {
                    if (!Float.isFinite(v)) {
                        throw new IOException("the ONNX model gives log_probs " + Arrays.toString(logProbs)
                                + " for self-test image " + cases.size() + "; expected finite values");
                    }
                }
                cases.add(new SelfTest.Case(image, logProbs));
            }
        } catch (IllegalStateException e) {
            throw new IOException("the self test cannot run: " + FormatRunner.firstLine(e), e);
        }
        return new SelfTest(tolerance, cases);
    }

    /**
     * Returns a manifest builder with the model contract filled in (producer, input, outputs, labels of
     * {@code dataset}, ONNX and TorchScript versions); add files, provenance, accuracy and parity, then build.
     */
    public static Manifest.Builder manifest(String name, String version, String dataset) {
        return Manifest.builder().identity(name, version).producer(OnnxWriter.PRODUCER_NAME, Versions.glyph())
                .input(new TensorSpec(INPUT, "float32", new long[] {-1, 1, MnistNet.IMAGE_SIZE, MnistNet.IMAGE_SIZE},
                        "NCHW", new double[] {0.0, 1.0}, "pixel/255, 0 = background"))
                .output(TensorSpec.of(OUTPUT_LOG_PROBS, "float32", -1, MnistNet.CLASSES))
                .output(TensorSpec.of(OUTPUT_PROBS, "float32", -1, MnistNet.CLASSES))
                .labels(Manifest.labelsFor(dataset)).dataset(dataset)
                .onnx(OnnxWriter.IR_VERSION, OnnxWriter.OPSET_VERSION)
                .torchscript(new Manifest.TorchScriptInfo(TorchScriptWriter.FILE_FORMAT_VERSION, OUTPUT_LOG_PROBS,
                        List.of("provenance.json")));
    }
}
