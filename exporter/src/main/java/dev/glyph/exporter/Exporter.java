package dev.glyph.exporter;

import com.fasterxml.jackson.databind.JsonNode;
import dev.glyph.datasets.DataException;
import dev.glyph.exporter.internal.FormatRunner;
import dev.glyph.exporter.internal.OnnxInspector;
import dev.glyph.exporter.internal.OnnxModelInfo;
import dev.glyph.exporter.internal.OnnxRunner;
import dev.glyph.exporter.internal.OnnxWriter;
import dev.glyph.exporter.internal.ParityCheck;
import dev.glyph.exporter.internal.TestImages;
import dev.glyph.exporter.internal.TorchScriptRunner;
import dev.glyph.exporter.internal.TorchScriptWriter;
import dev.glyph.exporter.internal.TrainedRunner;
import dev.glyph.exporter.internal.TritonConfigUpdate;
import dev.glyph.exporter.internal.Versions;
import dev.glyph.modelformat.FileDigest;
import dev.glyph.modelformat.Manifest;
import dev.glyph.modelformat.ModelFolder;
import dev.glyph.modelformat.SelfTest;
import dev.glyph.modelformat.TemperatureScaling;
import dev.glyph.modelformat.TritonConfig;
import dev.glyph.trainer.CheckpointException;
import dev.glyph.trainer.ModelWeights;
import dev.glyph.trainer.TrainedRun;
import dev.glyph.trainer.TrainingException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
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
 * Exports a trained run as a model folder ({@code model.pt}, {@code model.onnx}, {@code manifest.json}; see
 * docs/model-folder.md) after checking that both files compute what the trained model computes, and writes
 * Triton's {@code config.pbtxt} next to the version folder ({@code models/<name>/config.pbtxt}) so that Triton can
 * serve {@code models/} unchanged.
 *
 * <pre>{@code
 * ExportResult r = Exporter.export(Path.of("runs/first"), Path.of("models/mnist/1"), ExportOptions.defaults());
 * System.out.print(r.parity().table());
 * }</pre>
 *
 * <p>The folder is assembled in a hidden staging folder next to the target ({@code .mnist-1.tmp-<pid>-<n>}) and
 * renamed into place only after the parity check passed, so a failed or interrupted export never leaves a
 * partial model folder; an existing non-empty target is refused unless {@link ExportOptions#force()} is set, and
 * then replaced by renames (old aside, new in, old deleted). Even with force, a folder holding anything other
 * than model-folder files is never deleted.
 *
 * <p>The manifest records a self test: four fixed images and the log-probabilities the written model.onnx gives
 * for them on ONNX Runtime ({@link ModelFiles#selfTest}). When the run's provenance.json has a
 * {@code temperature_scaling} member (training held images out and fitted a temperature on them), the manifest
 * gets it as its own {@code temperature_scaling}; a malformed one is refused before anything is written. config.pbtxt is created with Glyph's configuration
 * ({@link dev.glyph.modelformat.TritonConfig#forGlyphModel}, name = the folder's name), or, if it exists, only
 * the fields Glyph owns are updated (name, platform, max_batch_size, inputs and outputs) and the rest (version
 * policy, instance groups, parameters, batching, ...) is kept; an existing file that does not parse or uses fields
 * Glyph's schema does not declare is refused before anything is written. It is written (atomically) just before
 * the version folder is renamed into place and put back if that rename fails. It is not written when the version
 * folder's name is not a positive number (Triton serves only numbered versions).
 *
 * <p>Thread-safety: stateless; concurrent exports to different targets are safe. The DJL and ONNX Runtime
 * engines are used from the calling thread only.
 */
public final class Exporter {

    private static final Logger LOG = LoggerFactory.getLogger(Exporter.class);
    /** The provenance.json and manifest.json member holding the fitted temperature. */
    static final String TEMPERATURE_SCALING = "temperature_scaling";

    private Exporter() {
    }

    /**
     * Exports the run in {@code runDir} to the model folder {@code outDir}.
     *
     * @param runDir a run folder written by {@code ./glyph train} (checkpoint and provenance.json)
     * @param outDir the model folder to create, {@code models/<name>/<version>}
     * @param options see {@link ExportOptions}
     * @return what was written, including the parity report
     * @throws ExportException if anything fails (see the message), including an existing config.pbtxt that does
     *     not parse; nothing is left at {@code outDir} or in a staging folder, and an existing folder replaced with
     *     force and an existing config.pbtxt are left unchanged
     * @throws IllegalArgumentException if an argument is null or more parity images are requested than the
     *     test split holds
     */
    public static ExportResult export(Path runDir, Path outDir, ExportOptions options) throws ExportException {
        if (runDir == null || outDir == null || options == null) {
            throw new IllegalArgumentException("the run folder, the output folder and the options are required");
        }
        Path target = outDir.toAbsolutePath().normalize();
        if (target.getParent() == null) {
            throw new IllegalArgumentException("--out " + outDir + " has no parent folder; expected models/<name>/<version>");
        }
        String version = target.getFileName().toString();
        String name = options.name() != null ? options.name()
                : target.getParent().getFileName() == null ? version : target.getParent().getFileName().toString();

        checkTarget(outDir, target, options.force());
        // Refuse a broken config.pbtxt before the long part of the export; planned again just before writing.
        TritonConfigUpdate triton = null;
        if (TritonConfigUpdate.isTritonVersion(version)) {
            triton = TritonConfigUpdate.plan(target.getParent(), options.maxBatchSize(), options.maxQueueDelayMicros());
        } else {
            LOG.info("not writing {}: the version folder \"{}\" is not a positive number, and Triton serves only "
                    + "numbered version folders", target.resolveSibling(TritonConfig.FILE), version);
        }
        TrainedRun run;
        try {
            run = TrainedRun.open(runDir);
        } catch (CheckpointException e) {
            throw new ExportException(e.getMessage(), e);
        }
        String dataset = run.dataset();
        Path dataDir = options.dataDir() != null ? options.dataDir() : TestImages.defaultDir(dataset);
        TestImages test;
        try {
            test = TestImages.load(dataset, dataDir, 0);
        } catch (DataException e) {
            throw new ExportException(e.getMessage(), e);
        }
        if (options.parityImages() > test.count()) {
            throw new IllegalArgumentException("--parity-images " + options.parityImages() + " exceeds the "
                    + test.count() + " test images in " + dataDir);
        }
        JsonNode provenance = run.provenance();
        TemperatureScaling temperatureScaling = temperatureScaling(runDir, provenance);
        ModelWeights weights = run.weights();

        try (ModelFolder.Staging stage = ModelFolder.stage(target)) {
            Path staging = stage.dir();
            LOG.info("exporting {} ({} epochs, {}) to {} via {}", runDir, run.epochs(), dataset, target, staging);
            writeFiles(run, weights, name, version, test.total(), staging);

            Map<String, FileDigest> files = new LinkedHashMap<>();
            for (String f : List.of(ModelFolder.ONNX, ModelFolder.TORCHSCRIPT)) {
                files.put(f, FileDigest.of(staging.resolve(f)));
            }
            Map<String, String> hashes = new LinkedHashMap<>();
            files.forEach((k, v) -> hashes.put(k, v.sha256()));

            ParityReport parity = parity(weights, staging, test, options, dataset, hashes);
            if (!parity.passed()) {
                throw new ExportException(parity.failureMessage() + "; nothing was written", null, parity);
            }

            double trainedAcc = run.testAccuracy();
            boolean haveRunAcc = !Double.isNaN(trainedAcc);
            Map<String, Double> accuracy = new LinkedHashMap<>();
            Map<String, Integer> accuracyImages = new LinkedHashMap<>();
            accuracy.put(TrainedRunner.FORMAT, haveRunAcc ? trainedAcc : parity.format(TrainedRunner.FORMAT).accuracy());
            accuracyImages.put(TrainedRunner.FORMAT, haveRunAcc ? test.total() : parity.images());
            for (String f : List.of(TorchScriptRunner.FORMAT, OnnxRunner.FORMAT)) {
                accuracy.put(f, parity.format(f).accuracy());
                accuracyImages.put(f, parity.images());
            }
            SelfTest selfTest = selfTest(staging, files.get(ModelFolder.ONNX));
            Manifest.Builder manifest = ModelFiles.manifest(name, version, dataset)
                    .created(Instant.now().truncatedTo(ChronoUnit.SECONDS).toString()).files(files)
                    .sourceRun(runDir.toString(), run.epochs()).provenance(provenance).parity(parity.toJsonNode())
                    .selfTest(selfTest).temperatureScaling(temperatureScaling);
            accuracy.forEach((f, a) -> manifest.accuracy(f, a, accuracyImages.get(f)));
            manifest.build().write(staging);

            checkTarget(outDir, target, options.force()); // again: something may have appeared meanwhile
            if (triton != null) {
                triton = triton.replan(); // the file as it is now
                triton.apply();
            }
            try {
                stage.install();
            } catch (IOException e) {
                if (triton != null) {
                    try {
                        triton.undo();
                    } catch (IOException undo) {
                        e.addSuppressed(undo);
                    }
                }
                throw e;
            }
            LOG.info("exported {} as {} version {} ({}){}", runDir, name, version, target, triton == null ? ""
                    : triton.changed() ? "; wrote " + triton.file() : "; " + triton.file() + " was up to date");
            return new ExportResult(outDir, name, version, dataset, files, accuracy, accuracyImages, parity,
                    triton == null ? null : triton.file());
        } catch (IOException e) {
            throw new ExportException("cannot write the model folder " + outDir + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            // Engine failures arrive as IllegalStateException with a one-line message.
            throw new ExportException("export failed: " + FormatRunner.firstLine(e), e);
        }
    }

    /**
     * Returns the provenance's {@code temperature_scaling} member as a record, or null when the run has none (the
     * reference recipe, runs trained before calibration).
     *
     * @throws ExportException if the member is there but malformed (naming the run folder, the member, what was
     *     found and what was expected)
     */
    static TemperatureScaling temperatureScaling(Path runDir, JsonNode provenance) throws ExportException {
        JsonNode node = provenance == null ? null : provenance.get(TEMPERATURE_SCALING);
        if (node == null || node.isNull()) {
            return null;
        }
        try {
            return TemperatureScaling.fromJson(node);
        } catch (IllegalArgumentException e) {
            throw new ExportException("the run " + runDir + " has a malformed " + TEMPERATURE_SCALING
                    + " in provenance.json: " + e.getMessage() + "; nothing was written");
        }
    }

    /**
     * Computes the self test on the model.onnx in {@code dir}, after checking that its bytes are the hashed ones.
     */
    private static SelfTest selfTest(Path dir, FileDigest digest) throws IOException, ExportException {
        byte[] onnx = Files.readAllBytes(dir.resolve(ModelFolder.ONNX));
        if (!FileDigest.of(onnx).equals(digest)) {
            throw new ExportException(dir.resolve(ModelFolder.ONNX) + " changed while it was exported (expected "
                    + digest + ", found " + FileDigest.of(onnx) + "); nothing was written");
        }
        try {
            return ModelFiles.selfTest(onnx);
        } catch (IOException e) {
            throw new ExportException("the self test of the written " + ModelFolder.ONNX + " failed: "
                    + e.getMessage() + "; nothing was written", e);
        }
    }

    static void checkTarget(Path outDir, Path target, boolean force) throws ExportException {
        if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new ExportException(outDir + " exists and is not a folder; expected a new or empty model folder "
                    + "path such as models/mnist/1");
        }
        List<String> entries;
        try {
            entries = ModelFolder.list(target);
        } catch (IOException e) {
            throw new ExportException("cannot read " + outDir + ": " + e.getMessage(), e);
        }
        if (entries.isEmpty()) {
            return;
        }
        if (!force) {
            throw new ExportException("model folder " + outDir + " already exists and is not empty (" + entries.size()
                    + " entries: " + abbreviate(entries) + "); pass --force to replace it, or choose another --out");
        }
        List<String> foreign = new ArrayList<>();
        for (String e : entries) {
            if (!ModelFolder.KNOWN_FILES.contains(e) || !Files.isRegularFile(target.resolve(e), LinkOption.NOFOLLOW_LINKS)) {
                foreign.add(e);
            }
        }
        if (!foreign.isEmpty()) {
            throw new ExportException(outDir + " holds " + abbreviate(foreign) + ", which is not part of a model "
                    + "folder (expected only " + ModelFolder.KNOWN_FILES.stream().sorted().toList() + "); refusing to "
                    + "replace it even with --force; remove it yourself or choose another --out");
        }
    }

    private static String abbreviate(List<String> names) {
        return names.size() <= 4 ? String.join(", ", names)
                : String.join(", ", names.subList(0, 4)) + ", ... (" + names.size() + " in all)";
    }

    private static void writeFiles(TrainedRun run, ModelWeights weights, String name, String version, int testImages,
            Path dir)
            throws IOException, ExportException {
        byte[] prov = run.provenanceJson().getBytes(StandardCharsets.UTF_8);
        TorchScriptWriter.write(weights, Map.of("provenance.json", prov), dir.resolve(ModelFolder.TORCHSCRIPT));

        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("provenance", run.provenanceJson());
        meta.put("dataset", run.dataset());
        double acc = run.testAccuracy();
        if (!Double.isNaN(acc)) {
            meta.put("test_accuracy", String.format(Locale.ROOT, "%.2f", acc));
            meta.put("test_accuracy_images", Integer.toString(testImages));
        }
        meta.put(OnnxWriter.META_PRODUCER_VERSION, Versions.glyph());
        meta.put("model_name", name);
        meta.put("model_version", version);
        meta.put("labels", String.join(",", Manifest.labelsFor(run.dataset())));
        meta.put("preprocessing", "float32 [batch,1,28,28] NCHW, pixel/255, 0 = background, no normalisation");
        meta.put("epochs", Integer.toString(run.epochs()));
        Path onnx = dir.resolve(ModelFolder.ONNX);
        OnnxWriter.write(weights, meta, onnx);

        OnnxModelInfo info = OnnxInspector.inspect(onnx);
        List<String> problems = OnnxInspector.contractProblems(info);
        if (!problems.isEmpty()) {
            throw new ExportException("the written " + ModelFolder.ONNX + " breaks the model contract: "
                    + String.join("; ", problems));
        }
    }

    private static ParityReport parity(ModelWeights weights, Path dir, TestImages test, ExportOptions options,
            String dataset, Map<String, String> hashes) throws ExportException {
        int n = options.parityImages();
        float[] px = java.util.Arrays.copyOf(test.pixels(), n * FormatRunner.PIXELS);
        List<FormatRunner> runners = new ArrayList<>();
        try {
            try {
                runners.add(TrainedRunner.open(weights));
            } catch (TrainingException e) {
                throw new ExportException("cannot run the trained model: " + e.getMessage(), e);
            }
            try {
                runners.add(TorchScriptRunner.open(dir.resolve(ModelFolder.TORCHSCRIPT)));
                runners.add(OnnxRunner.open(dir.resolve(ModelFolder.ONNX)));
            } catch (IOException e) {
                throw new ExportException("a freshly written file does not load: " + e.getMessage(), e);
            }
            return ParityCheck.run(dataset, px, test.labels(), n, runners, options.batchSize(),
                    options.tolerance(), hashes, List.of());
        } finally {
            for (FormatRunner r : runners) {
                r.close();
            }
        }
    }
}
