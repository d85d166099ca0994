package dev.glyph.exporter.internal;

/**
 * Process-wide DJL settings that must be in place before the PyTorch engine loads: never download a native
 * library (the CPU build comes from the classpath) and one inter-op thread. Values already set by the user
 * (system properties) win.
 *
 * <p>Thread-safety: idempotent and safe to call from any thread.
 */
public final class DjlSetup {

    private static volatile boolean done;

    private DjlSetup() {
    }

    /** Applies the settings once. */
    public static synchronized void prepare() {
        if (done) {
            return;
        }
        done = true;
        setIfAbsent("ai.djl.offline", "true");
        setIfAbsent("ai.djl.pytorch.num_interop_threads", "1");
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
