package dev.glyph.grpcserver.internal;

import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.CompletableFuture;

/**
 * One loaded model version and the count of requests using it. The repository holds one reference
 * while the version is published; every request holds one through a {@link ModelLease} from
 * before its images are decoded until its answer is built. {@link #retire()} drops the repository's
 * reference, so the version takes no new requests; when the last lease is closed the runtime is
 * closed on the closer executor (never on the thread that released it, which may be one of the
 * version's own batcher workers).
 *
 * <p>Thread-safety: thread-safe; acquiring is one compare-and-set.
 */
public final class ServedVersion {

    private final String model;
    private final String version;
    private final long number;
    private final ModelRuntime runtime;
    private final String fingerprint;
    private final Executor closer;
    private final Duration closeTimeout;
    private final AtomicInteger refs = new AtomicInteger(1);
    private final AtomicBoolean retired = new AtomicBoolean();
    private final CompletableFuture<Boolean> closed = new CompletableFuture<>();

    /**
     * @param number the version as a number (for ordering)
     * @param fingerprint what the folder held when it was loaded (manifest and parity report hashes)
     * @param closer where the runtime is closed after the last request
     */
    public ServedVersion(String model, String version, long number, ModelRuntime runtime, String fingerprint,
            Executor closer, Duration closeTimeout) {
        this.model = model;
        this.version = version;
        this.number = number;
        this.runtime = runtime;
        this.fingerprint = fingerprint;
        this.closer = closer;
        this.closeTimeout = closeTimeout;
    }

    /** Takes a reference for one request; false once the version is retired and drained. */
    boolean tryAcquire() {
        while (true) {
            int r = refs.get();
            if (r <= 0) {
                return false;
            }
            if (refs.compareAndSet(r, r + 1)) {
                return true;
            }
        }
    }

    /** Drops one reference; the last one closes the runtime (asynchronously). */
    void release() {
        int r = refs.decrementAndGet();
        if (r == 0) {
            closer.execute(() -> closed.complete(runtime.close(closeTimeout)));
        } else if (r < 0) {
            throw new IllegalStateException("model " + model + "/" + version + " released more often than acquired");
        }
    }

    /** Stops new requests; the runtime closes after the last request in flight. Idempotent. */
    public CompletableFuture<Boolean> retire() {
        if (retired.compareAndSet(false, true)) {
            release();
        }
        return closed;
    }

    /** Returns whether {@link #retire()} was called. */
    public boolean retired() {
        return retired.get();
    }

    /** Returns the requests holding the version now (excluding the repository's reference). */
    public int inFlight() {
        int r = refs.get();
        return retired.get() ? Math.max(0, r) : r - 1;
    }

    /** Completes with whether the runtime closed cleanly, once it has closed. */
    public CompletableFuture<Boolean> closed() {
        return closed;
    }

    public String model() {
        return model;
    }

    public String version() {
        return version;
    }

    public long number() {
        return number;
    }

    public ModelRuntime runtime() {
        return runtime;
    }

    public String fingerprint() {
        return fingerprint;
    }
}
