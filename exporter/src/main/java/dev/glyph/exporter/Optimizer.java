package dev.glyph.exporter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glyph.datasets.DataException;
import dev.glyph.datasets.Dataset;
import dev.glyph.datasets.Datasets;
import dev.glyph.datasets.ImageSet;
import dev.glyph.exporter.internal.CalibrationSubset;
import dev.glyph.exporter.internal.Calibrator;
import dev.glyph.exporter.internal.FormatRunner;
import dev.glyph.exporter.internal.Fp16Builder;
import dev.glyph.exporter.internal.GateCheck;
import dev.glyph.exporter.internal.Histogram;
import dev.glyph.exporter.internal.OnnxInspector;
import dev.glyph.exporter.internal.OnnxRunner;
import dev.glyph.exporter.internal.OnnxTensors;
import dev.glyph.exporter.internal.OnnxWriter;
import dev.glyph.exporter.internal.QdqBuilder;
import dev.glyph.exporter.internal.QuantParams;
import dev.glyph.exporter.internal.Versions;
import dev.glyph.modelformat.AtomicFiles;
import dev.glyph.modelformat.FileDigest;
import dev.glyph.modelformat.Manifest;
import dev.glyph.modelformat.ManifestFile;
import dev.glyph.modelformat.ModelFolder;
import dev.glyph.modelformat.ModelFormatException;
import dev.glyph.modelformat.SelfTest;
import dev.glyph.onnxschema.ModelProto;
import dev.glyph.onnxschema.TensorProto;
import dev.glyph.trainer.Plots;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes an optimised version of an exported fp32 model version: {@code int8} (a QDQ graph with calibrated uint8
 * activations and symmetric int8 weights, which ONNX Runtime runs with integer kernels) or {@code fp16} (for GPUs),
 * written by the pure-Java ONNX writer, and admitted only if it passes an accuracy gate against the fp32 model on
 * the whole test split.
 *
 * <pre>{@code
 * OptimizeResult r = Optimizer.optimize(Path.of("models/mnist/1"), Path.of("models/mnist/2"),
 *         OptimizeOptions.builder().calibration(CalibrationMethod.ENTROPY).dataDir(Path.of("data/mnist")).build());
 * System.out.print(r.gate().table());
 * }</pre>
 *
 * <p>Steps, for int8: read and hash-check the source's model.onnx and manifest (its precision must be fp32);
 * choose {@code calibrationImages} images of the calibration data set's <em>training</em> split with the seed
 * (never the test split); run a calibration copy of the fp32 graph on ONNX Runtime with the activation inputs of
 * every Conv and Gemm added as outputs, and turn what they held into uint8 parameters with the calibration method
 * (the graph input {@code image} is always quantised with scale 1/255, zero point 0: its contract says pixel/255, so
 * that is exact); build the QDQ graph; run both models on the test split and apply the gate
 * ({@link GateReport}); then write model.onnx, flips.png (the flipped test images, captioned
 * {@code #index fp32 a int8 b}, at most {@value #FLIPS_SHOWN}) and manifest.json (with its own self test, the
 * precision and an {@code optimization} record: source version and hash, calibration, scales, the gate's figures;
 * the source's provenance and temperature_scaling are copied) into a hidden staging sibling and rename it into
 * place. A failed gate writes nothing and says by how much it missed. The same source, options and data give a
 * byte-identical model.onnx (no time stamps inside it; only manifest.json's {@code created} changes).
 *
 * <p>fp16 skips calibration; its gate runs on the CPU (ONNX Runtime computes the float16 nodes in float32 between
 * float16 roundings), and its speed can only be measured where a GPU exists.
 *
 * <p>Triton's config.pbtxt is not touched: the new version has the same inputs and outputs as the fp32 one.
 *
 * <p>Thread-safety: stateless; concurrent optimisations to different targets are safe.
 */
public final class Optimizer {

    /** The most flipped images flips.png shows. */
    public static final int FLIPS_SHOWN = 64;
    /** The self-test tolerance recorded for fp16 versions (GPU float16 kernels round differently from the CPU). */
    public static final double FP16_SELF_TEST_TOLERANCE = 0.05;

    private static final Logger LOG = LoggerFactory.getLogger(Optimizer.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ENGINE = "ONNX Runtime, CPU";

    private Optimizer() {
    }

    /**
     * Optimises the fp32 version in {@code sourceDir} into {@code outDir}.
     *
     * @param sourceDir an fp32 model folder written by {@code glyph export}
     * @param outDir the version folder to create, {@code models/<name>/<version>}
     * @param options see {@link OptimizeOptions}
     * @return what was written, with the gate
     * @throws OptimizeException if anything fails or the gate refuses (then {@link OptimizeException#gate()} holds
     *     the figures); nothing is left at {@code outDir} or in a staging folder
     * @throws IllegalArgumentException if an argument is null, or more calibration images are asked for than the
     *     training split holds
     */
    public static OptimizeResult optimize(Path sourceDir, Path outDir, OptimizeOptions options)
            throws OptimizeException {
        if (sourceDir == null || outDir == null || options == null) {
            throw new IllegalArgumentException("the source folder, the output folder and the options are required");
        }
        Path target = outDir.toAbsolutePath().normalize();
        if (target.getParent() == null) {
            throw new IllegalArgumentException("--out " + outDir + " has no parent folder; expected models/<name>/<version>");
        }
        if (target.equals(sourceDir.toAbsolutePath().normalize())) {
            throw new IllegalArgumentException("--out " + outDir + " is the source folder; expected a new version "
                    + "folder next to it, e.g. models/mnist/2");
        }
        String version = target.getFileName().toString();
        String name = target.getParent().getFileName() == null ? version : target.getParent().getFileName().toString();
        checkTarget(outDir, target, options.force());

        ManifestFile sourceManifest;
        byte[] sourceOnnx;
        try {
            sourceManifest = ManifestFile.read(sourceDir);
            ModelFolder.verifyFiles(sourceDir, sourceManifest, ModelFolder.ONNX);
            sourceOnnx = ModelFolder.readVerified(sourceDir, sourceManifest, ModelFolder.ONNX);
        } catch (ModelFormatException e) {
            throw new OptimizeException("source " + sourceDir + ": " + e.getMessage(), e);
        }
        Manifest src = sourceManifest.manifest();
        if (!src.precisionOrDefault().equals(Manifest.FP32)) {
            throw new OptimizeException("source " + sourceDir + " is a " + src.precisionOrDefault() + " version; "
                    + "expected an fp32 version written by glyph export (optimise the version it was made from)");
        }
        String sourceSha = FileDigest.of(sourceOnnx).sha256();
        ModelProto fp32;
        try {
            fp32 = OnnxInspector.parse(sourceOnnx, sourceDir.resolve(ModelFolder.ONNX).toString());
        } catch (IOException e) {
            throw new OptimizeException(e.getMessage(), e);
        }

        String dataset = src.datasetOrDefault();
        Path dataDir = options.dataDir() != null ? options.dataDir() : Path.of("data", dataset);
        Dataset data = load(dataset, dataDir);
        ImageSet test = data.test();

        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("model_name", name);
        meta.put("model_version", version);
        meta.put("precision", options.precision().id());
        meta.put("source_model_version", src.version());
        meta.put("source_model_sha256", sourceSha);
        meta.put(OnnxWriter.META_PRODUCER_VERSION, Versions.glyph());

        ModelProto optimised;
        OptimizeResult.Calibration calibration = null;
        ObjectNode record = JSON.createObjectNode();
        record.put("precision", options.precision().id());
        ObjectNode source = record.putObject("source");
        source.put("dir", sourceDir.toString());
        source.put("name", src.name());
        source.put("version", src.version());
        source.put("model_onnx_sha256", sourceSha);
        try {
            if (options.precision() == Precision.INT8) {
                calibration = calibrate(fp32, options, dataset, dataDir, data);
                Map<String, QuantParams> params = new LinkedHashMap<>();
                calibration.scales().forEach((t, s) -> params.put(t, new QuantParams(s.scale(), s.zeroPoint(), 0, 255)));
                meta.put("calibration", calibration.method().id() + " on " + calibration.images() + " "
                        + calibration.dataset() + " training images (seed " + calibration.seed() + ", indices SHA-256 "
                        + calibration.indicesSha256() + ")");
                optimised = QdqBuilder.build(fp32, params, options.perChannel(), options.reduceRange(), meta);
                describeInt8(record, options, calibration, optimised);
            } else {
                optimised = Fp16Builder.build(fp32, meta);
                record.put("weights", "float16");
                record.put("activations", "float16; input, LogSoftmax, Exp and outputs float32");
                record.put("checked_on", "CPU: ONNX Runtime computes each float16 node in float32 between float16 "
                        + "roundings; the speed of float16 is measured only where a GPU exists");
            }
        } catch (IllegalArgumentException e) {
            throw new OptimizeException("cannot " + options.precision().id() + "-optimise " + sourceDir + ": "
                    + e.getMessage(), e);
        } catch (IOException e) {
            throw new OptimizeException(e.getMessage(), e);
        }
        byte[] bytes = optimised.toByteArray();
        try {
            List<String> problems = OnnxInspector.interfaceProblems(OnnxInspector.inspect(bytes, "the optimised model"));
            if (!problems.isEmpty()) {
                throw new OptimizeException("the optimised model breaks the model contract: " + String.join("; ", problems));
            }
        } catch (IOException e) {
            throw new OptimizeException(e.getMessage(), e);
        }

        GateReport gate = gate(options, dataset, test, sourceOnnx, bytes, new GateReport.Reference(sourceDir.toString(),
                src.version(), sourceSha), FileDigest.of(bytes).sha256());
        LOG.info("{} gate: {}", options.precision().id(), gate.passed() ? "passed" : gate.failureMessage());
        if (!gate.passed()) {
            throw new OptimizeException(gate.failureMessage() + "; nothing was written", null, gate);
        }

        try (ModelFolder.Staging stage = ModelFolder.stage(target)) {
            Path staging = stage.dir();
            AtomicFiles.write(staging.resolve(ModelFolder.ONNX), out -> out.write(bytes));
            Map<String, FileDigest> files = new LinkedHashMap<>();
            files.put(ModelFolder.ONNX, FileDigest.of(staging.resolve(ModelFolder.ONNX)));
            if (!files.get(ModelFolder.ONNX).equals(FileDigest.of(bytes))) {
                throw new OptimizeException("the written " + ModelFolder.ONNX + " differs from the checked bytes; "
                        + "nothing was written");
            }
            Path flips = null;
            if (!gate.flips().isEmpty()) {
                writeFlips(gate, test, options.precision(), staging.resolve(ModelFolder.FLIPS));
                files.put(ModelFolder.FLIPS, FileDigest.of(staging.resolve(ModelFolder.FLIPS)));
                flips = target.resolve(ModelFolder.FLIPS);
            }
            SelfTest selfTest;
            try {
                selfTest = ModelFiles.selfTest(bytes, options.precision() == Precision.FP16
                        ? FP16_SELF_TEST_TOLERANCE : SelfTest.DEFAULT_TOLERANCE);
            } catch (IOException e) {
                throw new OptimizeException("the self test of the optimised model failed: " + e.getMessage()
                        + "; nothing was written", e);
            }
            ObjectNode gateNode = (ObjectNode) gate.toJsonNode();
            gateNode.remove("created"); // the manifest's own created says when
            record.set("gate", gateNode);
            Manifest.Builder m = ModelFiles.manifest(name, version, dataset).torchscript(null)
                    .created(Instant.now().truncatedTo(ChronoUnit.SECONDS).toString()).files(files)
                    .provenance(src.provenance()).selfTest(selfTest).precision(options.precision().id())
                    .optimization(record).temperatureScaling(src.temperatureScaling())
                    .accuracy(OnnxRunner.FORMAT, gate.candidateResult().accuracy(), gate.images());
            if (src.sourceRun() != null) {
                m.sourceRun(src.sourceRun().dir(), src.sourceRun().epochs());
            }
            m.build().write(staging);

            checkTarget(outDir, target, options.force()); // again: something may have appeared meanwhile
            stage.install();
            LOG.info("wrote {} version {} of {} ({}) from {}", options.precision().id(), version, name, target,
                    sourceDir);
            return new OptimizeResult(outDir, name, version, options.precision(), sourceDir, sourceSha, files, gate,
                    calibration, flips);
        } catch (IOException e) {
            throw new OptimizeException("cannot write the model folder " + outDir + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new OptimizeException("optimize failed: " + FormatRunner.firstLine(e), e);
        }
    }

    private static void checkTarget(Path outDir, Path target, boolean force) throws OptimizeException {
        try {
            Exporter.checkTarget(outDir, target, force);
        } catch (ExportException e) {
            throw new OptimizeException(e.getMessage(), e);
        }
    }

    private static Dataset load(String dataset, Path dir) throws OptimizeException {
        String hint = "; pass --data DIR (the folder with the " + dataset + " IDX files) or run `./glyph fetch`";
        if (!Files.isDirectory(dir)) {
            throw new OptimizeException("no " + dataset + " data at " + dir + hint);
        }
        try {
            return Datasets.load(dataset, dir);
        } catch (DataException e) {
            throw new OptimizeException(e.getMessage() + hint, e);
        }
    }

    /** Chooses the calibration subset, runs the calibration copy and turns the histograms into uint8 parameters. */
    private static OptimizeResult.Calibration calibrate(ModelProto fp32, OptimizeOptions o, String dataset,
            Path dataDir, Dataset data) throws OptimizeException, IOException {
        String calDataset = o.calibrationDataset() != null ? o.calibrationDataset() : dataset;
        ImageSet train;
        if (calDataset.equals(dataset) && (o.calibrationDataDir() == null || o.calibrationDataDir().equals(dataDir))) {
            train = data.train();
        } else {
            Path calDir = o.calibrationDataDir() != null ? o.calibrationDataDir() : Path.of("data", calDataset);
            train = load(calDataset, calDir).train();
            if (!calDataset.equals(dataset)) {
                LOG.warn("calibrating a {} model on {} training images, as asked; expect the gate to judge it",
                        dataset, calDataset);
            }
        }
        if (train.rows() != 28 || train.cols() != 28) {
            throw new OptimizeException(calDataset + " training images are " + train.rows() + "x" + train.cols()
                    + "; MnistNet expects 28x28");
        }
        CalibrationSubset subset = CalibrationSubset.choose(train.count(), o.calibrationImages(), o.seed());
        float[] px = subset.pixels(train.images(), train.pixelsPerImage());
        List<String> tensors = QdqBuilder.calibrationTensors(fp32);
        String input = fp32.getGraph().getInput(0).getName();
        LOG.info("calibrating {} ({}) on {} {} training images", tensors, o.calibration().id(), subset.size(),
                calDataset);
        Map<String, Histogram> h = Calibrator.collect(fp32, tensors, px, subset.size(), o.batchSize(), o.calibration());
        Map<String, OptimizeResult.TensorScale> scales = new LinkedHashMap<>();
        for (String t : tensors) {
            Histogram x = h.get(t);
            QuantParams p;
            if (t.equals(input)) {
                // the input contract: pixel/255 in [0, 1]; scale 1/255 and zero point 0 represent it exactly
                p = new QuantParams(1f / 255f, 0, 0, 255);
            } else {
                double[] range = x.range(o.calibration(), o.percentile());
                p = QuantParams.uint8(range[0], range[1]);
                LOG.info("calibrated {}: observed [{}, {}], range [{}, {}]", t, x.min(), x.max(), range[0], range[1]);
            }
            scales.put(t, new OptimizeResult.TensorScale(p.scale(), p.zeroPoint(), x.min(), x.max(), p.rangeMax()));
        }
        return new OptimizeResult.Calibration(o.calibration(), calDataset, subset.size(), o.seed(), subset.sha256(),
                scales);
    }

    private static void describeInt8(ObjectNode record, OptimizeOptions o, OptimizeResult.Calibration c,
            ModelProto int8) {
        ObjectNode w = record.putObject("weights");
        w.put("dtype", "int8");
        w.put("symmetric", true);
        w.put("granularity", o.perChannel() ? "per-channel" : "per-tensor");
        w.put("levels", o.reduceRange() ? "-63..63 (reduce range)" : "-127..127");
        record.put("activations", "uint8, calibrated; the graph input image has scale 1/255, zero point 0 (exact)");
        record.put("bias", "int32, scale = activation scale x weight scale");
        ObjectNode cal = record.putObject("calibration");
        cal.put("method", c.method().id());
        if (c.method() == CalibrationMethod.PERCENTILE) {
            cal.put("percentile", o.percentile());
        }
        if (c.method() != CalibrationMethod.MINMAX) {
            cal.put("histogram_bins", Histogram.BINS);
        }
        if (c.method() == CalibrationMethod.ENTROPY) {
            cal.put("levels", Histogram.LEVELS);
        }
        cal.put("dataset", c.dataset());
        cal.put("split", "train");
        cal.put("images", c.images());
        cal.put("seed", c.seed());
        cal.put("indices_sha256", c.indicesSha256());
        cal.put("indices_hashed_as", "ascending ASCII decimal indices, one per line, each ending in \\n");
        ObjectNode scales = record.putObject("scales");
        c.scales().forEach((t, s) -> {
            ObjectNode n = scales.putObject(t);
            n.put("scale", s.scale());
            n.put("zero_point", s.zeroPoint());
            n.put("observed_min", s.observedMin());
            n.put("observed_max", s.observedMax());
            n.put("range_max", s.rangeMax());
        });
        ObjectNode ws = record.putObject("weight_scales");
        for (TensorProto t : int8.getGraph().getInitializerList()) {
            String n = t.getName();
            if (n.endsWith(".weight_scale")) {
                ArrayNode a = ws.putArray(n.substring(0, n.length() - "_scale".length()));
                for (float f : OnnxTensors.readFloats(t)) {
                    a.add(f);
                }
            }
        }
    }

    /** Runs the fp32 and the optimised model on the test split and applies the gate. */
    static GateReport gate(OptimizeOptions o, String dataset, ImageSet test, byte[] fp32, byte[] candidate,
            GateReport.Reference ref, String candidateSha) throws OptimizeException {
        int n = test.count();
        float[] px = new float[n * FormatRunner.PIXELS];
        byte[] raw = test.images();
        for (int i = 0; i < px.length; i++) {
            px[i] = (raw[i] & 0xff) / 255f;
        }
        float[] a;
        float[] b;
        try (OnnxRunner ra = OnnxRunner.open(fp32, "the fp32 model");
                OnnxRunner rb = OnnxRunner.open(candidate, "the " + o.precision().id() + " model")) {
            a = ra.logProbs(px, n, o.batchSize());
            b = rb.logProbs(px, n, o.batchSize());
        } catch (IOException e) {
            throw new OptimizeException(e.getMessage(), e);
        } catch (IllegalStateException e) {
            throw new OptimizeException(FormatRunner.firstLine(e), e);
        }
        return GateCheck.compare(o.precision().id(), dataset, test.labels(), n, a, b, ref, ENGINE,
                o.maxAccuracyDrop(), o.minArgmaxAgreement(), Map.of(ModelFolder.ONNX, candidateSha), List.of());
    }

    /** Writes the flipped test images as a captioned grid (the first {@value #FLIPS_SHOWN}). */
    static void writeFlips(GateReport gate, ImageSet test, Precision precision, Path png) throws IOException {
        List<GateReport.Flip> shown = gate.flips().subList(0, Math.min(FLIPS_SHOWN, gate.flips().size()));
        int per = test.pixelsPerImage();
        byte[] px = new byte[shown.size() * per];
        byte[] labels = new byte[shown.size()];
        List<String> captions = new ArrayList<>();
        for (int k = 0; k < shown.size(); k++) {
            GateReport.Flip f = shown.get(k);
            System.arraycopy(test.images(), f.index() * per, px, k * per, per);
            labels[k] = (byte) f.label();
            captions.add(String.format(Locale.ROOT, "#%d fp32 %d %s %d", f.index(), f.reference(), precision.id(),
                    f.candidate()));
        }
        Plots.writeCaptionedGrid(new ImageSet(shown.size(), test.rows(), test.cols(), px, labels), captions, png);
    }

    /** Returns the manifest's {@code optimization.source} of an optimised version, or a missing node. */
    static JsonNode sourceOf(Manifest m) {
        return m.optimization() == null ? JSON.missingNode() : m.optimization().path("source");
    }
}
