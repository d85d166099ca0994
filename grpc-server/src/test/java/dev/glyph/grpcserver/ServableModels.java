package dev.glyph.grpcserver;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glyph.inferencesdk.DigitClassifier;
import dev.glyph.inferencesdk.DigitImage;
import dev.glyph.inferencesdk.Options;
import dev.glyph.inferencesdk.Prediction;
import dev.glyph.modelformat.AtomicFiles;
import dev.glyph.modelformat.ModelFolder;
import dev.glyph.testfixtures.TestModels;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Model folders the load gate accepts: {@link TestModels#folder(Path, long)} plus the manifest's
 * {@code self_test} (the exported session's log-probabilities for fixed images, as export records them),
 * computed here with the SDK on the very model.onnx. There is no parity.json, so servers over these
 * folders need {@code allowUnverified(true)}.
 *
 * <p>TEMPORARY until the export branch's fixtures record {@code self_test} themselves; then this
 * becomes {@code TestModels.folder}. Thread-safety: stateless.
 */
final class ServableModels {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ServableModels() {
    }

    /** Writes a model folder for the weights of {@code seed} with a self_test of 4 images. */
    static Path folder(Path dir, long seed) throws Exception {
        TestModels.folder(dir, seed);
        Path manifest = dir.resolve(ModelFolder.MANIFEST);
        ObjectNode m = (ObjectNode) JSON.readTree(Files.readString(manifest, StandardCharsets.UTF_8));
        if (m.has("self_test")) {
            return dir;
        }
        List<byte[]> images = TestModels.gray8Images(4, seed);
        List<DigitImage> ds = new ArrayList<>();
        for (byte[] b : images) {
            ds.add(DigitImage.ofGray8(b));
        }
        List<Prediction> ps;
        try (DigitClassifier c = DigitClassifier.open(dir, Options.defaults().intraOpThreads(1))) {
            ps = c.classifyBatch(ds);
        }
        ObjectNode t = m.putObject("self_test");
        t.put("tolerance", 1e-4);
        ArrayNode arr = t.putArray("images");
        for (int i = 0; i < images.size(); i++) {
            ObjectNode c = arr.addObject();
            c.put("gray8_base64", Base64.getEncoder().encodeToString(images.get(i)));
            ArrayNode lp = c.putArray("log_probs");
            for (float v : ps.get(i).logProbabilities()) {
                lp.add(v);
            }
        }
        AtomicFiles.write(manifest, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(m));
        return dir;
    }

    /** Predictions the SDK gives for {@code images} straight from the folder (no server). */
    static List<Prediction> expected(Path dir, List<DigitImage> images) throws IOException {
        try (DigitClassifier c = DigitClassifier.open(dir, Options.defaults().intraOpThreads(1))) {
            return c.classifyBatch(images);
        } catch (dev.glyph.inferencesdk.ModelLoadException e) {
            throw new IOException(e);
        }
    }
}
