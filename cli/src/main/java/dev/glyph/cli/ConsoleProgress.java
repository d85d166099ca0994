package dev.glyph.cli;

import dev.glyph.trainer.EpochMetrics;
import dev.glyph.trainer.TrainListener;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.function.DoubleSupplier;

/**
 * Prints training progress: on a terminal, a progress bar redrawn in place at most four times a
 * second (batches, running loss, img/s, ETA); otherwise plain lines, one per epoch. The running
 * loss is read from the device only when the bar is redrawn.
 *
 * <p>Thread-safety: used from the training thread only.
 */
class ConsoleProgress implements TrainListener {

    private static final long REDRAW_NANOS = 250_000_000L;
    private final PrintWriter out;
    private final boolean terminal;
    private long lastDraw;
    private boolean lineOpen;

    ConsoleProgress(PrintWriter out, boolean terminal) {
        this.out = out;
        this.terminal = terminal;
    }

    @Override
    public void onStart(RunInfo info) {
        out.printf("training on %s with %s (DJL %s, %d threads): %d images/epoch, epochs %d..%d%n", info.device(),
                info.engine(), info.djlVersion(), info.threads(), info.trainImages(), info.startEpoch(),
                info.epochs());
        out.printf("%5s %10s %9s %8s %7s %8s %9s%n", "epoch", "train_loss", "train_acc", "val_loss", "val_acc",
                "seconds", "img/s");
        out.flush();
    }

    @Override
    public void onBatch(int epoch, int batch, int batches, long images, long elapsedNanos, DoubleSupplier runningLoss) {
        if (!terminal) {
            return;
        }
        long now = System.nanoTime();
        if (batch != batches && now - lastDraw < REDRAW_NANOS) {
            return;
        }
        lastDraw = now;
        double sec = elapsedNanos / 1e9;
        double rate = images / Math.max(sec, 1e-9);
        double eta = sec / batch * (batches - batch);
        int width = 28;
        int filled = (int) ((long) width * batch / batches);
        String bar = "#".repeat(filled) + ".".repeat(width - filled);
        out.printf(Locale.ROOT, "\repoch %d [%s] %d/%d loss %.4f %.0f img/s ETA %d:%02d ", epoch, bar, batch, batches,
                runningLoss.getAsDouble(), rate, (int) eta / 60, (int) eta % 60);
        out.flush();
        lineOpen = true;
    }

    @Override
    public void onEpoch(EpochMetrics m, int epochs) {
        finishLine();
        out.printf(Locale.ROOT, "%5d %10.4f %8.2f%% %8.4f %6.2f%% %8.1f %9.1f%n", m.epoch(), m.trainLoss(),
                m.trainAcc(), m.valLoss(), m.valAcc(), m.seconds(), m.imagesPerSec());
        out.flush();
    }

    /** Ends an open progress-bar line. */
    void finishLine() {
        if (lineOpen) {
            out.print("\r" + " ".repeat(100) + "\r");
            out.flush();
            lineOpen = false;
        }
    }
}
