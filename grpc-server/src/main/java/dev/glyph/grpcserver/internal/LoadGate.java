package dev.glyph.grpcserver.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glyph.inferencesdk.DigitImage;
import dev.glyph.inferencesdk.Prediction;
import dev.glyph.modelformat.FileDigest;
import dev.glyph.modelformat.ManifestFile;
import dev.glyph.modelformat.ModelFolder;
import dev.glyph.modelformat.ModelFormatException;
import dev.glyph.modelformat.SelfTest;
import dev.glyph.modelformat.Sha256;
import dev.glyph.onnxschema.ModelProto;
import dev.glyph.onnxschema.TensorShapeProto;
import dev.glyph.onnxschema.ValueInfoProto;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a model version must pass before it takes traffic, in order:
 * <ol>
 * <li><b>hashes</b>: every file manifest.json lists has its recorded size and SHA-256;</li>
 * <li><b>onnx</b>: model.onnx parses as an ONNX ModelProto whose graph has the float input
 *     {@code image [N,1,28,28]} and the output {@code log_probs [N,10]};</li>
 * <li><b>parity</b>: parity.json (written by {@code glyph verify}) says {@code passed: true} for this very
 *     model.onnx (its SHA-256 matches the manifest's); skipped, with a warning in the index, when the server
 *     allows unverified models;</li>
 * <li><b>self_test</b> (after the session is open and warmed up): the session reproduces the log-probabilities
 *     the manifest recorded at export for its fixed images, within the recorded tolerance.</li>
 * </ol>
 * A failure is a {@link GateException} naming the check and what was found.
 *
 * <p>Thread-safety: stateless.
 */
public final class LoadGate {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The gate checks' names, as reported in the index, logs and metrics. */
    public static final String HASHES = "hashes";
    public static final String ONNX = "onnx";
    public static final String PARITY = "parity";
    public static final String SELF_TEST = "self_test";

    private LoadGate() {
    }

    /** A model version failed a gate check. */
    public static final class GateException extends Exception {
        private static final long serialVersionUID = 1L;
        private final String check;

        public GateException(String check, String message, Throwable cause) {
            super(check + " check failed: " + message, cause);
            this.check = check;
        }

        /** Returns the check that failed. */
        public String check() {
            return check;
        }
    }

    /** What the file checks found: the manifest, a fingerprint of the folder, and whether parity was proven. */
    public record Checked(ManifestFile manifest, String fingerprint, boolean parityProven) {
    }

    /**
     * Runs the file checks (hashes, onnx, parity) on {@code dir}.
     *
     * @param requireParity whether a missing parity.json fails the gate (a failing one always does)
     */
    public static Checked checkFiles(Path dir, boolean requireParity) throws GateException {
        ManifestFile mf;
        try {
            mf = ManifestFile.read(dir);
            ModelFolder.verifyFiles(dir, mf, ModelFolder.ONNX);
        } catch (ModelFormatException e) {
            throw new GateException(HASHES, e.getMessage(), e);
        }
        FileDigest onnx = mf.manifest().files().get(ModelFolder.ONNX);
        checkOnnx(dir.resolve(ModelFolder.ONNX));
        String parityText = null;
        try {
            parityText = Files.readString(dir.resolve(ModelFolder.PARITY), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            if (requireParity) {
                throw new GateException(PARITY, dir.resolve(ModelFolder.PARITY) + " does not exist; run `glyph verify --model "
                        + dir + "` to prove the export (or start the server with --allow-unverified)", null);
            }
        } catch (IOException e) {
            throw new GateException(PARITY, "cannot read " + dir.resolve(ModelFolder.PARITY) + ": " + e.getMessage(), e);
        }
        if (parityText != null) {
            checkParity(dir.resolve(ModelFolder.PARITY), parityText, onnx);
        }
        String fingerprint = digest(mf.text(), parityText == null ? "" : parityText);
        return new Checked(mf, fingerprint, parityText != null);
    }

    /** Returns the folder's fingerprint without checking it (to notice a changed folder cheaply). */
    public static String fingerprint(Path dir) throws IOException {
        String m = Files.readString(dir.resolve(ModelFolder.MANIFEST), StandardCharsets.UTF_8);
        String p;
        try {
            p = Files.readString(dir.resolve(ModelFolder.PARITY), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            p = "";
        }
        return digest(m, p);
    }

    private static String digest(String manifest, String parity) {
        byte[] b = (manifest + "\n--parity--\n" + parity).getBytes(StandardCharsets.UTF_8);
        return Sha256.hex(Sha256.digest(b, 0, b.length));
    }

    private static void checkOnnx(Path file) throws GateException {
        ModelProto m;
        try {
            m = ModelProto.parseFrom(Files.readAllBytes(file));
        } catch (InvalidProtocolBufferException e) {
            throw new GateException(ONNX, file + " is not an ONNX ModelProto: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new GateException(ONNX, "cannot read " + file + ": " + e.getMessage(), e);
        }
        if (!m.hasGraph() || m.getOpsetImportCount() == 0) {
            throw new GateException(ONNX, file + " has " + (m.hasGraph() ? "no opset import" : "no graph")
                    + "; expected a graph and an opset", null);
        }
        expect(file, m.getGraph().getInputList(), "input", "image", new long[] {-1, 1, 28, 28});
        expect(file, m.getGraph().getOutputList(), "output", "log_probs", new long[] {-1, 10});
    }

    private static void expect(Path file, List<ValueInfoProto> values, String kind, String name, long[] dims)
            throws GateException {
        List<String> names = new ArrayList<>();
        for (ValueInfoProto v : values) {
            names.add(v.getName());
            if (!v.getName().equals(name)) {
                continue;
            }
            if (!v.getType().hasTensorType() || v.getType().getTensorType().getElemType() != 1) {
                throw new GateException(ONNX, file + ": " + kind + " '" + name + "' is not a float tensor; expected float32", null);
            }
            TensorShapeProto shape = v.getType().getTensorType().getShape();
            List<String> found = new ArrayList<>();
            boolean ok = shape.getDimCount() == dims.length;
            for (int i = 0; i < shape.getDimCount(); i++) {
                TensorShapeProto.Dimension d = shape.getDim(i);
                found.add(d.hasDimValue() ? Long.toString(d.getDimValue()) : d.getDimParam().isEmpty() ? "?" : d.getDimParam());
                if (ok && dims[i] >= 0 && !(d.hasDimValue() && d.getDimValue() == dims[i])) {
                    ok = false;
                }
            }
            if (!ok) {
                throw new GateException(ONNX, file + ": " + kind + " '" + name + "' has shape " + found + "; expected "
                        + java.util.Arrays.toString(dims).replace("-1", "N"), null);
            }
            return;
        }
        throw new GateException(ONNX, file + " has " + kind + "s " + names + "; expected '" + name + "'", null);
    }

    private static void checkParity(Path file, String text, FileDigest onnx) throws GateException {
        JsonNode j;
        try {
            j = JSON.readTree(text);
        } catch (IOException e) {
            throw new GateException(PARITY, file + " is not JSON: " + e.getMessage(), e);
        }
        if (j == null || !j.path("passed").isBoolean()) {
            throw new GateException(PARITY, file + " has no boolean 'passed'; expected a report written by glyph verify", null);
        }
        if (!j.path("passed").asBoolean()) {
            throw new GateException(PARITY, file + " says the export FAILED its parity check"
                    + (j.hasNonNull("first_divergence") ? " (first divergence: " + j.get("first_divergence") + ")" : "")
                    + "; fix the export and run glyph verify again", null);
        }
        String checked = j.path("files").path(ModelFolder.ONNX).asText("");
        if (!checked.equalsIgnoreCase(onnx.sha256())) {
            throw new GateException(PARITY, file + " proves model.onnx with SHA-256 " + (checked.isEmpty() ? "(none)" : checked)
                    + " but this model.onnx has SHA-256 " + onnx.sha256() + "; run glyph verify on this export", null);
        }
    }

    /**
     * Runs the manifest's self-test through {@code runtime}'s session: the recorded images must give the
     * recorded log-probabilities within the recorded tolerance.
     */
    public static void selfTest(ModelRuntime runtime, ManifestFile mf) throws GateException {
        SelfTest t = mf.manifest().selfTest();
        if (t == null || t.cases().isEmpty()) {
            throw new GateException(SELF_TEST, mf.path() + " records no self_test; re-export the model with this"
                    + " version of glyph export, which records the exported model's outputs for fixed images", null);
        }
        List<DigitImage> images = new ArrayList<>();
        for (SelfTest.Case c : t.cases()) {
            images.add(DigitImage.ofGray8(c.gray8()));
        }
        List<Prediction> got;
        try {
            got = runtime.classifier().classifyBatch(images);
        } catch (RuntimeException e) {
            throw new GateException(SELF_TEST, "the session failed on the self-test images: " + e.getMessage(), e);
        }
        double worst = 0;
        int worstImage = -1;
        int worstClass = -1;
        for (int i = 0; i < images.size(); i++) {
            float[] want = t.cases().get(i).logProbs();
            float[] have = got.get(i).logProbabilities();
            for (int k = 0; k < want.length; k++) {
                double d = Math.abs((double) want[k] - have[k]);
                if (!(d <= worst)) {
                    worst = Double.isNaN(d) ? Double.POSITIVE_INFINITY : d;
                    worstImage = i;
                    worstClass = k;
                }
            }
        }
        if (worst > t.tolerance()) {
            throw new GateException(SELF_TEST, "self-test image " + worstImage + " class " + worstClass + ": log-prob "
                    + got.get(worstImage).logProbabilities()[worstClass] + ", the manifest recorded "
                    + t.cases().get(worstImage).logProbs()[worstClass] + " (|diff| " + worst + " > tolerance " + t.tolerance()
                    + "); this session does not compute what was exported", null);
        }
    }
}
