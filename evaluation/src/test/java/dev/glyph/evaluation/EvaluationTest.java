package dev.glyph.evaluation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glyph.datasets.ImageSet;
import dev.glyph.inferencesdk.DigitClassifier;
import dev.glyph.inferencesdk.Options;
import dev.glyph.testfixtures.TestModels;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the evaluation end to end on a seeded random model (its accuracy is near chance, so it makes errors). */
class EvaluationTest {

    @TempDir
    static Path tmp;
    static DigitClassifier classifier;

    @BeforeAll
    static void open() throws Exception {
        Path model = TestModels.folder(tmp.resolve("models/mnist/1"), 3);
        classifier = DigitClassifier.open(model, Options.defaults().maxBatchSize(16));
    }

    @AfterAll
    static void close() {
        classifier.close();
    }

    static ImageSet tinyMnist(int n) {
        List<byte[]> imgs = TestModels.gray8Images(n, 9);
        byte[] px = new byte[n * 784];
        byte[] labels = new byte[n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(imgs.get(i), 0, px, i * 784, 784);
            labels[i] = (byte) (i % 10);
        }
        return new ImageSet(n, 28, 28, px, labels);
    }

    @Test
    void ofFolder_twentyImagesOneBroken_reportsCountsConfusionEceAndRejected() throws Exception {
        Path root = tmp.resolve("folder");
        for (int i = 0; i < 20; i++) {
            TestImages.write(root.resolve((i % 10) + "/img" + i + ".png"), "png", i);
        }
        Files.write(root.resolve("3/broken.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
        EvaluationReport r = Evaluation.ofFolder(classifier, root);
        assertEquals(20, r.count());
        assertEquals(1, r.rejected().size());
        assertTrue(r.rejected().get(0).file().endsWith("3/broken.png"));
        assertEquals(20 - r.correct(), Math.min(Evaluation.MAX_ERRORS, r.errors().size()));
        assertTrue(r.ece() >= 0 && r.ece() <= 100);
        long[] support = r.confusion().support();
        for (long s : support) {
            assertEquals(2, s);
        }
        for (Misclassified m : r.errors()) {
            assertTrue(m.label() != m.predicted());
            assertEquals(m.label() + "\u2192" + m.predicted(), m.caption());
        }
    }

    @Test
    void ofFolder_nothingDecodes_throws() throws Exception {
        Path root = tmp.resolve("allbroken");
        Files.createDirectories(root.resolve("1"));
        Files.writeString(root.resolve("1/a.png"), "junk");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Evaluation.ofFolder(classifier, root));
        assertTrue(e.getMessage().contains("none decodes"), e.getMessage());
    }

    @Test
    void shifts_tinySet_oneCurvePerCorruptionDeterministic() {
        ImageSet set = tinyMnist(40);
        RobustnessOptions o = RobustnessOptions.defaults().withFonts(false);
        ShiftReport a = RobustnessSuite.shifts(classifier, set, o);
        ShiftReport b = RobustnessSuite.shifts(classifier, set, o);
        assertEquals(40, a.images());
        assertEquals(Corruption.values().length, a.curves().size());
        assertEquals(a, b);
        ShiftReport.Curve rot = a.curves().get(0);
        assertEquals(Corruption.ROTATION, rot.corruption());
        assertEquals(a.clean().accuracy(), rot.accuracies().get(0), 1e-9, "rotation by 0 scores as clean");
        assertTrue(Double.isFinite(a.meanCorruptionError()));
        assertTrue(a.table().contains("mean corruption error"));
    }

    @Test
    void run_selectedSuitesAndCorruptions_writesScorecardFiles() throws Exception {
        RobustnessOptions o = RobustnessOptions.defaults().withFontsPerDigit(2).withMnistImages(20)
                .withCorruptions(EnumSet.of(Corruption.BLUR, Corruption.INVERSION));
        RobustnessReport r = RobustnessSuite.run(classifier, tinyMnist(30), o.withFonts(false));
        assertNull(r.fonts());
        assertEquals(2, r.shifts().curves().size());
        assertEquals(20, r.shifts().images());
        Scorecard card = new Scorecard("m", null, r);
        Path out = tmp.resolve("out");
        List<Path> files = card.writeTo(out);
        assertTrue(files.contains(out.resolve("report.json")));
        JsonNode json = new ObjectMapper().readTree(out.resolve("report.json").toFile());
        assertEquals(2, json.path("shifts").path("corruptions").size());
        assertEquals(10, json.path("shifts").path("clean").path("confusion").size());
        BufferedImage grid = ImageIO.read(out.resolve("errors.png").toFile());
        assertNotNull(grid);
        assertEquals(11, Files.readAllLines(out.resolve("confusion.csv")).size());
        assertTrue(card.table().contains("mnist"));
    }
}
