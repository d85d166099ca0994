package dev.glyph.datasets;

import static dev.glyph.datasets.IdxTestFiles.assertMentions;
import static dev.glyph.datasets.IdxTestFiles.fileNames;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glyph.datasets.IdxTestFiles.Content;
import dev.glyph.datasets.internal.DataSources;
import dev.glyph.datasets.internal.DataStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** load() and ensure() on generated data; fetch() with a stand-in Fashion-MNIST folder. */
class DatasetsTest {

    @TempDir
    Path tmp;

    private static void assertContent(Content c, Dataset d) {
        assertEquals(c.trainLabels().length, d.train().count());
        assertEquals(c.testLabels().length, d.test().count());
        assertArrayEquals(c.trainPixels(), d.train().images());
        assertArrayEquals(c.trainLabels(), d.train().labels());
        assertArrayEquals(c.testPixels(), d.test().images());
        assertArrayEquals(c.testLabels(), d.test().labels());
    }

    @Test
    void load_plainSubset_returnsSplitsAndHashes() throws Exception {
        Content c = Content.of(12, 5, 10);
        Dataset d = Datasets.load("fashion-mnist", c.writeTo(tmp, false));
        assertEquals("fashion-mnist", d.dataset());
        assertContent(c, d);
        assertEquals(c.sha256(), d.sha256());
        assertEquals(Datasets.FILES, List.copyOf(d.sha256().keySet()));
    }

    @Test
    void load_gzipFiles_equalsPlainFiles() throws Exception {
        Content c = Content.of(9, 4, 20);
        Dataset plain = Datasets.load("fashion-mnist", c.writeTo(tmp.resolve("plain"), false));
        Dataset gz = Datasets.load("fashion-mnist", c.writeTo(tmp.resolve("gz"), true));
        assertEquals(plain.train(), gz.train());
        assertEquals(plain.test(), gz.test());
        assertEquals(plain.sha256(), gz.sha256());
    }

