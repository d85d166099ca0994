package dev.glyph.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glyph.modelformat.ModelFolder;
import dev.glyph.modelformat.Sha256;
import dev.glyph.exporter.internal.OnnxRunner;
import dev.glyph.exporter.internal.TorchScriptRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damaged model folders: the hash check catches changed files before anything is loaded, and the loaders turn
 * engine failures into one-line messages when a damaged file does reach them.
 */
class VerifyCorruptionTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private Path copy() throws Exception {
        return ExportFixtures.copyModel(tmp.resolve("mnist").resolve("1"));
    }

    private static String manifestSha(Path model, String file) throws IOException {
        return JSON.readTree(Files.readString(model.resolve("manifest.json"))).get("files").get(file).get("sha256")
                .asText();
    }

    private VerifyException verifyFails(Path model) {
        VerifyException e = assertThrows(VerifyException.class, () -> Verifier.verify(model,
                VerifyOptions.defaults().withDataDir(ExportFixtures.DATA).withRunDir(ExportFixtures.run())));
        System.out.println("verify: " + e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one-line message: " + e.getMessage());
        assertFalse(Files.exists(model.resolve("parity.json")), "no report for a folder that failed the hash check");
        return e;
    }

    private static void assertNamesFileAndHashes(VerifyException e, String file, String expected, String actual) {
        String m = e.getMessage();
        assertTrue(m.startsWith(file), m);
        assertTrue(m.contains("expected SHA-256 " + expected), m);
        assertTrue(m.contains("found SHA-256 " + actual), m);
    }

    @Test
    void verify_truncatedModelPt_failsNamingFileAndBothHashes() throws Exception {
        Path model = copy();
        Path pt = model.resolve("model.pt");
        byte[] b = Files.readAllBytes(pt);
        Files.write(pt, Arrays.copyOf(b, b.length / 2));
        VerifyException e = verifyFails(model);
        assertNamesFileAndHashes(e, "model.pt", manifestSha(model, "model.pt"), Sha256.hex(pt));
        assertTrue(e.getMessage().contains(b.length + " bytes") && e.getMessage().contains(b.length / 2 + " bytes"),
                e.getMessage());
    }

    @Test
    void verify_flippedByteInModelOnnx_failsNamingFileAndBothHashes() throws Exception {
        Path model = copy();
        Path onnx = model.resolve("model.onnx");
        byte[] b = Files.readAllBytes(onnx);
        b[b.length / 2] ^= 0x01; // inside a weight: ONNX Runtime would still load it
        Files.write(onnx, b);
        VerifyException e = verifyFails(model);
        assertNamesFileAndHashes(e, "model.onnx", manifestSha(model, "model.onnx"), Sha256.hex(onnx));
    }

    @Test
    void verify_wrongHashInManifest_failsNamingFileAndBothHashes() throws Exception {
        Path model = copy();
        ObjectNode m = (ObjectNode) JSON.readTree(Files.readString(model.resolve("manifest.json")));
        String wrong = "0123456789abcdef".repeat(4);
        ((ObjectNode) m.get("files").get("model.pt")).put("sha256", wrong);
        Files.writeString(model.resolve("manifest.json"), JSON.writeValueAsString(m));
        VerifyException e = verifyFails(model);
        assertNamesFileAndHashes(e, "model.pt", wrong, Sha256.hex(model.resolve("model.pt")));
    }

    @Test
    void verify_missingModelOnnx_failsNamingFile() throws Exception {
        Path model = copy();
        Files.delete(model.resolve("model.onnx"));
        VerifyException e = verifyFails(model);
        assertTrue(e.getMessage().startsWith("model.onnx is listed") && e.getMessage().contains("missing"),
                e.getMessage());
    }

    @Test
    void verify_missingManifest_saysWhatIsExpected() throws Exception {
        Path model = copy();
        Files.delete(model.resolve("manifest.json"));
        VerifyException e = verifyFails(model);
        assertTrue(e.getMessage().contains("has no manifest.json"), e.getMessage());
    }

    @Test
    void verify_manifestNotJson_saysSo() throws Exception {
        Path model = copy();
        Files.writeString(model.resolve("manifest.json"), "{\"format_version\": 1, \"files\": ");
        VerifyException e = verifyFails(model);
        assertTrue(e.getMessage().contains("manifest.json is not valid JSON"), e.getMessage());
    }

    @Test
    void verify_missingModelFolder_saysWhatIsExpected() {
        VerifyException e = verifyFails(tmp.resolve("nope"));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }

    @Test
    void verify_truncatedModelPtWithMatchingManifest_loaderFailureIsOneClearLine() throws Exception {
        Path model = copy();
        Path pt = model.resolve("model.pt");
        byte[] b = Files.readAllBytes(pt);
        Files.write(pt, Arrays.copyOf(b, b.length - 100));
        rehash(model, "model.pt");
        VerifyException e = verifyFails(model);
        assertTrue(e.getMessage().contains("model.pt") && e.getMessage().contains("cannot load it as a TorchScript"),
                e.getMessage());
    }

    @Test
    void verify_garbageModelOnnxWithMatchingManifest_failsBeforeAnyEngine() throws Exception {
        Path model = copy();
        Path onnx = model.resolve("model.onnx");
        Files.write(onnx, "this is not a protobuf message at all".getBytes());
        rehash(model, "model.onnx");
        VerifyException e = verifyFails(model);
        assertTrue(e.getMessage().contains("model.onnx") && e.getMessage().contains("not"), e.getMessage());
    }

    @Test
    void open_truncatedFiles_runnersThrowIoExceptionNamingTheFile() throws Exception {
        Path model = copy();
        Path pt = model.resolve("model.pt");
        byte[] b = Files.readAllBytes(pt);
        Files.write(pt, Arrays.copyOf(b, b.length / 3));
        IOException ts = assertThrows(IOException.class, () -> TorchScriptRunner.open(pt));
        System.out.println("TorchScriptRunner: " + ts.getMessage());
        assertTrue(ts.getMessage().startsWith(pt.toString()), ts.getMessage());
        assertFalse(ts.getMessage().contains("\n"), ts.getMessage());

        Path onnx = model.resolve("model.onnx");
        byte[] o = Files.readAllBytes(onnx);
        Files.write(onnx, Arrays.copyOf(o, 1000));
        IOException ort = assertThrows(IOException.class, () -> OnnxRunner.open(onnx));
        System.out.println("OnnxRunner: " + ort.getMessage());
        assertTrue(ort.getMessage().startsWith(onnx.toString()), ort.getMessage());
        assertFalse(ort.getMessage().contains("\n"), ort.getMessage());
    }

    @Test
    void checkFiles_intactCopy_returnsTheManifestDigests() throws Exception {
        Path model = copy();
        var files = Verifier.checkFiles(model);
        assertEquals(Sha256.hex(model.resolve("model.onnx")), files.get("model.onnx").sha256());
        assertEquals(Files.size(model.resolve("model.pt")), files.get("model.pt").size());
    }

    private static void rehash(Path model, String file) throws IOException {
        ObjectNode m = (ObjectNode) JSON.readTree(Files.readString(model.resolve("manifest.json")));
        ((ObjectNode) m.get("files").get(file)).put("sha256", Sha256.hex(model.resolve(file)))
                .put("size", Files.size(model.resolve(file)));
        Files.writeString(model.resolve("manifest.json"), JSON.writeValueAsString(m));
    }
}
