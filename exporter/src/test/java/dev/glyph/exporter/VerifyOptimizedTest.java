package dev.glyph.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glyph.modelformat.ManifestFile;
import dev.glyph.modelformat.ModelFolder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Verifier#check} on optimised versions: the int8-versus-fp32 gate instead of 1e-4 parity. */
class VerifyOptimizedTest {

    @TempDir
    Path tmp;

    /** A copy of the shared int8 version as {@code <tmp>/models/mnist/2}, next to a copy of its fp32 source as 1. */
    private Path copyRepository() throws Exception {
        Path v1 = ExportFixtures.copyModel(tmp.resolve("models/mnist/1"));
        Path v2 = Files.createDirectories(tmp.resolve("models/mnist/2"));
        Path src = OptimizeFixtures.int8().dir();
        for (String f : ModelFolder.list(src)) {
            Files.copy(src.resolve(f), v2.resolve(f));
        }
        Files.deleteIfExists(v2.resolve(ModelFolder.PARITY));
        return v1.getParent();
    }

    @Test
    void check_int8Version_gateInsteadOfParityAndParityJsonTheLoadGateReads() throws Exception {
        Path v2 = OptimizeFixtures.int8().dir();
        VerificationReport r = Verifier.check(v2, VerifyOptions.defaults().withDataDir(ExportFixtures.DATA));
        GateReport g = assertInstanceOf(GateReport.class, r);
        System.out.print(g.table());
        assertTrue(g.passed(), g.table());
        assertEquals(10000, g.images());
        assertEquals(OptimizeFixtures.int8().gate().flips(), g.flips(), "verify recomputes what optimize recorded");
        assertTrue(g.notes().get(0).startsWith("self test passed"), g.notes().toString());
        JsonNode parity = new ObjectMapper().readTree(Files.readString(v2.resolve(ModelFolder.PARITY)));
        // what grpc-server's LoadGate checks: a boolean passed, and files["model.onnx"] = the manifest's SHA-256
        assertTrue(parity.path("passed").isBoolean() && parity.path("passed").asBoolean());
        assertEquals(ManifestFile.read(v2).manifest().files().get(ModelFolder.ONNX).sha256(),
                parity.path("files").path(ModelFolder.ONNX).asText());
        assertEquals("int8 vs fp32", parity.path("kind").asText());
        assertEquals(g.candidateResult().accuracy(), parity.path("formats").get(1).path("accuracy").asDouble());
    }

    @Test
    void check_sourceFoundAsSiblingWhenTheRecordedPathIsGone() throws Exception {
        Path repo = copyRepository();
        // the recorded source dir is the fixture's absolute path; point it somewhere that does not exist
        Path manifest = repo.resolve("2").resolve(ModelFolder.MANIFEST);
        ObjectNode m = (ObjectNode) new ObjectMapper().readTree(Files.readString(manifest));
        ((ObjectNode) m.path("optimization").path("source")).put("dir", tmp.resolve("gone/1").toString());
        Files.writeString(manifest, m.toString());
        GateReport g = (GateReport) Verifier.check(repo.resolve("2"), VerifyOptions.defaults()
                .withDataDir(ExportFixtures.DATA).withImages(100).withWriteReport(false));
        assertEquals(100, g.images());
        assertEquals(repo.resolve("1").toAbsolutePath().normalize().toString(), g.reference().dir());
    }

    @Test
    void check_sourceWithAnotherModelOnnx_failsNamingBothHashes() throws Exception {
        Path repo = copyRepository();
        Path other = Files.createDirectories(tmp.resolve("other/1"));
        // a different fp32 folder: version 1's files with a rewritten model.onnx and a manifest matching it
        byte[] onnx = ModelFiles.onnxBytes(OnnxTestSupport.randomWeights(3), java.util.Map.of());
        Files.write(other.resolve(ModelFolder.ONNX), onnx);
        ModelFiles.manifest("mnist", "1", "mnist").file(ModelFolder.ONNX, dev.glyph.modelformat.FileDigest.of(onnx))
                .build().write(other);
        VerifyException e = assertThrows(VerifyException.class, () -> Verifier.check(repo.resolve("2"),
                VerifyOptions.defaults().withDataDir(ExportFixtures.DATA).withSourceDir(other).withImages(100)));
        assertTrue(e.getMessage().contains("has model.onnx SHA-256 " + dev.glyph.modelformat.Sha256.hex(onnx))
                && e.getMessage().contains("was made from SHA-256"), e.getMessage());
    }

    @Test
    void check_selfTestRecordedWrong_failsNamingImageAndClass() throws Exception {
        Path repo = copyRepository();
        Path manifest = repo.resolve("2").resolve(ModelFolder.MANIFEST);
        ObjectNode m = (ObjectNode) new ObjectMapper().readTree(Files.readString(manifest));
        ArrayNode lp = (ArrayNode) m.path("self_test").path("images").get(2).path("log_probs");
        lp.set(4, lp.get(4).asDouble() + 0.01);
        Files.writeString(manifest, m.toString());
        VerifyException e = assertThrows(VerifyException.class, () -> Verifier.check(repo.resolve("2"),
                VerifyOptions.defaults().withDataDir(ExportFixtures.DATA).withImages(100)));
        assertTrue(e.getMessage().startsWith("self test failed: image 2 class 4"), e.getMessage());
    }

    @Test
    void check_int8ModelOnnxChanged_hashFailureBeforeAnythingRuns() throws Exception {
        Path repo = copyRepository();
        Path onnx = repo.resolve("2").resolve(ModelFolder.ONNX);
        byte[] b = Files.readAllBytes(onnx);
        b[b.length - 10] ^= 1;
        Files.write(onnx, b);
        VerifyException e = assertThrows(VerifyException.class, () -> Verifier.check(repo.resolve("2"),
                VerifyOptions.defaults().withDataDir(ExportFixtures.DATA)));
        assertTrue(e.getMessage().contains("model.onnx does not match") && e.getMessage().contains("expected SHA-256"),
                e.getMessage());
    }

    @Test
    void verify_int8Version_refusedPointingToCheck() throws Exception {
        VerifyException e = assertThrows(VerifyException.class, () -> Verifier.verify(OptimizeFixtures.int8().dir(),
                VerifyOptions.defaults().withDataDir(ExportFixtures.DATA)));
        assertTrue(e.getMessage().contains("int8 version") && e.getMessage().contains("Verifier.check"), e.getMessage());
    }
}