    @Test
    void load_imageAndLabelCountsDiffer_throwsNamingBothFiles() throws Exception {
        Content c = Content.of(6, 3, 30);
        c.writeTo(tmp, false);
        IdxTestFiles.write(tmp.resolve("t10k-labels-idx1-ubyte"), IdxTestFiles.labels(new byte[] {1, 2}));
        DataException e = assertThrows(DataException.class, () -> Datasets.load("fashion-mnist", tmp));
        assertMentions(e, "t10k-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "has 2 labels", "expected 3");
    }

    @Test
    void load_emptySplit_throws() throws Exception {
        Content c = Content.of(0, 3, 40);
        c.writeTo(tmp, false);
        DataException e = assertThrows(DataException.class, () -> Datasets.load("fashion-mnist", tmp));
        assertMentions(e, "train-images-idx3-ubyte", "0 images", "at least 1");
    }

    @Test
    void load_testSplitMissing_throwsListingMissingFiles() throws Exception {
        Content.of(4, 2, 50).writeTo(tmp, false);
        Files.delete(tmp.resolve("t10k-images-idx3-ubyte"));
        Files.delete(tmp.resolve("t10k-labels-idx1-ubyte"));
        DataException e = assertThrows(DataException.class, () -> Datasets.load("mnist", tmp));
        assertMentions(e, tmp.toString(), "missing t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte", "./glyph fetch");
    }

    @Test
    void load_folderMissing_throwsWithFetchHint() {
        Path dir = tmp.resolve("absent");
        DataException e = assertThrows(DataException.class, () -> Datasets.load("mnist", dir));
        assertMentions(e, dir.toString(), "does not exist", "./glyph fetch");
    }

    @Test
    void load_corruptFileInDataset_throwsNamingThatFile() throws Exception {
        Content.of(4, 2, 55).writeTo(tmp, true);
        Path bad = tmp.resolve("train-labels-idx1-ubyte.gz");
        byte[] b = Files.readAllBytes(bad);
        Files.write(bad, java.util.Arrays.copyOf(b, b.length - 12));
        DataException e = assertThrows(DataException.class, () -> Datasets.load("fashion-mnist", tmp));
        assertMentions(e, bad.toString(), "gzip");
    }

    @Test
    void load_mnistWithOtherData_throwsShaMismatchWithExpectedActualAndAdvice() throws Exception {
        Content c = Content.of(3, 2, 60);
        c.writeTo(tmp, false);
        DataException e = assertThrows(DataException.class, () -> Datasets.load("mnist", tmp));
        String actual = c.sha256().get("train-images-idx3-ubyte");
        assertMentions(e, tmp.resolve("train-images-idx3-ubyte").toString(), "SHA-256", actual,
                DataSources.MNIST_SHA256.get("train-images-idx3-ubyte"), "delete " + tmp, "./glyph fetch");
    }

    @Test
    void load_mnistWithMatchingPinnedHashes_succeeds() throws Exception {
        Content c = Content.of(3, 2, 70);
        c.writeTo(tmp, true);
        DataStore store = new DataStore(DataSources.defaults().withMnistSha256(c.sha256()));
        Dataset d = store.load("mnist", tmp);
        assertContent(c, d);
    }

    @Test
    void load_unknownDataset_throwsIllegalArgument() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Datasets.load("cifar10", tmp));
        assertMentions(e, "cifar10", "mnist, fashion-mnist");
    }

    @Test
    void ensure_partialFolder_throwsListingMissingFiles() throws Exception {
        Content.of(4, 2, 80).writeTo(tmp, true);
        Files.delete(tmp.resolve("train-labels-idx1-ubyte.gz"));
        DataException e = assertThrows(DataException.class, () -> Datasets.ensure("fashion-mnist", tmp));
        assertMentions(e, tmp.toString(), "missing train-labels-idx1-ubyte", "train-images-idx3-ubyte.gz");
        assertEquals(3, fileNames(tmp).size(), "ensure must not touch a partial folder");
    }

    @Test
    void ensure_completeFolder_loadsWithoutFetching() throws Exception {
        Content c = Content.of(5, 2, 90);
        c.writeTo(tmp.resolve("data"), false);
        DataStore store = new DataStore(DataSources.defaults().withFashionSource(tmp.resolve("no-source")));
        assertContent(c, store.ensure("fashion-mnist", tmp.resolve("data")));
    }

    @Test
    void ensure_emptyFolder_fetchesFromSource() throws Exception {
        Content c = Content.of(7, 3, 100);
        Path source = c.writeTo(tmp.resolve("debian"), true);
        Path dir = Files.createDirectory(tmp.resolve("data"));
        DataStore store = new DataStore(DataSources.defaults().withFashionSource(source));
        assertContent(c, store.ensure("fashion-mnist", dir));
        assertEquals(List.of("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz",
                "train-labels-idx1-ubyte.gz"), fileNames(dir));
    }

    @Test
    void ensure_missingFolder_createsAndFetches() throws Exception {
        Content c = Content.of(2, 2, 110);
        Path source = c.writeTo(tmp.resolve("debian"), true);
        Path dir = tmp.resolve("a/b/data");
        DataStore store = new DataStore(DataSources.defaults().withFashionSource(source));
        assertContent(c, store.ensure("fashion-mnist", dir));
        assertTrue(Files.isDirectory(dir));
    }

    @Test
    void fetch_fashionSourceAbsent_throwsWithAptAdvice() {
        Path dir = tmp.resolve("data");
        DataStore store = new DataStore(DataSources.defaults().withFashionSource(tmp.resolve("not-installed")));
        DataException e = assertThrows(DataException.class, () -> store.fetch("fashion-mnist", dir));
        assertMentions(e, "Fashion-MNIST is not installed", "sudo apt-get install dataset-fashion-mnist",
                dir.toString(), "does not exist");
    }

    @Test
    void fetch_fashionSourceIncomplete_throwsListingMissing() throws Exception {
        Path source = Content.of(2, 2, 120).writeTo(tmp.resolve("debian"), true);
        Files.delete(source.resolve("t10k-labels-idx1-ubyte.gz"));
        DataStore store = new DataStore(DataSources.defaults().withFashionSource(source));
        DataException e = assertThrows(DataException.class, () -> store.fetch("fashion-mnist", tmp.resolve("d")));
        assertMentions(e, "lacks t10k-labels-idx1-ubyte.gz", "apt-get install dataset-fashion-mnist");
    }

    @Test
    void fetch_fashionOverStalePlainFiles_replacesThem() throws Exception {
        Path dir = Content.of(3, 3, 130).writeTo(tmp.resolve("data"), false);
        Content fresh = Content.of(4, 2, 140);
        Path source = fresh.writeTo(tmp.resolve("debian"), true);
        DataStore store = new DataStore(DataSources.defaults().withFashionSource(source));
        assertContent(fresh, store.fetch("fashion-mnist", dir));
        assertContent(fresh, store.load("fashion-mnist", dir));
        assertFalse(Files.exists(dir.resolve("train-images-idx3-ubyte")));
    }

    @Test
    void missing_absentEmptyPartialAndCompleteFolders_listsWhatIsLacking() throws Exception {
        assertEquals(Datasets.FILES, Datasets.missing(tmp.resolve("absent")));
        assertEquals(Datasets.FILES, Datasets.missing(Files.createDirectory(tmp.resolve("empty"))));
        assertEquals(Datasets.FILES, Datasets.missing(IdxTestFiles.write(tmp.resolve("a-file"), new byte[1])));
        Path partial = Content.of(2, 2, 150).writeTo(tmp.resolve("partial"), true);
        Files.delete(partial.resolve("t10k-images-idx3-ubyte.gz"));
        assertEquals(List.of("t10k-images-idx3-ubyte"), Datasets.missing(partial));
        assertEquals(List.of(), Datasets.missing(Content.of(2, 2, 160).writeTo(tmp.resolve("complete"), false)));
    }

    @Test
    void fetch_unknownDataset_throwsIllegalArgument() {
        assertThrows(IllegalArgumentException.class, () -> Datasets.fetch("MNIST", tmp));
    }
}
