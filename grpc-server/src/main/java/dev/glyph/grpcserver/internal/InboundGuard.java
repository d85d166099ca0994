package dev.glyph.grpcserver.internal;

import com.google.protobuf.Message;
import io.grpc.ForwardingServerCall;
import io.grpc.KnownLength;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns inbound protocol faults into proper statuses before any handler or interceptor sees them.
 * grpc-java parses each request message before interceptors run, and a message that protobuf
 * cannot parse (or a gzip-compressed one that inflates past the message limit) ends the call with
 * {@code UNKNOWN: Application error processing RPC} and a SEVERE stack trace. Here every method of
 * a service is re-registered with a request marshaller that never throws: a parse failure becomes
 * a marker that closes the call with
 *
 * <ul>
 *   <li>{@code RESOURCE_EXHAUSTED} when the message inflated past {@code --max-message-bytes}
 *       (the same status as an oversize uncompressed message), or
 *   <li>{@code INVALID_ARGUMENT} naming the method, the message number and protobuf's reason.
 * </ul>
 *
 * <p>It also enforces {@code --max-message-bytes} itself, on the serialized (and, for a compressed
 * message, the inflated) size: the transport is configured with {@link #transportLimit} (twice the
 * limit), so that a message over the limit reaches this marshaller and gets {@code RESOURCE_EXHAUSTED}
 * on every call, also as a later message of a stream. grpc-java's own check cannot do that: a
 * deframer failure ({@code NettyServerStream.TransportState.deframeFailed}) sends its status in
 * trailers only while no response headers have gone out; once a stream has answered a message it
 * resets the stream with {@code RST_STREAM(CANCEL)}, so the client sees {@code CANCELLED}. A message
 * over twice the limit still meets that transport check (unary calls and a stream's first message get
 * {@code RESOURCE_EXHAUSTED}, later stream messages {@code CANCELLED}); what the transport buffers per
 * message stays bounded by twice the limit.
 *
 * <p>It also checks methods whose client sends exactly one message (unary): a half-close without a
 * request gets {@code INVALID_ARGUMENT} instead of grpc-java's {@code INTERNAL} ("Half-closed
 * without a request"). A second request message cannot be mapped: grpc-java's {@code ServerCallImpl}
 * resets the stream itself before any listener sees the message, so the client gets
 * {@code CANCELLED} (never INTERNAL or UNKNOWN). The closes go through the server's interceptors, so
 * they are counted in {@code glyph_grpc_requests_total}; each is also counted in
 * {@code glyph_malformed_messages_total} and logged at WARN at most once per interval, without a
 * stack trace. On a stream, earlier responses not yet sent are dropped when a later message is
 * unparseable.
 *
 * <p>Thread-safety: thread-safe; per-call state follows gRPC's serialised listener callbacks.
 */
public final class InboundGuard {

    private static final Logger LOG = LoggerFactory.getLogger(InboundGuard.class);

    private final ServerMetrics metrics;
    private final int maxMessageBytes;
    private final RateLimitedLog log;

    /**
     * Creates a guard reporting to {@code metrics}.
     *
     * @param maxMessageBytes the server's inbound message limit (named in RESOURCE_EXHAUSTED messages)
     * @param logInterval the shortest time between two WARN lines about malformed messages
     */
    public InboundGuard(ServerMetrics metrics, int maxMessageBytes, Duration logInterval) {
        this.metrics = metrics;
        this.maxMessageBytes = maxMessageBytes;
        this.log = new RateLimitedLog(LOG, logInterval);
    }

    /**
     * The inbound message limit to configure on the transport for an application limit of
     * {@code maxMessageBytes}: twice that, so that messages up to twice the limit are refused here,
     * with {@code RESOURCE_EXHAUSTED} on any call (see the class comment).
     */
    public static int transportLimit(int maxMessageBytes) {
        return (int) Math.min(Integer.MAX_VALUE, 2L * maxMessageBytes);
    }

