package dev.glyph.trainer;

import dev.glyph.datasets.ImageSet;
import dev.glyph.trainer.internal.plot.PlotCharts;
import dev.glyph.trainer.internal.plot.SampleGrid;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Writes the training report's PNG figures: loss and accuracy curves per epoch (JFreeChart) and a
 * grid of sample images with their labels.
 *
 * <pre>{@code
 * Plots.writeLossPlot(history, runDir.resolve("loss.png"));
 * Plots.writeAccuracyPlot(history, runDir.resolve("accuracy.png"));
 * Plots.writeSamplesGrid(dataset.train(), 32, runDir.resolve("samples.png"));
 * }</pre>
 *
 * <p>Works without a display: unless {@code java.awt.headless} was already set, loading this class
 * sets it to {@code true}. Each PNG is written to a temporary file in the target folder (created
 * if needed) and renamed, so a reader never sees half a file.
 *
 * <p>Thread-safety: the methods are stateless and may be called concurrently for different files.
 */
public final class Plots {

    /** Width of the loss and accuracy charts in pixels. */
    public static final int CHART_WIDTH = 800;
    /** Height of the loss and accuracy charts in pixels. */
    public static final int CHART_HEIGHT = 500;

    static {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private Plots() {
    }

    /**
     * Writes {@code loss.png}: training vs validation loss (mean NLL) per epoch.
     *
     * @throws IllegalArgumentException if {@code epochs} is empty
     */
    public static void writeLossPlot(List<EpochMetrics> epochs, Path png) throws IOException {
        checkEpochs(epochs, png);
        PlotCharts.writeLineChart(epochs, "Training and validation loss", "Loss (NLL)",
                EpochMetrics::trainLoss, EpochMetrics::valLoss, png, CHART_WIDTH, CHART_HEIGHT);
    }

    /**
     * Writes {@code accuracy.png}: training vs validation accuracy in percent per epoch.
     *
     * @throws IllegalArgumentException if {@code epochs} is empty
     */
    public static void writeAccuracyPlot(List<EpochMetrics> epochs, Path png) throws IOException {
        checkEpochs(epochs, png);
        PlotCharts.writeLineChart(epochs, "Training and validation accuracy", "Accuracy (%)",
                EpochMetrics::trainAcc, EpochMetrics::valAcc, png, CHART_WIDTH, CHART_HEIGHT);
    }

    /**
     * Writes {@code samples.png}: the first {@code n} images of {@code set} in a grid of up to 8
     * columns (32 images make 4 rows of 8), gray on black like matplotlib's {@code imshow(cmap="gray")},
     * each captioned with its label. If the set holds fewer than {@code n} images, all are shown.
     *
     * @throws IllegalArgumentException if {@code n < 1} or the set is empty
     */
    public static void writeSamplesGrid(ImageSet set, int n, Path png) throws IOException {
        Objects.requireNonNull(set, "set");
        Objects.requireNonNull(png, "png");
        if (n < 1) {
            throw new IllegalArgumentException("n is " + n + ", expected at least 1");
        }
        if (set.count() == 0) {
            throw new IllegalArgumentException("the image set is empty, expected at least 1 image");
        }
        SampleGrid.write(set, Math.min(n, set.count()), png);
    }

    /**
     * Writes a grid of the images of {@code set} (up to 8 columns, as {@link #writeSamplesGrid}), image {@code i}
     * captioned with {@code captions.get(i)} instead of its label, e.g. {@code "#1234 7>9"} for an image whose
     * predicted class changed; small fonts are used for captions wider than a cell.
     *
     * @throws IllegalArgumentException if the set is empty or the number of captions is not the set's count
     */
    public static void writeCaptionedGrid(ImageSet set, List<String> captions, Path png) throws IOException {
        Objects.requireNonNull(set, "set");
        Objects.requireNonNull(captions, "captions");
        Objects.requireNonNull(png, "png");
        if (set.count() == 0 || captions.size() != set.count()) {
            throw new IllegalArgumentException("the set holds " + set.count() + " images and " + captions.size()
                    + " captions were given; expected at least 1 image and one caption per image");
        }
        SampleGrid.write(set, List.copyOf(captions), png);
    }

    private static void checkEpochs(List<EpochMetrics> epochs, Path png) {
        Objects.requireNonNull(epochs, "epochs");
        Objects.requireNonNull(png, "png");
        if (epochs.isEmpty()) {
            throw new IllegalArgumentException("no epochs to plot, expected at least 1");
        }
    }
}
