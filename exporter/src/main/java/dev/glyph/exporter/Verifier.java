package dev.glyph.exporter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.glyph.datasets.DataException;
import dev.glyph.exporter.internal.FormatRunner;
import dev.glyph.exporter.internal.OnnxInspector;
import dev.glyph.exporter.internal.OnnxRunner;
import dev.glyph.exporter.internal.ParityCheck;
import dev.glyph.exporter.internal.TestImages;
import dev.glyph.exporter.internal.TorchScriptRunner;
import dev.glyph.exporter.internal.TrainedRunner;
import dev.glyph.modelformat.AtomicFiles;
import dev.glyph.modelformat.FileDigest;
import dev.glyph.modelformat.Manifest;
import dev.glyph.modelformat.ManifestFile;
import dev.glyph.modelformat.ModelFolder;
import dev.glyph.modelformat.ModelFormatException;
import dev.glyph.trainer.CheckpointException;
import dev.glyph.trainer.TrainedRun;
import dev.glyph.trainer.TrainingException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verifies a model folder: first the size and SHA-256 of every file listed in manifest.json, then parity
 * between the trained model (DJL, from the run's checkpoint), {@code model.pt} (DJL) and {@code model.onnx}
 * (ONNX Runtime) on the test split. Writes the report to {@code parity.json} in the model folder.
 *
 * <pre>{@code
 * ParityReport r = Verifier.verify(Path.of("models/mnist/1"),
 *         VerifyOptions.defaults().withDataDir(Path.of("data/mnist")));
 * System.out.print(r.table());
 * boolean ok = r.passed();   // false names the first diverging image and pair
 * }</pre>
 *
 * <p>The trained model comes from {@link VerifyOptions#runDir()}, else from the provenance's
 * {@code config.out_dir} when that folder exists and holds the exported run; otherwise it is skipped with a
 * note and only the two files are compared.
 *
 * <p>Thread-safety: stateless; concurrent verifications of different folders are safe.
 */
public final class Verifier {

    private static final Logger LOG = LoggerFactory.getLogger(Verifier.class);

    private Verifier() {
    }

    /**
     * Checks the files and runs the parity check.
     *
     * @return the report; {@link ParityReport#passed()} says whether the formats agree
     * @throws VerifyException if the folder cannot be verified at all: manifest missing or malformed, a file
     *     missing or different from the manifest (naming the file, the expected and the actual hash), a file
     *     that does not load, missing data, an unusable {@code --run}, or parity.json cannot be written
     * @throws IllegalArgumentException if an argument is null or more images are requested than the split holds
     */
    public static ParityReport verify(Path modelDir, VerifyOptions options) throws VerifyException {
        if (modelDir == null || options == null) {
            throw new IllegalArgumentException("the model folder and the options are required");
        }
        ManifestFile manifest = readManifest(modelDir);
        if (!manifest.manifest().precisionOrDefault().equals(Manifest.FP32)) {
            throw new VerifyException(manifest.path() + " describes a " + manifest.manifest().precisionOrDefault()
                    + " version, which has no fp32 parity to check; use Verifier.check (glyph verify does), which "
                    + "compares it with its fp32 source");
        }
        Map<String, FileDigest> files = checkFiles(modelDir, manifest);
        checkOnnxContract(modelDir.resolve(ModelFolder.ONNX));

        String dataset = manifest.manifest().datasetOrDefault();
        Path dataDir = options.dataDir() != null ? options.dataDir() : TestImages.defaultDir(dataset);
        TestImages test;
        try {
            test = TestImages.load(dataset, dataDir, options.images());
        } catch (DataException e) {
            throw new VerifyException(e.getMessage(), e);
        }

        List<String> notes = new ArrayList<>();
        TrainedRun run = resolveRun(options.runDir(), manifest, notes);
        Map<String, String> hashes = new LinkedHashMap<>();
        files.forEach((k, v) -> hashes.put(k, v.sha256()));

        List<FormatRunner> runners = new ArrayList<>();
        ParityReport report;
        try {
            if (run != null) {
                try {
                    runners.add(TrainedRunner.open(run.weights()));
                } catch (TrainingException e) {
                    throw new VerifyException("cannot run the trained model of " + run.dir() + ": " + e.getMessage(),
                            e);
                }
            }
            try {
                runners.add(TorchScriptRunner.open(modelDir.resolve(ModelFolder.TORCHSCRIPT)));
                runners.add(OnnxRunner.open(modelDir.resolve(ModelFolder.ONNX)));
            } catch (IOException e) {
                throw new VerifyException(e.getMessage(), e);
            }
            LOG.info("comparing {} on {} {} test images", runners.stream().map(FormatRunner::format).toList(),
                    test.count(), dataset);
            report = ParityCheck.run(dataset, test.pixels(), test.labels(), test.count(), runners,
                    options.batchSize(), ParityReport.DEFAULT_TOLERANCE, hashes, notes);
        } catch (IllegalStateException e) {
            throw new VerifyException(FormatRunner.firstLine(e), e);
        } finally {
            for (FormatRunner r : runners) {
                r.close();
            }
        }
        return written(modelDir, options, report);
    }

    /** Writes {@code report} to parity.json unless the options say not to, and returns it. */
    private static <R extends VerificationReport> R written(Path modelDir, VerifyOptions options, R report)
            throws VerifyException {
        if (options.writeReport()) {
            Path out = modelDir.resolve(ModelFolder.PARITY);
            try {
                AtomicFiles.writeString(out, report.toJson());
            } catch (IOException e) {
                throw new VerifyException("the check " + (report.passed() ? "passed" : "failed") + " but " + out
                        + " cannot be written (" + e.getMessage() + "); pass --no-write to skip it", e);
            }
        }
        return report;
    }

    /**
     * Verifies a model folder of any precision and writes parity.json (unless {@link VerifyOptions#writeReport()}
     * is off): an fp32 version as {@link #verify}; an optimised version (manifest {@code precision} int8 or fp16)
     * by checking the size and SHA-256 of every listed file, model.onnx's inputs and outputs, and its self test
     * (the recorded log-probabilities of the fixed images, within the recorded tolerance), then finding the fp32
     * version it was made from ({@link VerifyOptions#sourceDir()}, else the recorded {@code optimization.source}),
     * checking that its model.onnx is the one recorded (SHA-256), and running both on the test split with the
     * accuracy gate of {@code glyph optimize} ({@link GateReport}) instead of the 1e-4 parity.
     *
     * <pre>{@code
     * VerificationReport r = Verifier.check(Path.of("models/mnist/2"), VerifyOptions.defaults());
     * }</pre>
     *
     * @throws VerifyException as {@link #verify}, and for an optimised version also when the self test fails, the
     *     source version cannot be found or its model.onnx is not the recorded one
     * @throws IllegalArgumentException if an argument is null or more images are requested than the split holds
     */
    public static VerificationReport check(Path modelDir, VerifyOptions options) throws VerifyException {
        if (modelDir == null || options == null) {
            throw new IllegalArgumentException("the model folder and the options are required");
        }
        ManifestFile manifest = readManifest(modelDir);
        if (manifest.manifest().precisionOrDefault().equals(Manifest.FP32)) {
            return verify(modelDir, options);
        }
        GateReport report = OptimizedCheck.run(modelDir, manifest, options);
        return written(modelDir, options, report);
    }

    /**
     * Checks that every file listed in {@code modelDir/manifest.json} exists with the listed size and SHA-256,
     * and that model.onnx and model.pt are listed.
     *
     * @return the verified digests
     * @throws VerifyException naming the first file that is missing or differs, with the expected and the
     *     actual hash
     */
    public static Map<String, FileDigest> checkFiles(Path modelDir) throws VerifyException {
        return checkFiles(modelDir, readManifest(modelDir));
    }

    private static ManifestFile readManifest(Path modelDir) throws VerifyException {
        try {
            return ManifestFile.read(modelDir);
        } catch (ModelFormatException e) {
            throw new VerifyException(e.getMessage(), e);
        }
    }

    private static Map<String, FileDigest> checkFiles(Path dir, ManifestFile manifest) throws VerifyException {
        try {
            return ModelFolder.verifyFiles(dir, manifest, ModelFolder.ONNX, ModelFolder.TORCHSCRIPT);
        } catch (ModelFormatException e) {
            throw new VerifyException(e.getMessage(), e);
        }
    }

    private static void checkOnnxContract(Path onnx) throws VerifyException {
        try {
            List<String> problems = OnnxInspector.contractProblems(OnnxInspector.inspect(onnx));
            if (!problems.isEmpty()) {
                throw new VerifyException(onnx + " does not follow the model contract: " + String.join("; ", problems));
            }
        } catch (IOException e) {
            throw new VerifyException(e.getMessage(), e);
        }
    }

    /** The run to compare, or null (with a note) when there is none. */
    private static TrainedRun resolveRun(Path runDir, ManifestFile manifestFile, List<String> notes)
            throws VerifyException {
        Manifest manifest = manifestFile.manifest();
        JsonNode prov = manifest.provenance() == null ? MissingNode.getInstance() : manifest.provenance();
        if (runDir != null) {
            TrainedRun run;
            try {
                run = TrainedRun.open(runDir);
            } catch (CheckpointException e) {
                throw new VerifyException("--run " + runDir + ": " + e.getMessage(), e);
            }
            if (!run.dataset().equals(manifest.datasetOrDefault())) {
                throw new VerifyException("--run " + runDir + " trained on " + run.dataset() + " but the model was "
                        + "exported from a " + manifest.datasetOrDefault() + " run; pass the run the model came from");
            }
            if (!prov.isMissingNode() && !prov.equals(run.provenance())) {
                notes.add("the run folder " + runDir + " holds a different run than the one exported (its provenance "
                        + "differs from the manifest's); comparing it anyway");
            }
            return run;
        }
        String fromProv = prov.path("config").path("out_dir").asText("");
        if (fromProv.isEmpty()) {
            notes.add("trained model skipped: no --run given and the manifest's provenance names no run folder; "
                    + "compared model.pt with model.onnx only");
            return null;
        }
        Path p = Path.of(fromProv);
        if (!Files.isDirectory(p)) {
            notes.add("trained model skipped: no --run given and the run folder " + fromProv + " (provenance "
                    + "config.out_dir) does not exist here; compared model.pt with model.onnx only");
            return null;
        }
        TrainedRun run;
        try {
            run = TrainedRun.open(p);
        } catch (CheckpointException e) {
            notes.add("trained model skipped: the run folder " + fromProv + " (provenance config.out_dir) cannot be "
                    + "read: " + e.getMessage());
            return null;
        }
        if (!prov.equals(run.provenance())) {
            notes.add("trained model skipped: the run folder " + fromProv + " (provenance config.out_dir) now holds "
                    + "a different run than the one exported; pass --run to compare it anyway");
            return null;
        }
        notes.add("trained model from " + fromProv + " (provenance config.out_dir)");
        return run;
    }
}
