package dev.glyph.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.Status.Code;
import io.grpc.stub.ClientCalls;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM under load: calls accepted before the signal (held in the queue by {@link WorkerHold})
 * all complete with the right answers, calls started after it get UNAVAILABLE, calls of the
 * background load end OK or UNAVAILABLE only, and the process exits 0 without hitting its drain
 * timeout.
 */
class SigtermTest {

    static final int HELD = 8;
    static final int DRAIN_SECONDS = 20;

    @Test
    void sigtermUnderLoad_acceptedCallsCompleteLaterOnesUnavailable_exitsWithinDrainTimeout() throws Exception {
        Report report = new Report("sigterm");
        ServerProcess server = ServerProcess.builder(Fixtures.model(), Fixtures.work().resolve("logs/sigterm-server.log"))
                .debugger(true).serveArgs("--batchers", "1", "--max-queue", "64", "--drain-timeout",
                        Integer.toString(DRAIN_SECONDS)).start();
        ManagedChannel ch = RawRpc.channel(server.target());
        Map<Code, LongAdder> load = new ConcurrentHashMap<>();
        AtomicBoolean stopLoad = new AtomicBoolean();
        List<Thread> loaders = new ArrayList<>();
        try (WorkerHold hold = WorkerHold.attach(server.debugPort(), "-batcher")) {
            for (int t = 0; t < 4; t++) {
                int id = t;
                Thread th = new Thread(() -> {
                    int i = id;
                    while (!stopLoad.get()) {
                        RawRpc.Outcome o = RawRpc.unary(ch, RawRpc.CLASSIFY, goldenBytes(i),
                                CallOptions.DEFAULT.withDeadlineAfter(120, TimeUnit.SECONDS));
                        Code c = o.code() == Code.OK && Fixtures.checkGolden(o, i) != null ? Code.DATA_LOSS : o.code();
                        load.computeIfAbsent(c, k -> new LongAdder()).increment();
                        i += 4;
                        try {
                            Thread.sleep(5);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }, "sigterm-load-" + t);
                th.start();
                loaders.add(th);
            }
            Poll.require(Duration.ofSeconds(60), () -> load.getOrDefault(Code.OK, new LongAdder()).sum() > 20,
                    () -> "load running");
            hold.pause();
            List<ListenableFuture<byte[]>> held = new ArrayList<>();
            for (int i = 0; i < HELD; i++) {
                held.add(ClientCalls.futureUnaryCall(ch.newCall(RawRpc.CLASSIFY, CallOptions.DEFAULT
                        .withDeadlineAfter(120, TimeUnit.SECONDS)), Fixtures.goldenRequest(i)));
            }
            Poll.require(Duration.ofSeconds(60), () -> server.metrics().value("glyph_queue_depth") >= HELD,
                    () -> HELD + " calls queued");
            long signalled = System.nanoTime();
            server.terminate(); // SIGTERM
            Poll.require(Duration.ofSeconds(60), () -> server.logText().contains("shutting down"),
                    () -> "the server started its shutdown");
            Map<String, Long> later = new TreeMap<>();
            try (var fresh = new AutoCloseableChannel(RawRpc.channel(server.target()))) {
                for (int i = 0; i < 5; i++) {
                    RawRpc.Outcome o = RawRpc.unary(fresh.ch, RawRpc.CLASSIFY, Fixtures.goldenRequest(i),
                            CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS));
                    later.merge(o.code().name(), 1L, Long::sum);
                }
                for (int i = 0; i < 3; i++) {
                    RawRpc.Outcome o = RawRpc.unary(ch, RawRpc.CLASSIFY, Fixtures.goldenRequest(i),
                            CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS));
                    later.merge(o.code().name(), 1L, Long::sum);
                }
            }
            hold.release();
            List<String> heldWrong = new ArrayList<>();
            for (int i = 0; i < HELD; i++) {
                RawRpc.Outcome o;
                try {
                    o = new RawRpc.Outcome(Code.OK, null, List.of(held.get(i).get(120, TimeUnit.SECONDS)));
                } catch (ExecutionException e) {
                    Status s = Status.fromThrowable(e.getCause());
                    o = new RawRpc.Outcome(s.getCode(), s.getDescription(), List.of());
                }
                String f = Fixtures.checkGolden(o, i);
                if (f != null) {
                    heldWrong.add(f);
                }
            }
            boolean exited = server.process().waitFor(DRAIN_SECONDS + 30, TimeUnit.SECONDS);
            double exitSeconds = (System.nanoTime() - signalled) / 1e9;
            stopLoad.set(true);
            for (Thread th : loaders) {
                th.join(150_000);
            }
            String log = server.logText();
            Map<String, Long> loadCodes = new TreeMap<>();
            load.forEach((c, n) -> loadCodes.put(c.name(), n.sum()));
            report.put("held_calls", HELD).put("held_failures", heldWrong).put("calls_after_signal", later)
                    .put("load_codes", loadCodes).put("drain_timeout_s", DRAIN_SECONDS)
                    .put("seconds_from_sigterm_to_exit", Math.round(exitSeconds * 10) / 10.0)
                    .put("exit_code", exited ? server.process().exitValue() : null);
            report.write();
            assertTrue(exited, "the server did not exit within the drain timeout + 30 s");
            assertEquals(0, server.process().exitValue(), log);
            assertEquals(List.of(), heldWrong, "calls accepted before SIGTERM");
            assertEquals(Map.of("UNAVAILABLE", 8L), later, "calls started after SIGTERM");
            assertTrue(log.contains("glyph serve: stopped"), log);
            assertFalse(log.contains("cancelled after the drain timeout"), "drain timed out:\n" + log);
            Map<String, Long> unexpected = new TreeMap<>(loadCodes);
            unexpected.remove("OK");
            unexpected.remove("UNAVAILABLE");
            assertEquals(Map.of(), unexpected, "background load calls end OK or UNAVAILABLE only");
        } finally {
            stopLoad.set(true);
            ch.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            server.close();
        }
    }

    private static byte[] goldenBytes(int i) {
        try {
            return Fixtures.goldenRequest(i);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A channel closed by try-with-resources. */
    private record AutoCloseableChannel(ManagedChannel ch) implements AutoCloseable {
        @Override
        public void close() throws InterruptedException {
            ch.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
    }
}
