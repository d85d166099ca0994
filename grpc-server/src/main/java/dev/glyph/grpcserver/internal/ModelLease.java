package dev.glyph.grpcserver.internal;

/**
 * One request's hold on a model version: while it is open the version's session and batchers stay
 * open, even after a reload has retired the version. Close it once the answer is built.
 *
 * <pre>{@code
 * ModelLease lease = repository.acquire("mnist", "");     // "" = the newest ready version
 * future.whenComplete((r, e) -> lease.close());
 * }</pre>
 *
 * <p>Thread-safety: {@link #close()} is idempotent and may be called from any thread.
 */
public final class ModelLease implements AutoCloseable {

    private final ServedVersion version;
    private final java.util.concurrent.atomic.AtomicBoolean open = new java.util.concurrent.atomic.AtomicBoolean(true);

    ModelLease(ServedVersion version) {
        this.version = version;
    }

    /** Returns the runtime that serves this request. */
    public ModelRuntime runtime() {
        return version.runtime();
    }

    /** Returns the model name. */
    public String model() {
        return version.model();
    }

    /** Returns the version that serves this request. */
    public String version() {
        return version.version();
    }

    /** Releases the hold. Idempotent. */
    @Override
    public void close() {
        if (open.compareAndSet(true, false)) {
            version.release();
        }
    }
}
