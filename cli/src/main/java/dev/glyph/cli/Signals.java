package dev.glyph.cli;

/**
 * Installs a handler for SIGTERM and SIGINT through {@code sun.misc.Signal} (module
 * {@code jdk.unsupported}), so that a signal starts a graceful shutdown instead of the JVM's
 * immediate exit with 143/130.
 *
 * <p>Thread-safety: {@link #install} may be called from any thread; the handler runs on a JVM
 * signal-dispatch thread.
 */
final class Signals {

    private Signals() {
    }

    /**
     * Routes SIGTERM and SIGINT to {@code handler}.
     *
     * @return {@code false} if this JVM does not allow it (the shutdown hook remains the fallback)
     */
    static boolean install(Runnable handler) {
        try {
            sun.misc.SignalHandler h = sig -> handler.run();
            sun.misc.Signal.handle(new sun.misc.Signal("TERM"), h);
            sun.misc.Signal.handle(new sun.misc.Signal("INT"), h);
            return true;
        } catch (IllegalArgumentException | LinkageError e) {
            return false;
        }
    }

    /**
     * Routes SIGTERM and SIGINT to {@code handler} until the returned handle is closed, which puts
     * the previous handlers back. Returns a no-op handle where this JVM does not allow it.
     */
    static AutoCloseable installScoped(Runnable handler) {
        try {
            sun.misc.SignalHandler h = sig -> handler.run();
            sun.misc.Signal term = new sun.misc.Signal("TERM");
            sun.misc.Signal intr = new sun.misc.Signal("INT");
            sun.misc.SignalHandler oldTerm = sun.misc.Signal.handle(term, h);
            sun.misc.SignalHandler oldInt = sun.misc.Signal.handle(intr, h);
            return () -> {
                sun.misc.Signal.handle(term, oldTerm);
                sun.misc.Signal.handle(intr, oldInt);
            };
        } catch (IllegalArgumentException | LinkageError e) {
            return () -> { };
        }
    }
}
