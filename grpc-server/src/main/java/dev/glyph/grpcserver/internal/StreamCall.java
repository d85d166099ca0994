package dev.glyph.grpcserver.internal;

import dev.glyph.proto.v1.ClassifyRequest;
import dev.glyph.proto.v1.ClassifyResponse;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One {@code ClassifyStream} call, with flow control in both directions: automatic inbound
 * requests are disabled, and the next request message is asked for ({@code request(1)}) only
 * while the outbound side {@link ServerCallStreamObserver#isReady() is ready} and fewer than
 * {@code maxInFlight} requests are read but unanswered. Up to {@code maxInFlight} requests are
 * processed concurrently (decoded and queued in the batcher as soon as they are read), so one
 * stream fills model batches like as many unary calls. So a client that stops reading responses
 * stops the server reading its requests; nothing is buffered without bound. Responses are sent in
 * request order; the first failing request ends the stream with its status after the responses
 * before it. When the stream is cancelled (or ends with an error), the queued work of its
 * unanswered requests is removed from the batcher unexecuted.
 *
 * <p>Thread-safety: gRPC callbacks and batcher completions may arrive on any thread; state is
 * guarded by a lock and all calls into the response observer are serialised by a drain loop
 * (never under the lock, so transports that call back synchronously cannot deadlock).
 */
final class StreamCall implements StreamObserver<ClassifyRequest> {

    /** One request read from the stream, in order. */
    private static final class Pending {
        final ClassifierService.Work work = new ClassifierService.Work(io.grpc.Context.current());
        ClassifyResponse response;
        Throwable error;
        boolean done;
    }

    private final ClassifierService service;
    private final ServerCallStreamObserver<ClassifyResponse> call;
    private final int maxInFlight;
    private final ServerMetrics metrics;
    private final Object lock = new Object();
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private final AtomicInteger wip = new AtomicInteger();
    private int requested;
    private boolean halfClosed;
    private boolean draining;
    private boolean finished;

    StreamCall(ClassifierService service, ServerCallStreamObserver<ClassifyResponse> call, int maxInFlight,
            ServerMetrics metrics) {
        this.service = service;
        this.call = call;
        this.maxInFlight = maxInFlight;
        this.metrics = metrics;
    }

    /** Sets up flow control; must run inside the service method. */
    void start() {
        call.disableAutoRequest();
        call.setOnReadyHandler(this::drainLoop);
        call.setOnCancelHandler(this::cancelled);
        drainLoop();
    }

    /** Answers what was read, then ends the stream with UNAVAILABLE (unless the client half-closed). */
    void drain() {
        synchronized (lock) {
            draining = true;
        }
        drainLoop();
    }

    @Override
    public void onNext(ClassifyRequest request) {
        Pending p = new Pending();
        synchronized (lock) {
            requested = Math.max(0, requested - 1);
            if (finished) {
                return;
            }
            pending.addLast(p);
        }
        metrics.addStreamInFlight(1);
        CompletableFuture<ClassifyResponse> f;
        try {
            f = service.submit(request, p.work);
        } catch (RuntimeException e) {
            complete(p, null, e);
            return;
        }
        f.whenComplete((r, e) -> complete(p, r, e));
        drainLoop(); // room for more: read the next request while this one is processed
    }

    private static void endAll(Iterable<Pending> ps) {
        for (Pending p : ps) {
            p.work.callEnded();
        }
    }

    private void complete(Pending p, ClassifyResponse r, Throwable e) {
        synchronized (lock) {
            p.response = r;
            p.error = e;
            p.done = true;
        }
        drainLoop();
    }

    @Override
    public void onError(Throwable t) {
        cancelled();
    }

    @Override
    public void onCompleted() {
        synchronized (lock) {
            halfClosed = true;
        }
        drainLoop();
    }

    private void cancelled() {
        int dropped;
        java.util.List<Pending> left;
        synchronized (lock) {
            if (finished) {
                return;
            }
            finished = true;
            dropped = pending.size();
            left = new java.util.ArrayList<>(pending);
            pending.clear();
        }
        endAll(left);
        metrics.addStreamInFlight(-dropped);
        service.ended(this);
    }

    /** Emits finished responses in order, ends the call when due, and asks for the next request when there is room. */
    private void drainLoop() {
        if (wip.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        while (true) {
            emit();
            Runnable action = null;
            int ask = 0;
            synchronized (lock) {
                if (!finished && pending.isEmpty() && (halfClosed || draining)) {
                    finished = true;
                    action = halfClosed ? call::onCompleted
                            : () -> call.onError(Status.UNAVAILABLE
                                    .withDescription("server is shutting down; requests not yet answered were not read")
                                    .asRuntimeException());
                } else if (!finished && !halfClosed && !draining && requested + pending.size() < maxInFlight
                        && call.isReady()) {
                    ask = maxInFlight - pending.size() - requested;
                    requested += ask;
                }
            }
            if (action != null) {
                try {
                    action.run();
                } catch (RuntimeException ignored) {
                    // cancelled meanwhile
                }
                service.ended(this);
            }
            if (ask > 0) {
                call.request(ask);
            }
            missed = wip.addAndGet(-missed);
            if (missed == 0) {
                return;
            }
        }
    }

    private void emit() {
        while (true) {
            Pending head;
            synchronized (lock) {
                head = pending.peekFirst();
                if (finished || head == null || !head.done) {
                    return;
                }
                pending.pollFirst();
                if (head.error != null) {
                    finished = true;
                }
            }
            metrics.addStreamInFlight(-1);
            try {
                if (head.error != null) {
                    int rest;
                    java.util.List<Pending> left;
                    synchronized (lock) {
                        rest = pending.size();
                        left = new java.util.ArrayList<>(pending);
                        pending.clear();
                    }
                    endAll(left);
                    metrics.addStreamInFlight(-rest);
                    call.onError(StatusMapper.toException(head.error));
                    service.ended(this);
                    return;
                }
                call.onNext(head.response);
            } catch (RuntimeException e) {
                // the client cancelled meanwhile; onCancel cleans up
                return;
            }
        }
    }
}