    /** Returns {@code def} with every method guarded (same names, schema and handlers). */
    public ServerServiceDefinition guard(ServerServiceDefinition def) {
        ServiceDescriptor sd = def.getServiceDescriptor();
        List<ServerMethodDefinition<?, ?>> wrapped = new ArrayList<>();
        for (ServerMethodDefinition<?, ?> m : def.getMethods()) {
            wrapped.add(wrap(m));
        }
        ServiceDescriptor.Builder sb = ServiceDescriptor.newBuilder(sd.getName()).setSchemaDescriptor(sd.getSchemaDescriptor());
        for (ServerMethodDefinition<?, ?> m : wrapped) {
            sb.addMethod(m.getMethodDescriptor());
        }
        ServerServiceDefinition.Builder b = ServerServiceDefinition.builder(sb.build());
        for (ServerMethodDefinition<?, ?> m : wrapped) {
            b.addMethod(m);
        }
        return b.build();
    }

    private <Q, R> ServerMethodDefinition<Object, R> wrap(ServerMethodDefinition<Q, R> m) {
        MethodDescriptor<Q, R> md = m.getMethodDescriptor();
        MethodDescriptor<Object, R> lenient = md.toBuilder(new LenientMarshaller<>(md.getRequestMarshaller()),
                md.getResponseMarshaller()).build();
        ServerCallHandler<Q, R> handler = m.getServerCallHandler();
        return ServerMethodDefinition.create(lenient, (call, headers) -> new GuardedListener<>(call, md, handler, headers));
    }

    /** A failed parse; carries the status the call gets. */
    private record Unparsed(Status status) {
    }

    /** Parses with the real marshaller and returns an {@link Unparsed} instead of throwing. */
    private final class LenientMarshaller<Q> implements MethodDescriptor.Marshaller<Object> {
        private final MethodDescriptor.Marshaller<Q> real;
        private final String type;

        LenientMarshaller(MethodDescriptor.Marshaller<Q> real) {
            this.real = real;
            String t = "request message";
            if (real instanceof MethodDescriptor.PrototypeMarshaller<?> pm && pm.getMessagePrototype() instanceof Message msg) {
                t = msg.getDescriptorForType().getFullName();
            }
            this.type = t;
        }

        @Override
        @SuppressWarnings("unchecked")
        public InputStream stream(Object value) {
            return real.stream((Q) value);
        }

        @Override
        public Object parse(InputStream stream) {
            try {
                if (stream instanceof KnownLength) {
                    int size = stream.available(); // the exact serialized size (an uncompressed message)
                    if (size > maxMessageBytes) {
                        return new Unparsed(Status.RESOURCE_EXHAUSTED.withDescription("request message of " + size
                                + " bytes exceeds the server's limit; expected at most " + maxMessageBytes
                                + " bytes (max message size)"));
                    }
                    return real.parse(stream);
                }
                return real.parse(new Limited(stream));
            } catch (IOException e) {
                return new Unparsed(Status.INVALID_ARGUMENT.withDescription("cannot read the " + type + ": " + reason(e)));
            } catch (RuntimeException e) {
                Status tooLarge = resourceExhausted(e);
                if (tooLarge != null) {
                    return new Unparsed(Status.RESOURCE_EXHAUSTED.withDescription(tooLarge.getDescription()
                            + "; expected at most " + maxMessageBytes + " bytes after decompression (max message size)"));
                }
                return new Unparsed(Status.INVALID_ARGUMENT.withDescription("message is not a valid " + type + ": "
                        + reason(e) + "; expected a serialized " + type));
            }
        }
    }

    /** Reads a message of unknown length (a compressed one, inflating) and stops one byte past the limit. */
    private final class Limited extends FilterInputStream {
        private long count;

        Limited(InputStream in) {
            super(in);
        }

