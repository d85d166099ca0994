package dev.glyph.reliability;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Bounded waiting for a condition that another process makes true (a counter reaching a value, a
 * gauge returning to 0). The bound only ends a hung run; it is never what a test asserts.
 *
 * <pre>{@code
 * Poll.until(Duration.ofSeconds(30), () -> server.metrics().value("glyph_queue_depth") == 8, () -> "queue depth 8");
 * }</pre>
 *
 * <p>Thread-safety: stateless.
 */
public final class Poll {

    private Poll() {
    }

    /**
     * Waits until {@code condition} holds, checking every 20 ms.
     *
     * @return true if it held within {@code bound}, false otherwise (the caller asserts and reports)
     */
    public static boolean until(Duration bound, BooleanSupplier condition) throws InterruptedException {
        long giveUp = System.nanoTime() + bound.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > giveUp) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    /** Like {@link #until(Duration, BooleanSupplier)} but throws an {@link AssertionError} naming {@code what}. */
    public static void require(Duration bound, BooleanSupplier condition, Supplier<String> what)
            throws InterruptedException {
        if (!until(bound, condition)) {
            throw new AssertionError("not reached within " + bound + ": " + what.get());
        }
    }
}
