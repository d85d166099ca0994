package dev.glyph.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glyph.modelformat.ModelFolder;
import dev.glyph.modelformat.Sha256;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A failed export leaves nothing behind; existing folders are refused or, with force, replaced whole. */
class ExportAtomicityTest {

    @TempDir
    Path tmp;

    private static ExportOptions opts() {
        return ExportOptions.defaults().withDataDir(ExportFixtures.DATA);
    }

    /** Entries of {@code dir}, or an empty list if it does not exist. */
    private static List<String> entries(Path dir) throws IOException {
        return Files.isDirectory(dir) ? ModelFolder.list(dir) : List.of();
    }

    @Test
    void export_parityFails_throwsWithReportAndLeavesNothing() throws Exception {
        Path out = tmp.resolve("models").resolve("mnist").resolve("1");
        // A zero tolerance cannot hold between libtorch and ONNX Runtime, so the check fails after both files
        // were written into the staging folder.
        ExportException e = assertThrows(ExportException.class,
                () -> Exporter.export(ExportFixtures.run(), out, opts().withTolerance(0).withParityImages(100)));
        System.out.println("export: " + e.getMessage());
        assertNotNull(e.parity());
        assertFalse(e.parity().passed());
        assertTrue(e.getMessage().contains("test image " + e.parity().firstDivergence().index()), e.getMessage());
        assertTrue(e.getMessage().contains(e.parity().firstDivergence().first() + " vs "
                + e.parity().firstDivergence().second()), e.getMessage());
        assertFalse(Files.exists(out), "no model folder after a failed export");
        assertEquals(List.of(), entries(out.getParent()), "no staging folder left behind");
    }

    @Test
    void export_existingNonEmptyTarget_refusedWithoutForceAndUnchanged() throws Exception {
        Path out = tmp.resolve("mnist").resolve("2");
        Files.createDirectories(out);
        Files.writeString(out.resolve("model.onnx"), "older model");
        ExportException e = assertThrows(ExportException.class, () -> Exporter.export(ExportFixtures.run(), out, opts()));
        assertTrue(e.getMessage().contains("already exists") && e.getMessage().contains("--force"), e.getMessage());
        assertEquals(List.of("model.onnx"), entries(out));
        assertEquals("older model", Files.readString(out.resolve("model.onnx")));
        assertEquals(List.of("2"), entries(out.getParent()));
    }

    @Test
    void export_force_replacesTheWholeFolderAndUsesTheGivenName() throws Exception {
        Path out = ExportFixtures.copyModel(tmp.resolve("models").resolve("digits").resolve("7"));
        Files.writeString(out.resolve("parity.json"), "{\"stale\": true}");
        String oldCreated = new ObjectMapper().readTree(Files.readString(out.resolve("manifest.json")))
                .get("name").asText();
        assertEquals("mnist", oldCreated);

        ExportResult r = Exporter.export(ExportFixtures.run(), out, opts().withForce(true).withName("digits-v")
                .withParityImages(200));

        assertEquals(List.of("manifest.json", "model.onnx", "model.pt"), entries(out), "stale parity.json removed");
        assertEquals(List.of("7", "config.pbtxt"), entries(out.getParent()), "no staging or parked folder left");
        assertEquals(out.getParent().resolve("config.pbtxt"), r.tritonConfig());
        JsonNode m = new ObjectMapper().readTree(Files.readString(out.resolve("manifest.json")));
        assertEquals("digits-v", m.get("name").asText());
        assertEquals("7", m.get("version").asText());
        assertEquals(200, m.get("parity").get("images").asInt());
        assertEquals("digits-v", r.name());
        assertEquals(Sha256.hex(out.resolve("model.pt")), r.files().get("model.pt").sha256());
        // Same weights and metadata except name/version: model.pt is byte-identical, model.onnx is not.
        assertEquals(ExportFixtures.export().files().get("model.pt"), r.files().get("model.pt"));
    }

