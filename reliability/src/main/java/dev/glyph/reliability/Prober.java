package dev.glyph.reliability;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * A background client that, every {@code periodMillis}, asks {@code grpc.health.v1.Health/Check}
 * and sends one golden Classify request, each with a deadline, while the rest of a test attacks the
 * server. It records every failure (not SERVING, a wrong golden answer, any non-OK status) and the
 * latencies.
 *
 * <pre>{@code
 * try (Prober p = Prober.start(channel, goldenBytes, out -> checkGolden(out), 250, 2000)) {
 *     ... attack ...
 *     assertEquals(List.of(), p.failures());
 * }
 * }</pre>
 *
 * <p>Thread-safety: thread-safe.
 */
public final class Prober implements AutoCloseable {

    private final Channel channel;
    private final byte[] golden;
    private final Function<RawRpc.Outcome, String> goldenCheck;
    private final long periodMillis;
    private final long deadlineMillis;
    private final Thread thread;
    private final List<String> failures = new ArrayList<>();
    private final List<Long> healthNanos = new ArrayList<>();
    private final List<Long> goldenNanos = new ArrayList<>();
    private final AtomicLong probes = new AtomicLong();
    private final AtomicLong calls = new AtomicLong();
    /** Held for every round; {@link #pause} takes it to stop between rounds. */
    private final Semaphore round = new Semaphore(1);
    private volatile boolean stop;

    private Prober(Channel channel, byte[] golden, Function<RawRpc.Outcome, String> goldenCheck, long periodMillis,
            long deadlineMillis) {
        this.channel = channel;
        this.golden = golden;
        this.goldenCheck = goldenCheck;
        this.periodMillis = periodMillis;
        this.deadlineMillis = deadlineMillis;
        this.thread = new Thread(this::run, "reliability-prober");
        this.thread.setDaemon(true);
    }

    /**
     * Starts probing.
     *
     * @param goldenCheck returns null when the golden answer is right, else what is wrong
     */
    public static Prober start(Channel channel, byte[] golden, Function<RawRpc.Outcome, String> goldenCheck,
            long periodMillis, long deadlineMillis) {
        Prober p = new Prober(channel, golden, goldenCheck, periodMillis, deadlineMillis);
        p.thread.start();
        return p;
    }

    private void run() {
        byte[] health = HealthCheckRequest.newBuilder().setService("").build().toByteArray();
        while (!stop) {
            round.acquireUninterruptibly();
            try {
                probe(health);
            } finally {
                round.release();
            }
            try {
                Thread.sleep(periodMillis);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void probe(byte[] health) {
        CallOptions o = CallOptions.DEFAULT.withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS);
        long t0 = System.nanoTime();
        RawRpc.Outcome h = RawRpc.unary(channel, RawRpc.HEALTH, health, o);
        calls.incrementAndGet();
        long t1 = System.nanoTime();
        String hf = null;
        if (h.code() != Status.Code.OK) {
            hf = "health: " + h;
        } else {
            try {
                HealthCheckResponse.ServingStatus s = HealthCheckResponse.parseFrom(h.first()).getStatus();
                if (s != HealthCheckResponse.ServingStatus.SERVING) {
                    hf = "health: " + s;
                }
            } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                hf = "health: unparseable response";
            }
        }
        RawRpc.Outcome g = RawRpc.unary(channel, RawRpc.CLASSIFY, golden,
                CallOptions.DEFAULT.withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS));
        calls.incrementAndGet();
        long t2 = System.nanoTime();
        String gf = goldenCheck.apply(g);
        synchronized (this) {
            healthNanos.add(t1 - t0);
            goldenNanos.add(t2 - t1);
            if (hf != null) {
                failures.add(hf);
            }
            if (gf != null) {
                failures.add("golden: " + gf);
            }
        }
        probes.incrementAndGet();
    }

    /**
     * Waits for the current round to end and holds the prober between rounds until {@link #resume}, so
     * that a test can read the server's call counters while none of the prober's calls is in flight.
     */
    public void pause() {
        round.acquireUninterruptibly();
    }

    /** Lets a paused prober go on. */
    public void resume() {
        round.release();
    }

    /** Returns the number of calls the prober has made (two per round), each ended at the client. */
    public long calls() {
        return calls.get();
    }

    /** Returns the number of probe rounds (one health check and one golden call each). */
    public long probes() {
        return probes.get();
    }

    /** Returns every failure so far. */
    public synchronized List<String> failures() {
        return List.copyOf(failures);
    }

    /** Returns the health-check latencies so far, in nanoseconds. */
    public synchronized List<Long> healthNanos() {
        return List.copyOf(healthNanos);
    }

    /** Returns the golden-call latencies so far, in nanoseconds. */
    public synchronized List<Long> goldenNanos() {
        return List.copyOf(goldenNanos);
    }

    /** Returns the largest value of {@code nanos} in milliseconds (0 when empty). */
    public static double maxMillis(List<Long> nanos) {
        return nanos.stream().mapToLong(Long::longValue).max().orElse(0) / 1e6;
    }

    /** Returns how many of {@code nanos} exceed {@code millis}. */
    public static long over(List<Long> nanos, double millis) {
        return nanos.stream().filter(n -> n / 1e6 > millis).count();
    }

    /** Stops and joins the probing thread. Idempotent. */
    @Override
    public void close() throws InterruptedException {
        stop = true;
        thread.join(TimeUnit.SECONDS.toMillis(30) + deadlineMillis * 2);
    }
}
