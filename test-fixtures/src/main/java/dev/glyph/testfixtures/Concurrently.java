package dev.glyph.testfixtures;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs one task on each of several threads at once and adds up what the tasks return, typically the mismatches
 * each concurrent caller saw:
 * <pre>{@code
 * int mismatches = Concurrently.sum(8, caller -> mismatchesSeenBy(caller));
 * assertEquals(0, mismatches);
 * }</pre>
 * A task's exception (an assertion error included) comes back as the {@code ExecutionException} of
 * {@link #sum}. Thread-safe: each call uses its own pool, shut down before it returns.
 */
public final class Concurrently {

    /** One caller's work; {@code caller} is 0..callers-1. */
    @FunctionalInterface
    public interface Task {
        int run(int caller) throws Exception;
    }

    private Concurrently() {
    }

    /** Runs {@code task} for callers 0..callers-1, each on its own thread, and returns the sum of their results. */
    public static int sum(int callers, Task task) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int c = 0; c < callers; c++) {
                int caller = c;
                results.add(pool.submit(() -> task.run(caller)));
            }
            int total = 0;
            for (Future<Integer> f : results) {
                total += f.get();
            }
            return total;
        } finally {
            pool.shutdownNow();
        }
    }
}