    @Test
    void export_forceOnFolderWithForeignFiles_refusesAndKeepsEverything() throws Exception {
        Path out = tmp.resolve("precious");
        Files.createDirectories(out.resolve("sub"));
        Files.writeString(out.resolve("thesis.tex"), "do not delete");
        ExportException e = assertThrows(ExportException.class,
                () -> Exporter.export(ExportFixtures.run(), out, opts().withForce(true)));
        assertTrue(e.getMessage().contains("refusing to replace it even with --force"), e.getMessage());
        assertEquals(List.of("sub", "thesis.tex"), entries(out));
    }

    @Test
    void export_targetIsAFile_refused() throws Exception {
        Path out = tmp.resolve("file");
        Files.writeString(out, "x");
        ExportException e = assertThrows(ExportException.class,
                () -> Exporter.export(ExportFixtures.run(), out, opts().withForce(true)));
        assertTrue(e.getMessage().contains("not a folder"), e.getMessage());
        assertEquals("x", Files.readString(out));
    }

    @Test
    void export_missingRunFolder_clearMessageAndNothingWritten() {
        Path out = tmp.resolve("models").resolve("mnist").resolve("1");
        ExportException e = assertThrows(ExportException.class,
                () -> Exporter.export(tmp.resolve("runs").resolve("none"), out, opts()));
        assertTrue(e.getMessage().contains("does not exist") && e.getMessage().contains("glyph train"),
                e.getMessage());
        assertFalse(Files.exists(out));
    }

    @Test
    void export_corruptCheckpoint_clearMessageAndNothingWritten() throws Exception {
        Path run = tmp.resolve("run");
        copyTree(ExportFixtures.run(), run);
        Path ckpt;
        try (var s = Files.list(run.resolve("checkpoint"))) {
            ckpt = s.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().startsWith("."))
                    .findFirst().orElseThrow();
        }
        byte[] b = Files.readAllBytes(ckpt);
        Files.write(ckpt, Arrays.copyOf(b, b.length / 2));
        Path out = tmp.resolve("models").resolve("mnist").resolve("1");
        ExportException e = assertThrows(ExportException.class, () -> Exporter.export(run, out, opts()));
        System.out.println("export of a truncated checkpoint: " + e.getMessage());
        assertTrue(e.getMessage().contains(ckpt.getFileName().toString()) || e.getMessage().contains("checkpoint"),
                e.getMessage());
        assertFalse(Files.exists(out));
        assertNull(e.parity());
    }

    @Test
    void export_runWithoutProvenance_clearMessage() throws Exception {
        Path run = tmp.resolve("run");
        copyTree(ExportFixtures.run(), run);
        Files.delete(run.resolve("provenance.json"));
        ExportException e = assertThrows(ExportException.class,
                () -> Exporter.export(run, tmp.resolve("m").resolve("1"), opts()));
        assertTrue(e.getMessage().contains("provenance.json"), e.getMessage());
    }

    @Test
    void export_missingDataFolder_saysPassDataOrFetch() {
        Path out = tmp.resolve("models").resolve("mnist").resolve("1");
        ExportException e = assertThrows(ExportException.class, () -> Exporter.export(ExportFixtures.run(), out,
                opts().withDataDir(tmp.resolve("no-data"))));
        assertTrue(e.getMessage().contains("--data") && e.getMessage().contains("./glyph fetch"), e.getMessage());
        assertFalse(Files.exists(out));
    }

    @Test
    void export_moreParityImagesThanTestImages_illegalArgument() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Exporter.export(
                ExportFixtures.run(), tmp.resolve("m").resolve("1"), opts().withParityImages(10_001)));
        assertTrue(e.getMessage().contains("10001"), e.getMessage());
    }

    @Test
    void options_invalidValues_illegalArgumentNamingTheOption() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> opts().withParityImages(0)).getMessage()
                .contains("--parity-images"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> opts().withName("a/b")).getMessage()
                .contains("--name"));
        assertThrows(IllegalArgumentException.class, () -> opts().withTolerance(1e-3));
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (var s = Files.walk(from)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Path dst = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(dst);
                } else {
                    Files.copy(p, dst);
                }
            }
        }
    }
}