        private void counted(long n) {
            if (n > 0 && (count += n) > maxMessageBytes) {
                throw Status.RESOURCE_EXHAUSTED.withDescription("request message inflates past " + maxMessageBytes
                        + " bytes").asRuntimeException();
            }
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            counted(b < 0 ? 0 : 1);
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, (int) Math.min(len, maxMessageBytes + 1L - count));
            counted(n);
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long s = super.skip(Math.min(n, maxMessageBytes + 1L - count));
            counted(s);
            return s;
        }

        @Override
        public boolean markSupported() {
            return false;
        }
    }

    private static Status resourceExhausted(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            Status s = t instanceof StatusRuntimeException sre ? sre.getStatus()
                    : t instanceof StatusException se ? se.getStatus() : null;
            if (s != null && s.getCode() == Status.Code.RESOURCE_EXHAUSTED) {
                return s;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return null;
    }

    private static String reason(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String m = root.getMessage();
        if (m == null || m.isBlank()) {
            m = root.getClass().getSimpleName();
        }
        return m.length() > 200 ? m.substring(0, 200) + "..." : m;
    }

    /** Delivers parsed messages to the real handler's listener; closes the call on a fault. */
    private final class GuardedListener<Q, R> extends ServerCall.Listener<Object> {
        private final ClosingCall<R> call;
        private final String method;
        private final boolean oneMessage;
        private final ServerCall.Listener<Q> inner;
        private volatile boolean failed;
        private int messages;

        @SuppressWarnings("unchecked")
        GuardedListener(ServerCall<Object, R> call, MethodDescriptor<Q, R> md, ServerCallHandler<Q, R> handler,
                Metadata headers) {
            this.call = new ClosingCall<>(call);
            this.method = md.getFullMethodName();
            this.oneMessage = md.getType().clientSendsOneMessage();
            this.inner = handler.startCall((ServerCall<Q, R>) (ServerCall<?, ?>) this.call, headers);
        }

        @Override
        @SuppressWarnings("unchecked")
        public void onMessage(Object message) {
            if (failed) {
                return;
            }
            messages++;
            if (message instanceof Unparsed u) {
                Status s = u.status();
                fail(s.getCode() == Status.Code.INVALID_ARGUMENT
                        ? s.withDescription("request message " + messages + ": " + s.getDescription()) : s);
            } else {
                inner.onMessage((Q) message);
            }
        }

        @Override
        public void onHalfClose() {
            if (failed) {
                return;
            }
            if (oneMessage && messages == 0) {
                fail(Status.INVALID_ARGUMENT.withDescription(method + " takes exactly one request message; the client"
                        + " half-closed without sending one"));
                return;
            }
            inner.onHalfClose();
        }

        @Override
        public void onReady() {
            if (!failed) {
                inner.onReady();
            }
        }

        @Override
        public void onCancel() {
            inner.onCancel();
        }

        @Override
        public void onComplete() {
            if (!failed) {
                inner.onComplete();
            }
        }

        private void fail(Status s) {
            failed = true;
            metrics.recordMalformed(method);
            log.warn("malformed call to " + method + ": " + s.getCode() + " " + s.getDescription());
            call.closeOnce(s);
            if (!oneMessage) {
                inner.onCancel(); // a stream's handler cleans up its pending work; its later sends are ignored
            }
        }
    }

    /** The call as the real handler sees it: closes and sends after the guard closed it are ignored. */
    private static final class ClosingCall<R> extends ForwardingServerCall.SimpleForwardingServerCall<Object, R> {
        private final AtomicBoolean closed = new AtomicBoolean();

        ClosingCall(ServerCall<Object, R> delegate) {
            super(delegate);
        }

        void closeOnce(Status s) {
            if (closed.compareAndSet(false, true)) {
                super.close(s, new Metadata());
            }
        }

        @Override
        public void close(Status status, Metadata trailers) {
            if (closed.compareAndSet(false, true)) {
                super.close(status, trailers);
            }
        }

        @Override
        public void sendHeaders(Metadata headers) {
            if (!closed.get()) {
                super.sendHeaders(headers);
            }
        }

        @Override
        public void sendMessage(R message) {
            if (!closed.get()) {
                super.sendMessage(message);
            }
        }
    }
}
