package dev.glyph.exporter;

import com.fasterxml.jackson.databind.JsonNode;
import dev.glyph.datasets.DataException;
import dev.glyph.exporter.internal.FormatRunner;
import dev.glyph.exporter.internal.GateCheck;
import dev.glyph.exporter.internal.OnnxInspector;
import dev.glyph.exporter.internal.OnnxRunner;
import dev.glyph.exporter.internal.TestImages;
import dev.glyph.modelformat.FileDigest;
import dev.glyph.modelformat.Manifest;
import dev.glyph.modelformat.ManifestFile;
import dev.glyph.modelformat.ModelFolder;
import dev.glyph.modelformat.ModelFormatException;
import dev.glyph.modelformat.SelfTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The verification of an optimised (int8, fp16) version, for {@link Verifier#check}: hashes, interface, self test,
 * the recorded fp32 source, and the accuracy gate on the test split.
 *
 * <p>Thread-safety: stateless.
 */
final class OptimizedCheck {

    private static final Logger LOG = LoggerFactory.getLogger(OptimizedCheck.class);

    private OptimizedCheck() {
    }

    static GateReport run(Path modelDir, ManifestFile mf, VerifyOptions options) throws VerifyException {
        Manifest m = mf.manifest();
        String precision = m.precisionOrDefault();
        byte[] onnx;
        try {
            ModelFolder.verifyFiles(modelDir, mf, ModelFolder.ONNX);
            onnx = ModelFolder.readVerified(modelDir, mf, ModelFolder.ONNX);
        } catch (ModelFormatException e) {
            throw new VerifyException(e.getMessage(), e);
        }
        try {
            List<String> problems = OnnxInspector.interfaceProblems(OnnxInspector.inspect(onnx,
                    modelDir.resolve(ModelFolder.ONNX).toString()));
            if (!problems.isEmpty()) {
                throw new VerifyException(modelDir.resolve(ModelFolder.ONNX) + " does not follow the model contract: "
                        + String.join("; ", problems));
            }
        } catch (IOException e) {
            throw new VerifyException(e.getMessage(), e);
        }
        List<String> notes = new ArrayList<>();
        notes.add(selfTest(modelDir, m, onnx));

        JsonNode recorded = m.optimization() == null ? null : m.optimization().path("source");
        String recordedSha = recorded == null ? "" : recorded.path("model_onnx_sha256").asText("");
        Path source = findSource(modelDir, mf, options.sourceDir(), recorded);
        byte[] sourceOnnx;
        ManifestFile sourceManifest;
        try {
            sourceManifest = ManifestFile.read(source);
            sourceOnnx = ModelFolder.readVerified(source, sourceManifest, ModelFolder.ONNX);
        } catch (ModelFormatException e) {
            throw new VerifyException("the fp32 source " + source + ": " + e.getMessage(), e);
        }
        String sourceSha = FileDigest.of(sourceOnnx).sha256();
        if (!recordedSha.isEmpty() && !recordedSha.equals(sourceSha)) {
            throw new VerifyException("the fp32 source " + source + " has model.onnx SHA-256 " + sourceSha + " but "
                    + mf.path() + " was made from SHA-256 " + recordedSha + "; pass --source with the version it was "
                    + "made from");
        }
        if (!sourceManifest.manifest().precisionOrDefault().equals(Manifest.FP32)) {
            throw new VerifyException("the source " + source + " is a " + sourceManifest.manifest().precisionOrDefault()
                    + " version; expected the fp32 version " + mf.path() + " was made from");
        }

        String dataset = m.datasetOrDefault();
        Path dataDir = options.dataDir() != null ? options.dataDir() : TestImages.defaultDir(dataset);
        TestImages test;
        try {
            test = TestImages.load(dataset, dataDir, options.images());
        } catch (DataException e) {
            throw new VerifyException(e.getMessage(), e);
        }
        JsonNode gate = m.optimization() == null ? null : m.optimization().path("gate");
        double maxDrop = gate == null ? GateReport.DEFAULT_MAX_ACCURACY_DROP
                : gate.path("max_accuracy_drop").asDouble(GateReport.DEFAULT_MAX_ACCURACY_DROP);
        double minAgree = gate == null ? GateReport.DEFAULT_MIN_ARGMAX_AGREEMENT
                : gate.path("min_argmax_agreement").asDouble(GateReport.DEFAULT_MIN_ARGMAX_AGREEMENT);
        if (test.count() < test.total()) {
            notes.add("only the first " + test.count() + " of " + test.total() + " test images were compared (--limit)");
        }
        float[] a;
        float[] b;
        LOG.info("comparing {} ({}) with its fp32 source {} on {} {} test images", modelDir, precision, source,
                test.count(), dataset);
        try (OnnxRunner ra = OnnxRunner.open(sourceOnnx, source.resolve(ModelFolder.ONNX).toString());
                OnnxRunner rb = OnnxRunner.open(onnx, modelDir.resolve(ModelFolder.ONNX).toString())) {
            a = ra.logProbs(test.pixels(), test.count(), options.batchSize());
            b = rb.logProbs(test.pixels(), test.count(), options.batchSize());
        } catch (IOException e) {
            throw new VerifyException(e.getMessage(), e);
        } catch (IllegalStateException e) {
            throw new VerifyException(FormatRunner.firstLine(e), e);
        }
        return GateCheck.compare(precision, dataset, test.labels(), test.count(), a, b,
                new GateReport.Reference(source.toString(), sourceManifest.manifest().version(), sourceSha),
                "ONNX Runtime, CPU", maxDrop, minAgree, Map.of(ModelFolder.ONNX, FileDigest.of(onnx).sha256()), notes);
    }

    /** Runs the manifest's self test on {@code onnx}; returns a note or throws naming the worst value. */
    private static String selfTest(Path dir, Manifest m, byte[] onnx) throws VerifyException {
        SelfTest t = m.selfTest();
        if (t == null) {
            throw new VerifyException(dir.resolve(ModelFolder.MANIFEST) + " records no self_test; expected the one "
                    + "glyph optimize records for the version's model.onnx");
        }
        double worst = 0;
        int worstImage = 0;
        int worstClass = 0;
        float got = 0;
        try (OnnxRunner r = OnnxRunner.open(onnx, dir.resolve(ModelFolder.ONNX).toString())) {
            for (int i = 0; i < t.cases().size(); i++) {
                SelfTest.Case c = t.cases().get(i);
                float[] lp = r.logProbs(SelfTest.pixels(c.gray8()), 1, 1);
                for (int k = 0; k < lp.length; k++) {
                    double d = Math.abs((double) lp[k] - c.logProbs()[k]);
                    if (!(d <= worst)) {
                        worst = Double.isNaN(d) ? Double.POSITIVE_INFINITY : d;
                        worstImage = i;
                        worstClass = k;
                        got = lp[k];
                    }
                }
            }
        } catch (IOException e) {
            throw new VerifyException(e.getMessage(), e);
        } catch (IllegalStateException e) {
            throw new VerifyException(FormatRunner.firstLine(e), e);
        }
        if (worst > t.tolerance()) {
            throw new VerifyException(String.format(Locale.ROOT, "self test failed: image %d class %d gives log-prob "
                    + "%s, the manifest recorded %s (|diff| %.3e > tolerance %.1e); this model.onnx or this ONNX "
                    + "Runtime does not compute what optimize recorded", worstImage, worstClass, got,
                    t.cases().get(worstImage).logProbs()[worstClass], worst, t.tolerance()));
        }
        return String.format(Locale.ROOT, "self test passed: %d images, max |diff| %.1e <= %.1e", t.cases().size(),
                worst, t.tolerance());
    }

    /** The fp32 version to compare with. */
    private static Path findSource(Path modelDir, ManifestFile mf, Path given, JsonNode recorded)
            throws VerifyException {
        if (given != null) {
            if (!Files.isDirectory(given)) {
                throw new VerifyException("--source " + given + " does not exist; expected the fp32 version folder "
                        + mf.path() + " was made from");
            }
            return given;
        }
        if (recorded == null || recorded.isMissingNode()) {
            throw new VerifyException(mf.path() + " records no optimization.source; pass --source with the fp32 "
                    + "version it was made from");
        }
        List<Path> tried = new ArrayList<>();
        String dir = recorded.path("dir").asText("");
        if (!dir.isEmpty()) {
            Path p = Path.of(dir);
            tried.add(p);
            if (Files.isDirectory(p)) {
                return p;
            }
        }
        String version = recorded.path("version").asText("");
        Path parent = modelDir.toAbsolutePath().normalize().getParent();
        if (!version.isEmpty() && parent != null) {
            Path p = parent.resolve(version);
            tried.add(p);
            if (Files.isDirectory(p)) {
                return p;
            }
        }
        throw new VerifyException("cannot find the fp32 source of " + modelDir + " (tried " + tried + "); pass "
                + "--source with the fp32 version it was made from");
    }
}
