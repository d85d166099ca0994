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
import java.util.function.IntUnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
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

    /** Verifies the damaged {@code model}, expecting a failure whose message contains every one of {@code parts}. */
    private String verifyFailsMentioning(Path model, String... parts) {
        String m = verifyFails(model).getMessage();
        for (String p : parts) {
            assertTrue(m.contains(p), "message lacks '" + p + "': " + m);
        }
        return m;
    }

    /** Cuts {@code file} down to {@code newLength.applyAsInt(its length)} bytes and returns its former length. */
    private static int truncate(Path file, IntUnaryOperator newLength) throws IOException {
        byte[] b = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(b, newLength.applyAsInt(b.length)));
        return b.length;
    }

    /** {@code open} must throw an IOException with a one-line message that starts with {@code file}. */
    private static void assertOpenFailsNaming(String runner, Path file, Executable open) {
        IOException e = assertThrows(IOException.class, open);
        System.out.println(runner + ": " + e.getMessage());
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
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
        int length = truncate(pt, n -> n / 2);
        VerifyException e = verifyFails(model);
        assertNamesFileAndHashes(e, "model.pt", manifestSha(model, "model.pt"), Sha256.hex(pt));
        assertTrue(e.getMessage().contains(length + " bytes") && e.getMessage().contains(length / 2 + " bytes"),
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
        String m = verifyFailsMentioning(model, "missing");
        assertTrue(m.startsWith("model.onnx is listed"), m);
    }

    @Test
    void verify_missingManifest_saysWhatIsExpected() throws Exception {
        Path model = copy();
        Files.delete(model.resolve("manifest.json"));
        verifyFailsMentioning(model, "has no manifest.json");
    }

    @Test
    void verify_manifestNotJson_saysSo() throws Exception {
        Path model = copy();
        Files.writeString(model.resolve("manifest.json"), "{\"format_version\": 1, \"files\": ");
        verifyFailsMentioning(model, "manifest.json is not valid JSON");
    }

    @Test
    void verify_missingModelFolder_saysWhatIsExpected() {
        verifyFailsMentioning(tmp.resolve("nope"), "does not exist");
    }

    @Test
    void verify_truncatedModelPtWithMatchingManifest_loaderFailureIsOneClearLine() throws Exception {
        Path model = copy();
        truncate(model.resolve("model.pt"), n -> n - 100);
        rehashThenVerifyFailsNaming(model, "model.pt", "cannot load it as a TorchScript");
    }

    @Test
    void verify_garbageModelOnnxWithMatchingManifest_failsBeforeAnyEngine() throws Exception {
        Path model = copy();
        Files.write(model.resolve("model.onnx"), "this is not a protobuf message at all".getBytes());
        rehashThenVerifyFailsNaming(model, "model.onnx", "not");
    }

    @Test
    void open_truncatedFiles_runnersThrowIoExceptionNamingTheFile() throws Exception {
        Path model = copy();
        Path pt = model.resolve("model.pt");
        truncate(pt, n -> n / 3);
        assertOpenFailsNaming("TorchScriptRunner", pt, () -> TorchScriptRunner.open(pt));

        Path onnx = model.resolve("model.onnx");
        truncate(onnx, n -> 1000);
        assertOpenFailsNaming("OnnxRunner", onnx, () -> OnnxRunner.open(onnx));
    }

    @Test
    void checkFiles_intactCopy_returnsTheManifestDigests() throws Exception {
        Path model = copy();
        var files = Verifier.checkFiles(model);
        assertEquals(Sha256.hex(model.resolve("model.onnx")), files.get("model.onnx").sha256());
        assertEquals(Files.size(model.resolve("model.pt")), files.get("model.pt").size());
    }

    /**
     * Puts the damaged {@code file}'s real hash and size into the manifest, so that the damage gets past the hash
     * check, and expects verify to fail with a message naming {@code file} and containing {@code part}.
     */
    private void rehashThenVerifyFailsNaming(Path model, String file, String part) throws IOException {
        rehash(model, file);
        verifyFailsMentioning(model, file, part);
    }

    private static void rehash(Path model, String file) throws IOException {
        ObjectNode m = (ObjectNode) JSON.readTree(Files.readString(model.resolve("manifest.json")));
        ((ObjectNode) m.get("files").get(file)).put("sha256", Sha256.hex(model.resolve(file)))
                .put("size", Files.size(model.resolve(file)));
        Files.writeString(model.resolve("manifest.json"), JSON.writeValueAsString(m));
    }
}
