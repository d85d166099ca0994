package dev.glyph.trainer.internal.plot;

import dev.glyph.modelformat.AtomicFiles;
import dev.glyph.trainer.EpochMetrics;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * Builds and writes the per-epoch line charts with JFreeChart.
 *
 * <p>Thread-safety: stateless; every call builds its own chart.
 */
public final class PlotCharts {

    private static final Color TRAIN = new Color(31, 119, 180);
    private static final Color VAL = new Color(255, 127, 14);

    private PlotCharts() {
    }

    /** Builds a chart of a training and a validation series against the epoch number. */
    public static JFreeChart lineChart(List<EpochMetrics> epochs, String title, String yLabel,
            ToDoubleFunction<EpochMetrics> train, ToDoubleFunction<EpochMetrics> val) {
        XYSeries trainSeries = new XYSeries("train");
        XYSeries valSeries = new XYSeries("validation");
        for (EpochMetrics e : epochs) {
            trainSeries.add(e.epoch(), train.applyAsDouble(e));
            valSeries.add(e.epoch(), val.applyAsDouble(e));
        }
        XYSeriesCollection data = new XYSeriesCollection();
        data.addSeries(trainSeries);
        data.addSeries(valSeries);
        JFreeChart chart = ChartFactory.createXYLineChart(title, "Epoch", yLabel, data, PlotOrientation.VERTICAL,
                true, false, false);
        chart.setBackgroundPaint(Color.WHITE);
        XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        renderer.setSeriesPaint(0, TRAIN);
        renderer.setSeriesPaint(1, VAL);
        renderer.setSeriesStroke(0, new BasicStroke(2f));
        renderer.setSeriesStroke(1, new BasicStroke(2f));
        plot.setRenderer(renderer);
        NumberAxis x = (NumberAxis) plot.getDomainAxis();
        x.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        double first = epochs.stream().mapToInt(EpochMetrics::epoch).min().orElse(1);
        double last = epochs.stream().mapToInt(EpochMetrics::epoch).max().orElse(1);
        x.setRange(first - 0.5, last + 0.5);
        NumberAxis y = (NumberAxis) plot.getRangeAxis();
        y.setAutoRangeIncludesZero(false);
        return chart;
    }

    /** Builds the chart and writes it as a PNG through a temporary file and a rename. */
    public static void writeLineChart(List<EpochMetrics> epochs, String title, String yLabel,
            ToDoubleFunction<EpochMetrics> train, ToDoubleFunction<EpochMetrics> val, Path png, int width,
            int height) throws IOException {
        JFreeChart chart = lineChart(epochs, title, yLabel, train, val);
        writeAtomically(png, out -> ChartUtils.writeChartAsPNG(out, chart, width, height));
    }

    /** Writes the bytes of one plot file. */
    @FunctionalInterface
    public interface PlotWriter {
        void write(OutputStream out) throws IOException;
    }

    /** Runs {@code writer} into memory, then replaces {@code target} atomically ({@link AtomicFiles}). */
    public static void writeAtomically(Path target, PlotWriter writer) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        writer.write(bytes);
        AtomicFiles.write(target, bytes.toByteArray());
    }
}
