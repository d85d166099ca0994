package dev.glyph.grpcserver.internal;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/**
 * A WARN line at most once per interval, without stack traces: for events a client can cause at
 * any rate (malformed messages), so that they cannot flood the log. The line says how many
 * similar events were not logged since the previous one.
 *
 * <pre>{@code
 * RateLimitedLog log = new RateLimitedLog(LOG, Duration.ofSeconds(10));
 * log.warn("unparseable message on " + method + ": " + reason);
 * }</pre>
 *
 * <p>Thread-safety: thread-safe.
 */
public final class RateLimitedLog {

    private final Logger log;
    private final long intervalNanos;
    private final AtomicLong next = new AtomicLong(Long.MIN_VALUE);
    private final AtomicLong suppressed = new AtomicLong();

    /** Logs to {@code log} at most once per {@code interval}. */
    public RateLimitedLog(Logger log, Duration interval) {
        this.log = log;
        this.intervalNanos = interval.toNanos();
    }

    /**
     * Logs {@code message} at WARN unless a line was logged less than the interval ago.
     *
     * @return whether it was logged
     */
    public boolean warn(String message) {
        long now = System.nanoTime();
        long due = next.get();
        if ((due != Long.MIN_VALUE && now - due < 0) || !next.compareAndSet(due, now + intervalNanos)) {
            suppressed.incrementAndGet();
            return false;
        }
        long n = suppressed.getAndSet(0);
        log.warn("{}{}", message, n == 0 ? "" : " (" + n + " similar events not logged since the previous line)");
        return true;
    }

    /** Returns how many events were not logged since the last line. */
    long suppressed() {
        return suppressed.get();
    }
}
