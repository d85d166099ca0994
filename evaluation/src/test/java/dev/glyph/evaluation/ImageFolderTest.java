package dev.glyph.evaluation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFolderTest {

    @TempDir
    Path tmp;

    @Test
    void load_classFolders_labelsFromFolderNamesAnyFormat() throws Exception {
        Path root = tmp.resolve("digits");
        TestImages.write(root.resolve("0/a.png"), "png", 0);
        TestImages.write(root.resolve("0/b.jpg"), "jpg", 2);
        TestImages.write(root.resolve("7/c.bmp"), "bmp", 1);
        Files.writeString(root.resolve(".hidden"), "ignored");
        ImageFolder f = ImageFolder.load(root);
        assertEquals(ImageFolder.Layout.CLASS_FOLDERS, f.layout());
        assertEquals(List.of(0, 0, 7), f.images().stream().map(LabelledImage::label).toList());
        assertEquals(0, f.rejected().size());
        assertTrue(f.images().get(0).id().endsWith("a.png"));
    }

    @Test
    void load_flatNames_labelAfterLastUnderscore() throws Exception {
        TestImages.write(tmp.resolve("0001_3.png"), "png", 1);
        TestImages.write(tmp.resolve("scan_of_a_9_8.jpeg"), "jpg", 0);
        ImageFolder f = ImageFolder.load(tmp);
        assertEquals(ImageFolder.Layout.FLAT, f.layout());
        assertEquals(List.of(3, 8), f.images().stream().map(LabelledImage::label).toList());
    }

    @Test
    void load_truncatedAndMutatedPng_rejectedByPathAndCounted() throws Exception {
        Path good = TestImages.write(tmp.resolve("1/good.png"), "png", 1);
        byte[] bytes = Files.readAllBytes(good);
        Files.write(tmp.resolve("1/truncated.png"), Arrays.copyOf(bytes, bytes.length / 3));
        byte[] mutated = bytes.clone();
        for (int i = 8; i < 40; i++) {
            mutated[i] ^= (byte) 0x5A;
        }
        Files.write(tmp.resolve("1/mutated.png"), mutated);
        Files.writeString(tmp.resolve("1/notes.txt"), "not an image");
        ImageFolder f = ImageFolder.load(tmp);
        assertEquals(1, f.images().size());
        assertEquals(3, f.rejected().size());
        assertEquals(4, f.files());
        assertEquals(List.of("mutated.png", "notes.txt", "truncated.png"),
                f.rejected().stream().map(r -> r.file().getFileName().toString()).toList());
        f.rejected().forEach(r -> assertTrue(!r.reason().isBlank()));
    }

    @Test
    void load_nonDigitFolder_throwsNamingIt() throws Exception {
        TestImages.write(tmp.resolve("cats/a.png"), "png", 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ImageFolder.load(tmp));
        assertTrue(e.getMessage().contains("cats") && e.getMessage().contains("expected"), e.getMessage());
    }

    @Test
    void load_fileWithoutLabel_throwsNamingIt() throws Exception {
        TestImages.write(tmp.resolve("0001_3.png"), "png", 1);
        TestImages.write(tmp.resolve("photo.png"), "png", 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ImageFolder.load(tmp));
        assertTrue(e.getMessage().contains("photo.png") && e.getMessage().contains("NNNN_LABEL"), e.getMessage());
        TestImages.write(tmp.resolve("photo.png"), "png", 1);
        Files.move(tmp.resolve("photo.png"), tmp.resolve("photo_x.png"));
        e = assertThrows(IllegalArgumentException.class, () -> ImageFolder.load(tmp));
        assertTrue(e.getMessage().contains("'x'"), e.getMessage());
    }

    @Test
    void load_emptyFolder_throws() throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ImageFolder.load(tmp));
        assertTrue(e.getMessage().contains("is empty"), e.getMessage());
        Files.createDirectories(tmp.resolve("4"));
        e = assertThrows(IllegalArgumentException.class, () -> ImageFolder.load(tmp));
        assertTrue(e.getMessage().contains("class folder") && e.getMessage().contains("empty"), e.getMessage());
    }

    @Test
    void load_mixedFilesAndFolders_throws() throws Exception {
        TestImages.write(tmp.resolve("4/a.png"), "png", 1);
        TestImages.write(tmp.resolve("0001_3.png"), "png", 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ImageFolder.load(tmp));
        assertTrue(e.getMessage().contains("mixes"), e.getMessage());
    }

    @Test
    void load_missingFolder_throwsIOException() {
        assertThrows(java.nio.file.NoSuchFileException.class, () -> ImageFolder.load(tmp.resolve("absent")));
    }
}
