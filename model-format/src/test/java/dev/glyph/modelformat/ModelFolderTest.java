package dev.glyph.modelformat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelFolderTest {

    @TempDir
    Path tmp;
    Path dir;

    @BeforeEach
    void setUp() throws Exception {
        dir = Files.createDirectories(tmp.resolve("models/mnist/1"));
        Files.write(dir.resolve(ModelFolder.ONNX), ManifestTest.ONNX);
        ManifestTest.sample().write(dir);
    }

    @Test
    void readVerified_intactFile_returnsItsBytes() throws Exception {
        byte[] b = ModelFolder.readVerified(dir, ManifestFile.read(dir), ModelFolder.ONNX);
        assertArrayEquals(ManifestTest.ONNX, b);
    }

    @Test
    void readVerified_flippedByte_namesFileAndBothHashes() throws Exception {
        byte[] bad = ManifestTest.ONNX.clone();
        bad[3] ^= 1;
        Files.write(dir.resolve(ModelFolder.ONNX), bad);
        ModelFormatException e = assertThrows(ModelFormatException.class,
                () -> ModelFolder.readVerified(dir, ManifestFile.read(dir), ModelFolder.ONNX));
        assertTrue(e.getMessage().startsWith("model.onnx does not match"), e.getMessage());
        assertTrue(e.getMessage().contains("expected SHA-256 " + Sha256.hex(ManifestTest.ONNX)), e.getMessage());
        assertTrue(e.getMessage().contains("found SHA-256 " + Sha256.hex(bad)), e.getMessage());
    }

    @Test
    void verifyFiles_truncatedFile_reportsBothSizes() throws Exception {
        int n = ManifestTest.ONNX.length;
        Files.write(dir.resolve(ModelFolder.ONNX), Arrays.copyOf(ManifestTest.ONNX, n - 4));
        ModelFormatException e = assertThrows(ModelFormatException.class,
                () -> ModelFolder.verifyFiles(dir, ManifestFile.read(dir)));
        assertTrue(e.getMessage().contains((n - 4) + " bytes") && e.getMessage().contains("expects " + n),
                e.getMessage());
    }

    @Test
    void verifyFiles_missingOrUnlistedFile_saysWhich() throws Exception {
        ModelFormatException unlisted = assertThrows(ModelFormatException.class,
                () -> ModelFolder.verifyFiles(dir, ManifestFile.read(dir), ModelFolder.ONNX, ModelFolder.TORCHSCRIPT));
        assertTrue(unlisted.getMessage().contains("expected entries for model.onnx and model.pt"), unlisted.getMessage());
        Files.delete(dir.resolve(ModelFolder.ONNX));
        ModelFormatException missing = assertThrows(ModelFormatException.class,
                () -> ModelFolder.verifyFiles(dir, ManifestFile.read(dir)));
        assertTrue(missing.getMessage().startsWith("model.onnx is listed")
                && missing.getMessage().contains("model.onnx does not exist"), missing.getMessage());
    }

    @Test
    void install_existingTarget_replacesItAndLeavesNoSibling() throws Exception {
        Path staged = ModelFolder.sibling(dir, "tmp");
        Files.createDirectory(staged);
        Files.writeString(staged.resolve(ModelFolder.PARITY), "{}");
        ModelFolder.install(staged, dir);
        assertEquals(List.of(ModelFolder.PARITY), ModelFolder.list(dir));
        assertEquals(List.of("1"), ModelFolder.list(dir.getParent()));
        assertFalse(Files.exists(staged));
    }

    @Test
    void removeStale_folderOfEndedProcess_isDeleted() throws Exception {
        Path stale = dir.resolveSibling(".mnist-1.tmp-999999999-1");
        Files.createDirectories(stale.resolve("sub"));
        ModelFolder.removeStale(dir);
        assertFalse(Files.exists(stale));
        assertTrue(Files.exists(dir));
    }
}
