package dev.glyph.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glyph.datasets.ImageSet;
import dev.glyph.trainer.internal.plot.SampleGrid;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PlotsTest {

    private static final int TRAIN_RGB = 0x1f77b4;
    private static final int VAL_RGB = 0xff7f0e;

    @TempDir
    Path tmp;

    private static List<EpochMetrics> epochs(int n) {
        List<EpochMetrics> list = new ArrayList<>();
        for (int e = 1; e <= n; e++) {
            list.add(new EpochMetrics(e, 0.5 / e, 90 + e, 0.4 / e, 91 + e, 10.0, 6000.0));
        }
        return list;
    }

    private static BufferedImage readPng(Path png) throws IOException {
        assertTrue(Files.isRegularFile(png), png + " was not written");
        BufferedImage img = ImageIO.read(png.toFile());
        assertNotNull(img, png + " is not a readable PNG");
        return img;
    }

    private static boolean containsColor(BufferedImage img, int rgb) {
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                if ((img.getRGB(x, y) & 0xffffff) == rgb) {
                    return true;
                }
            }
        }
        return false;
    }

    private static List<String> fileNames(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static void assertChartWithBothSeries(Path png) throws Exception {
        BufferedImage img = readPng(png);
        assertEquals(Plots.CHART_WIDTH, img.getWidth());
        assertEquals(Plots.CHART_HEIGHT, img.getHeight());
        assertTrue(containsColor(img, TRAIN_RGB), "train series missing");
        assertTrue(containsColor(img, VAL_RGB), "validation series missing");
    }

    /** Plots.writeLossPlot or Plots.writeAccuracyPlot. */
    @FunctionalInterface
    interface ChartWriter {
        void write(List<EpochMetrics> epochs, Path png) throws IOException;
    }

    static Stream<Arguments> charts() {
        return Stream.of(
                Arguments.of("loss.png", 1, (ChartWriter) Plots::writeLossPlot),
                Arguments.of("accuracy.png", 3, (ChartWriter) Plots::writeAccuracyPlot));
    }

    @ParameterizedTest(name = "{0} from {1} epoch(s)")
    @MethodSource("charts")
    void writeChart_epochs_writesChartPngWithBothSeries(String file, int epochs, ChartWriter writer) throws Exception {
        Path png = tmp.resolve(file);
        writer.write(epochs(epochs), png);
        assertChartWithBothSeries(png);
    }

    @Test
    void writeLossPlot_threeEpochsIntoNewFolder_writesOnlyThePng() throws Exception {
        Path png = tmp.resolve("run/1/loss.png");
        Plots.writeLossPlot(epochs(3), png);
        BufferedImage img = readPng(png);
        assertEquals(800, img.getWidth());
        assertEquals(500, img.getHeight());
        assertEquals(List.of("loss.png"), fileNames(png.getParent()), "temporary file left behind");
    }

    @Test
    void writeAccuracyPlot_existingFile_isReplaced() throws Exception {
        Path png = Files.writeString(tmp.resolve("accuracy.png"), "old");
        Plots.writeAccuracyPlot(epochs(1), png);
        assertEquals(Plots.CHART_WIDTH, readPng(png).getWidth());
    }

    @Test
    void writeLossPlot_noEpochs_throwsIllegalArgument() {
        assertThrows(IllegalArgumentException.class, () -> Plots.writeLossPlot(List.of(), tmp.resolve("x.png")));
    }

    @Test
    void plots_loaded_runsHeadless() throws Exception {
        Plots.writeLossPlot(epochs(1), tmp.resolve("loss.png"));
        assertEquals("true", System.getProperty("java.awt.headless"));
    }

    /** Image i is filled with gray value 7 * i; labels are i % 10. */
    private static ImageSet constantImages(int count) {
        byte[] px = new byte[count * 784];
        byte[] labels = new byte[count];
        for (int i = 0; i < count; i++) {
            java.util.Arrays.fill(px, i * 784, (i + 1) * 784, (byte) (7 * i));
            labels[i] = (byte) (i % 10);
        }
        return new ImageSet(count, 28, 28, px, labels);
    }

    @Test
    void writeSamplesGrid_32Images_draws4RowsOf8WithPixelsAndCaptions() throws Exception {
        ImageSet set = constantImages(40);
        Path png = tmp.resolve("samples.png");
        Plots.writeSamplesGrid(set, 32, png);
        BufferedImage img = readPng(png);
        SampleGrid.Layout l = SampleGrid.layout(32, 28, 28);
        assertEquals(8, l.gridCols());
        assertEquals(4, l.gridRows());
        assertEquals(l.width(), img.getWidth());
        assertEquals(l.height(), img.getHeight());
        for (int i = 0; i < 32; i++) {
            int v = 7 * i;
            int center = img.getRGB(l.imageX(i) + l.imageWidth() / 2, l.imageY(i) + l.imageHeight() / 2) & 0xffffff;
            assertEquals((v << 16) | (v << 8) | v, center, "image " + i);
            boolean captionInk = false;
            for (int y = l.imageY(i) - SampleGrid.CAPTION; y < l.imageY(i) && !captionInk; y++) {
                for (int x = l.imageX(i); x < l.imageX(i) + l.imageWidth(); x++) {
                    if ((img.getRGB(x, y) & 0xffffff) != 0xffffff) {
                        captionInk = true;
                        break;
                    }
                }
            }
            assertTrue(captionInk, "no caption above image " + i);
        }
    }

    @Test
    void writeSamplesGrid_rowMajorPixels_keepOrientation() throws Exception {
        byte[] px = new byte[784];
        px[0] = (byte) 255;                 // top-left
        px[27 * 28 + 27] = (byte) 128;      // bottom-right
        ImageSet set = new ImageSet(1, 28, 28, px, new byte[] {3});
        Path png = tmp.resolve("one.png");
        Plots.writeSamplesGrid(set, 32, png);
        BufferedImage img = readPng(png);
        SampleGrid.Layout l = SampleGrid.layout(1, 28, 28);
        assertEquals(l.width(), img.getWidth());
        assertEquals(0xffffff, img.getRGB(l.imageX(0), l.imageY(0)) & 0xffffff);
        assertEquals(0x808080, img.getRGB(l.imageX(0) + l.imageWidth() - 1, l.imageY(0) + l.imageHeight() - 1)
                & 0xffffff);
        assertEquals(0, img.getRGB(l.imageX(0) + l.imageWidth() - 1, l.imageY(0)) & 0xffffff);
    }

    @Test
    void writeSamplesGrid_fewerImagesThanRequested_drawsAll() throws Exception {
        Path png = tmp.resolve("five.png");
        Plots.writeSamplesGrid(constantImages(5), 32, png);
        BufferedImage img = readPng(png);
        SampleGrid.Layout l = SampleGrid.layout(5, 28, 28);
        assertEquals(l.width(), img.getWidth());
        assertEquals(l.height(), img.getHeight());
        assertEquals(5, l.gridCols());
    }

    @Test
    void writeSamplesGrid_zeroRequested_throwsIllegalArgument() {
        assertThrows(IllegalArgumentException.class,
                () -> Plots.writeSamplesGrid(constantImages(3), 0, tmp.resolve("x.png")));
    }

    @Test
    void writeCaptionedGrid_longCaptions_drawsEveryImageWithInkInsideItsCell() throws Exception {
        ImageSet set = constantImages(10);
        List<String> captions = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            captions.add("#" + (1000 + i) + " fp32 7 int8 9");
        }
        Path png = tmp.resolve("flips.png");
        Plots.writeCaptionedGrid(set, captions, png);
        BufferedImage img = readPng(png);
        SampleGrid.Layout l = SampleGrid.layout(10, 28, 28);
        assertEquals(l.width(), img.getWidth());
        assertEquals(l.height(), img.getHeight());
        for (int i = 0; i < 10; i++) {
            int v = 7 * i;
            assertEquals((v << 16) | (v << 8) | v,
                    img.getRGB(l.imageX(i) + l.imageWidth() / 2, l.imageY(i) + l.imageHeight() / 2) & 0xffffff);
            boolean ink = false;
            for (int y = l.imageY(i) - SampleGrid.CAPTION; y < l.imageY(i) && !ink; y++) {
                for (int x = l.imageX(i); x < l.imageX(i) + l.imageWidth(); x++) {
                    ink |= (img.getRGB(x, y) & 0xffffff) != 0xffffff;
                }
            }
            assertTrue(ink, "no caption above image " + i);
        }
    }

    @Test
    void writeCaptionedGrid_captionCountDiffers_throwsIllegalArgument() {
        assertThrows(IllegalArgumentException.class,
                () -> Plots.writeCaptionedGrid(constantImages(3), List.of("a", "b"), tmp.resolve("x.png")));
    }
}
