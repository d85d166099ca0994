package dev.glyph.grpcserver.internal;

import dev.glyph.proto.inference.ModelInferRequest;
import dev.glyph.proto.inference.ModelInferResponse;
import dev.glyph.proto.inference.ModelMetadataRequest;
import dev.glyph.proto.inference.ModelMetadataResponse;
import dev.glyph.proto.inference.ModelReadyRequest;
import dev.glyph.proto.inference.ModelReadyResponse;
import dev.glyph.proto.inference.RepositoryIndexRequest;
import dev.glyph.proto.inference.RepositoryIndexResponse;
import dev.glyph.proto.inference.RepositoryModelLoadRequest;
import dev.glyph.proto.inference.RepositoryModelUnloadRequest;
import dev.glyph.proto.inference.ServerMetadataResponse;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.zip.GZIPInputStream;
import java.util.zip.InflaterInputStream;
import java.util.zip.ZipException;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.AbstractEndPoint;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.ConnectionLimit;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Open Inference Protocol (KServe predict v2) over HTTP/REST, on Jetty 12's core server: a thin adapter that
 * turns JSON into the {@code inference} protos, calls the protocol-neutral {@link OipCore} (the same one the gRPC
 * service uses, so both protocols share one set of semantics and one set of dynamic batches) and turns the answer
 * or the failure back into JSON.
 *
 * <pre>{@code
 * OipHttpServer http = new OipHttpServer(Settings.of("127.0.0.1", 8000, 4 << 20, false, "glyph-1"), core, metrics::scrape);
 * int port = http.start();
 * ...
 * http.beginDrain();                        // new requests: 503; in-flight ones finish
 * http.awaitDrained(Duration.ofSeconds(20));
 * http.close();
 * }</pre>
 *
 * <p>Endpoints: {@code GET /v2/health/live}, {@code GET /v2/health/ready}, {@code GET /v2},
 * {@code GET /v2/models/{name}[/versions/{v}]}, {@code GET /v2/models/{name}[/versions/{v}]/ready},
 * {@code POST /v2/models/{name}[/versions/{v}]/infer}, {@code GET /metrics}, and Triton's repository extension
 * {@code POST /v2/repository/index} (always, like gRPC's RepositoryIndex), {@code POST
 * /v2/repository/models/{name}/load|unload} (only with {@link Settings#management()} and from a loopback client,
 * else 403). Errors are {@code {"error": "..."}} with the
 * HTTP status of {@link HttpStatusMapper} (via {@link StatusMapper}); a body over {@link Settings#maxBodyBytes()} is
 * 413, before or after inflating (gzip and deflate request bodies are inflated only up to that limit); unknown paths
 * are 404, a wrong method 405, malformed JSON 400 naming the line and column. A client that disconnects cancels its
 * queued work. Jetty's own errors (bad request line, oversize headers) are JSON too, never a stack trace.
 *
 * <p>Thread-safety: thread-safe; requests are served on a bounded {@link QueuedThreadPool}.
 */
public final class OipHttpServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(OipHttpServer.class);
    private static final String JSON = "application/json";
    /** What Prometheus' text format 0.0.4 is served as (the same text as the metrics port). */
    public static final String METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    private static final List<String> NOT_JSON = List.of("multipart/", "image/", "application/octet-stream",
            "application/x-protobuf", "application/protobuf", "application/grpc");

    /**
     * How the REST server binds and what it accepts.
     *
     * @param host the address to bind, or null for all interfaces
     * @param port the port (0 = any free port)
     * @param maxBodyBytes the largest request body, as sent and after inflating gzip/deflate; beyond: 413
     * @param management whether the repository extension is served (to loopback clients only)
     * @param maxThreads the most Jetty threads (acceptor and selector included); at least 8
     * @param threadPrefix names the threads ({@code <prefix>-http-N})
     */
    public record Settings(String host, int port, int maxBodyBytes, boolean management, int maxThreads,
            String threadPrefix) {
        /** Checks the values. */
        public Settings {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("HTTP port is " + port + "; expected 0..65535 (0 = any free port)");
            }
            if (maxBodyBytes < 1024) {
                throw new IllegalArgumentException("max body is " + maxBodyBytes + " bytes; expected >= 1024");
            }
            if (maxThreads < 8) {
                throw new IllegalArgumentException("max threads is " + maxThreads + "; expected >= 8");
            }
        }

        /** Settings with the default of {@value #DEFAULT_MAX_THREADS} threads. */
        public static Settings of(String host, int port, int maxBodyBytes, boolean management, String threadPrefix) {
            return new Settings(host, port, maxBodyBytes, management, DEFAULT_MAX_THREADS, threadPrefix);
        }
    }

    /** Jetty threads by default: 1 acceptor, 1 selector, the rest parse JSON and write answers (never block). */
    public static final int DEFAULT_MAX_THREADS = 32;

    private final Settings settings;
    private final OipCore core;
    private final Supplier<String> metrics;
    private final Server jetty;
    private final ServerConnector connector;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Object drained = new Object();
    private volatile boolean draining;

    /** Creates the server; nothing is bound until {@link #start()}. */
    public OipHttpServer(Settings settings, OipCore core, Supplier<String> metrics) {
        this.settings = settings;
        this.core = core;
        this.metrics = metrics;
        // bounded threads; the task queue is bounded by the connection limit below (Jetty warns against a bounded queue)
        QueuedThreadPool pool = new QueuedThreadPool(settings.maxThreads(), 2, 60_000);
        pool.setName(settings.threadPrefix() + "-http");
        pool.setDaemon(true);
        jetty = new Server(pool);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        http.setRequestHeaderSize(16 * 1024);
        connector = new ServerConnector(jetty, 1, 1, new HttpConnectionFactory(http));
        connector.setHost(settings.host());
        connector.setPort(settings.port());
        connector.setIdleTimeout(60_000);
        jetty.addConnector(connector);
        jetty.addBean(new ConnectionLimit(1024, jetty));
        jetty.setErrorHandler(new JsonErrorHandler());
        jetty.setHandler(new Router());
        jetty.setStopTimeout(0);
    }

    /**
     * Binds the port and starts serving.
     *
     * @return the bound port
     * @throws IOException if the port cannot be bound (nothing stays bound)
     */
    public int start() throws IOException {
        try {
            jetty.start();
        } catch (IOException e) {
            close();
            throw e;
        } catch (Exception e) {
            close();
            throw new IOException("cannot start the HTTP server on " + (settings.host() == null ? "*" : settings.host())
                    + ":" + settings.port() + ": " + e.getMessage(), e);
        }
        return connector.getLocalPort();
    }

    /** Returns the bound port, or -1 before {@link #start()} and after {@link #close()}. */
    public int port() {
        int p = connector.getLocalPort();
        return p <= 0 ? -1 : p;
    }

    /** From now on, new requests get 503 (health and metrics still answer); those in flight finish. */
    public void beginDrain() {
        draining = true;
    }

    /**
     * Waits until no request admitted before {@link #beginDrain()} is in flight.
     *
     * @return whether they all finished within {@code timeout}
     */
    public boolean awaitDrained(Duration timeout) {
        beginDrain();
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (drained) {
            while (inFlight.get() > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    LOG.warn("{} REST request(s) still in flight after {} ms; stopping anyway", inFlight.get(),
                            timeout.toMillis());
                    return false;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(drained, Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
        return true;
    }

    /** Returns the requests being served now (for tests and the drain). */
    public int inFlight() {
        return inFlight.get();
    }

    /** Stops the server and its threads (connections in flight are closed). Idempotent. */
    @Override
    public void close() {
        draining = true;
        try {
            jetty.stop();
        } catch (Exception e) {
            LOG.warn("stopping the HTTP server: {}", e.toString());
        }
    }

    // ------------------------------------------------------------------------------------------- routing

    /** A route: what a method+path does. */
    private enum Route {
        LIVE, READY, SERVER_METADATA, MODEL_METADATA, MODEL_READY, INFER, INDEX, LOAD, UNLOAD, METRICS
    }

    /** A matched path: its route, the method it takes, and the model name and version in it. */
    private record Match(Route route, String method, String model, String version) {
    }

    /** Matches a decoded path; null when no endpoint has that path. */
    static Match match(String path) {
        String p = path.endsWith("/") && path.length() > 1 ? path.substring(0, path.length() - 1) : path;
        if (!p.startsWith("/")) {
            return null;
        }
        String[] s = p.substring(1).split("/", -1);
        if (s.length == 1 && s[0].equals("metrics")) {
            return new Match(Route.METRICS, "GET", "", "");
        }
        if (s.length == 0 || !s[0].equals("v2")) {
            return null;
        }
        if (s.length == 1) {
            return new Match(Route.SERVER_METADATA, "GET", "", "");
        }
        switch (s[1]) {
            case "health" -> {
                if (s.length == 3 && s[2].equals("live")) {
                    return new Match(Route.LIVE, "GET", "", "");
                }
                if (s.length == 3 && s[2].equals("ready")) {
                    return new Match(Route.READY, "GET", "", "");
                }
                return null;
            }
            case "models" -> {
                if (s.length < 3 || s[2].isEmpty()) {
                    return null;
                }
                String name = s[2];
                String version = "";
                int rest = 3;
                if (s.length >= 5 && s[3].equals("versions")) {
                    if (s[4].isEmpty()) {
                        return null;
                    }
                    version = s[4];
                    rest = 5;
                }
                if (s.length == rest) {
                    return new Match(Route.MODEL_METADATA, "GET", name, version);
                }
                if (s.length == rest + 1 && s[rest].equals("ready")) {
                    return new Match(Route.MODEL_READY, "GET", name, version);
                }
                if (s.length == rest + 1 && s[rest].equals("infer")) {
                    return new Match(Route.INFER, "POST", name, version);
                }
                return null;
            }
            case "repository" -> {
                if (s.length == 3 && s[2].equals("index")) {
                    return new Match(Route.INDEX, "POST", "", "");
                }
                if (s.length == 5 && s[2].equals("models") && !s[3].isEmpty()) {
                    if (s[4].equals("load")) {
                        return new Match(Route.LOAD, "POST", s[3], "");
                    }
                    if (s[4].equals("unload")) {
                        return new Match(Route.UNLOAD, "POST", s[3], "");
                    }
                }
                return null;
            }
            default -> {
                return null;
            }
        }
    }

    private final class Router extends Handler.Abstract {
        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            new Exchange(request, response, callback).run();
            return true;
        }
    }

    /** One request and its single answer. */
    private final class Exchange {
        private final Request request;
        private final Response response;
        private final Callback callback;
        private final AtomicBoolean answered = new AtomicBoolean();
        /** Watches the connection for the client leaving while an inference call is pending; null otherwise. */
        private volatile DisconnectProbe probe;
        private final AtomicBoolean counted = new AtomicBoolean();

        Exchange(Request request, Response response, Callback callback) {
            this.request = request;
            this.response = response;
            this.callback = callback;
        }

        void run() {
            try {
                route();
            } catch (Throwable t) {
                fail(t);
            }
        }

        private void route() {
            String path = request.getHttpURI().getDecodedPath();
            String method = request.getMethod();
            Match m = match(path == null ? "" : path);
            if (m == null) {
                error(404, "no endpoint " + method + " " + path + "; this server serves the Open Inference Protocol:"
                        + " /v2, /v2/health/live|ready, /v2/models/{name}[/versions/{v}][/ready|/infer],"
                        + " /v2/repository/..., /metrics");
                return;
            }
            if (!m.method().equals(method)) {
                response.getHeaders().put(HttpHeader.ALLOW, m.method());
                error(405, "method " + method + " is not allowed on " + path + "; use " + m.method());
                return;
            }
            switch (m.route()) {
                case LIVE -> {
                    if (core.serverLive().getLive()) {
                        empty(200);
                    } else {
                        error(503, "server is not live");
                    }
                    return;
                }
                case READY -> {
                    if (!draining && core.serverReady().getReady()) {
                        empty(200);
                    } else {
                        error(503, draining ? "server is shutting down" : "server is not ready: no model is loaded and"
                                + " warmed up yet");
                    }
                    return;
                }
                case METRICS -> {
                    send(200, OipHttpServer.METRICS_CONTENT_TYPE, metrics.get().getBytes(StandardCharsets.UTF_8));
                    return;
                }
                default -> {
                    // counted below
                }
            }
            // Admit the request: count first, then check the drain flag, so awaitDrained never misses one.
            inFlight.incrementAndGet();
            counted.set(true);
            if (draining) {
                response.getHeaders().put(HttpHeader.CONNECTION, "close");
                error(503, "server is shutting down; retry on another server");
                return;
            }
            switch (m.route()) {
                case SERVER_METADATA -> json(200, OipJson.serverMetadata(core.serverMetadata()));
                case MODEL_METADATA -> json(200, OipJson.modelMetadata(core.modelMetadata(ModelMetadataRequest.newBuilder()
                        .setName(m.model()).setVersion(m.version()).build())));
                case MODEL_READY -> {
                    ModelReadyResponse r = core.modelReady(ModelReadyRequest.newBuilder().setName(m.model())
                            .setVersion(m.version()).build());
                    if (r.getReady()) {
                        empty(200);
                    } else {
                        error(503, "model '" + m.model() + "'" + (m.version().isEmpty() ? "" : " version '" + m.version()
                                + "'") + " is not ready");
                    }
                }
                case INFER -> readBody(body -> {
                    ModelInferRequest req = OipJson.inferRequest(body, m.model(), m.version());
                    OipCore.Call call = new OipCore.Call(null);
                    // the client closing its connection ends the call: its queued images are dropped unexecuted
                    request.addFailureListener(t -> call.ended());
                    probe = new DisconnectProbe(call);
                    probe.start();
                    core.infer(req, call).whenComplete((r, e) -> {
                            if (e != null) {
                                fail(e);
                            } else {
                                json(200, OipJson.inferResponse(r));
                            }
                        });
                });
                case INDEX, LOAD, UNLOAD -> repository(m);
                default -> throw new IllegalStateException("route " + m.route() + " has no handler");
            }
        }

        private void repository(Match m) {
            if (m.route() != Route.INDEX && !settings.management()) {
                error(403, "the model repository extension is off; start the server with --allow-management"
                        + " (ServerConfig.management(true)) and call it from this machine (loopback only)");
                return;
            }
            SocketAddress remote = request.getConnectionMetaData().getRemoteSocketAddress();
            boolean local = remote instanceof InetSocketAddress isa && isa.getAddress() != null
                    && isa.getAddress().isLoopbackAddress();
            if (m.route() != Route.INDEX && !local) {
                error(403, "the repository load and unload calls answer loopback clients only; this client is " + remote
                        + "; call it from the server's machine");
                return;
            }
            readBody(body -> {
                CompletableFuture<byte[]> answer = switch (m.route()) {
                    case INDEX -> CompletableFuture.completedFuture(OipJson.repositoryIndex(core.repositoryIndex(
                            RepositoryIndexRequest.newBuilder().setReady(OipJson.indexReady(body)).build())));
                    case LOAD -> core.load(RepositoryModelLoadRequest.newBuilder().setModelName(m.model())
                            .putAllParameters(OipJson.repositoryParameters(body, "load")).build(), true)
                            .thenApply(r -> null);
                    default -> core.unload(RepositoryModelUnloadRequest.newBuilder().setModelName(m.model())
                            .putAllParameters(OipJson.repositoryParameters(body, "unload")).build(), true)
                            .thenApply(r -> null);
                };
                answer.whenComplete((json, e) -> {
                    if (e != null) {
                        fail(e);
                    } else if (json == null) {
                        empty(200);
                    } else {
                        json(200, json);
                    }
                });
            });
        }

        // ---------------------------------------------------------------------------------- the body

        /** Reads the whole body (bounded, inflated if compressed, bounded again), then runs {@code then}. */
        private void readBody(BodyConsumer then) {
            HttpFields h = request.getHeaders();
            if (h.get("Inference-Header-Content-Length") != null) {
                unread(400, "this server does not implement the binary tensor data extension"
                        + " (Inference-Header-Content-Length); send the tensors as JSON");
                return;
            }
            String type = h.get(HttpHeader.CONTENT_TYPE);
            if (type != null) {
                String t = type.toLowerCase(Locale.ROOT).strip();
                for (String bad : NOT_JSON) {
                    if (t.startsWith(bad)) {
                        unread(415, "Content-Type " + type + " is not accepted; send the Open Inference Protocol's JSON"
                                + " body as application/json (images go base64 in a BYTES tensor)");
                        return;
                    }
                }
            }
            String encoding = encoding(h);
            if (encoding == null) {
                return;
            }
            long length = request.getLength();
            int max = settings.maxBodyBytes();
            if (length > 2L * max) {
                // far too large to read and discard: answer at once and close the connection
                response.getHeaders().put(HttpHeader.CONNECTION, "close");
                error(413, tooLarge(length + " bytes", max));
                return;
            }
            new BodyReader(max, body -> {
                byte[] plain = encoding.equals("identity") ? body : inflate(body, encoding, max);
                if (plain != null) {
                    then.accept(plain);
                }
            }).read();
        }

        private String tooLarge(String found, int max) {
            return "request body is " + found + "; the limit is " + max + " bytes (max message size; the server's"
                    + " --max-message-bytes)";
        }

        /** Returns identity, gzip or deflate; or answers 415 and returns null. */
        private String encoding(HttpFields h) {
            String ce = h.get(HttpHeader.CONTENT_ENCODING);
            if (ce == null || ce.isBlank()) {
                return "identity";
            }
            String e = ce.toLowerCase(Locale.ROOT).strip();
            switch (e) {
                case "identity" -> {
                    return "identity";
                }
                case "gzip", "x-gzip" -> {
                    return "gzip";
                }
                case "deflate" -> {
                    return "deflate";
                }
                default -> {
                    unread(415, "Content-Encoding " + ce + " is not accepted; expected gzip, deflate or none");
                    return null;
                }
            }
        }

        /** Inflates at most {@code max} bytes; answers 413 beyond, 400 for a corrupt stream (and returns null). */
        private byte[] inflate(byte[] body, String encoding, int max) {
            try (InputStream in = encoding.equals("gzip") ? new GZIPInputStream(new ByteArrayInputStream(body))
                    : new InflaterInputStream(new ByteArrayInputStream(body))) {
                ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(max, Math.max(1024, body.length * 4)));
                byte[] buf = new byte[16 * 1024];
                long total = 0;
                for (int r = in.read(buf); r >= 0; r = in.read(buf)) {
                    total += r;
                    if (total > max) {
                        error(413, "request body inflates to more than " + max + " bytes (" + encoding + ", "
                                + body.length + " bytes sent); the limit is " + max + " bytes (max message size)");
                        return null;
                    }
                    out.write(buf, 0, r);
                }
                return out.toByteArray();
            } catch (ZipException | java.io.EOFException e) {
                error(400, "request body is not valid " + encoding + " data (" + e.getMessage() + ")");
                return null;
            } catch (IOException e) {
                error(400, "request body cannot be inflated as " + encoding + " (" + e.getMessage() + ")");
                return null;
            }
        }

        /**
         * Reads the body chunk by chunk without blocking. Past {@code max} bytes it keeps reading but discards, up to
         * twice the limit, so that the client reads its 413 on a healthy connection; past that it answers at once
         * and closes the connection.
         */
        private final class BodyReader implements Runnable {
            private final int max;
            private final BodyConsumer then;
            private byte[] buf = new byte[8192];
            private long n;

            BodyReader(int max, BodyConsumer then) {
                this.max = max;
                this.then = then;
            }

            void read() {
                run();
            }

            @Override
            public void run() {
                try {
                    while (true) {
                        Content.Chunk chunk = request.read();
                        if (chunk == null) {
                            request.demand(this);
                            return;
                        }
                        if (Content.Chunk.isFailure(chunk)) {
                            Throwable f = chunk.getFailure();
                            chunk.release();
                            error(400, "request body could not be read: " + f.getMessage());
                            return;
                        }
                        int r = chunk.remaining();
                        if (n + r <= max) {
                            if (n + r > buf.length) {
                                buf = Arrays.copyOf(buf, (int) Math.min(max, Math.max(2L * buf.length, n + r)));
                            }
                            chunk.get(buf, (int) n, r);
                        } else {
                            buf = null; // over the limit: discard from now on
                        }
                        n += r;
                        boolean last = chunk.isLast();
                        chunk.release();
                        if (n > 2L * max) {
                            response.getHeaders().put(HttpHeader.CONNECTION, "close");
                            error(413, tooLarge("more than " + 2L * max + " bytes", max));
                            return;
                        }
                        if (last) {
                            if (n > max) {
                                error(413, tooLarge(n + " bytes", max));
                            } else {
                                then.accept(n == buf.length ? buf : Arrays.copyOf(buf, (int) n));
                            }
                            return;
                        }
                    }
                } catch (Throwable t) {
                    fail(t);
                }
            }
        }

        /**
         * Notices a client that closes its connection while its inference call waits for the batcher. Jetty reads
         * an HTTP/1.1 connection only between requests, so a closed connection goes unnoticed until the answer is
         * written; this registers a read interest of its own on the connection once the body is read, and a read
         * of -1 (end of stream) ends the call, which drops its queued images unexecuted. If the client sends
         * further bytes (a pipelined request) before the answer, the byte read is lost: the answer then carries
         * {@code Connection: close}, and the client resends the pipelined request on a new connection (as RFC 9112
         * section 9.3.2 requires of pipelining clients). The interest is withdrawn before the answer is written,
         * so that Jetty's own reading of the next request is undisturbed.
         */
        private final class DisconnectProbe implements Callback {
            private final OipCore.Call call;
            private final EndPoint endPoint = request.getConnectionMetaData().getConnection().getEndPoint();
            private final Object lock = new Object();
            private boolean registered;
            private boolean stopped;
            private boolean lostBytes;

            DisconnectProbe(OipCore.Call call) {
                this.call = call;
            }

            void start() {
                synchronized (lock) {
                    if (!stopped && !registered) {
                        registered = endPoint.tryFillInterested(this);
                    }
                }
            }

            /** Withdraws the read interest; returns whether the connection must close after the answer. */
            boolean stop() {
                synchronized (lock) {
                    stopped = true;
                    if (registered && endPoint instanceof AbstractEndPoint e) {
                        registered = false;
                        e.getFillInterest().onFail(PROBE_STOPPED); // ours: nothing else registers while we are
                    }
                    return lostBytes;
                }
            }

            @Override
            public void succeeded() {
                synchronized (lock) {
                    registered = false;
                    if (stopped) {
                        return;
                    }
                }
                int n;
                try {
                    n = endPoint.fill(BufferUtil.allocate(1));
                } catch (IOException e) {
                    n = -1;
                }
                if (n < 0) {
                    LOG.debug("client {} closed its connection while its inference call waited; ending the call",
                            request.getConnectionMetaData().getRemoteSocketAddress());
                    call.ended();
                } else if (n > 0) {
                    synchronized (lock) {
                        lostBytes = true;
                    }
                } else {
                    start();
                }
            }

            @Override
            public void failed(Throwable x) {
                synchronized (lock) {
                    registered = false;
                }
                if (x != PROBE_STOPPED) {
                    call.ended(); // the endpoint failed or closed
                }
            }
        }

        // ---------------------------------------------------------------------------------- answers

        /** Answers with the status and message of {@code t}: {@link StatusMapper}, then {@link HttpStatusMapper}. */
        private void fail(Throwable t) {
            Status s = StatusMapper.toStatus(t);
            int code = HttpStatusMapper.toHttp(s.getCode());
            if (code == 429 || code == 503) {
                response.getHeaders().put(HttpHeader.RETRY_AFTER, "1");
            }
            error(code, s.getDescription() == null ? s.getCode().name() : s.getDescription());
        }

        private void error(int code, String message) {
            json(code, OipJson.error(message));
        }

        /**
         * Answers before the body is read. Jetty then closes the connection rather than read an unknown body, so
         * the answer says {@code Connection: close}; otherwise a client could send its next request on a
         * connection that is closing and get no answer at all.
         */
        private void unread(int code, String message) {
            response.getHeaders().put(HttpHeader.CONNECTION, "close");
            error(code, message);
        }

        private void json(int code, byte[] body) {
            send(code, JSON, body);
        }

        private void empty(int code) {
            send(code, null, new byte[0]);
        }

        private void send(int code, String type, byte[] body) {
            if (!answered.compareAndSet(false, true)) {
                return;
            }
            try {
                DisconnectProbe p = probe;
                if (p != null && p.stop()) {
                    response.getHeaders().put(HttpHeader.CONNECTION, "close");
                }
                response.setStatus(code);
                if (type != null) {
                    response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
                }
                response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
                response.write(true, ByteBuffer.wrap(body), Callback.from(this::doneOk, x -> {
                    done();
                    callback.failed(x);
                }));
            } catch (Throwable t) {
                done();
                callback.failed(t);
            }
        }

        private void done() {
            if (counted.compareAndSet(true, false)) {
                if (inFlight.decrementAndGet() == 0 && draining) {
                    synchronized (drained) {
                        drained.notifyAll();
                    }
                }
            }
        }

        private void doneOk() {
            done();
            callback.succeeded();
        }
    }

    /** Fails the disconnect probe's read interest when the answer is ready (not an error). */
    private static final Exception PROBE_STOPPED = new Exception("disconnect probe stopped: the answer is ready", null,
            false, false) {
        private static final long serialVersionUID = 1L;
    };

    @FunctionalInterface
    private interface BodyConsumer {
        void accept(byte[] body);
    }

    /** Jetty's own error answers (bad request line, oversize headers, ambiguous URIs...) as {"error": "..."}. */
    private static final class JsonErrorHandler extends ErrorHandler {
        JsonErrorHandler() {
            setShowStacks(false);
            setShowCauses(false);
        }

        @Override
        protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
                Callback callback) {
            String m = message == null || message.isBlank() ? org.eclipse.jetty.http.HttpStatus.getMessage(code) : message;
            byte[] body = OipJson.error(m);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, JSON);
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
            response.write(true, ByteBuffer.wrap(body), callback);
        }

        @Override
        public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
            String m = reason == null || reason.isBlank() ? org.eclipse.jetty.http.HttpStatus.getMessage(status) : reason;
            fields.put(HttpHeader.CONTENT_TYPE, JSON);
            return ByteBuffer.wrap(OipJson.error(m));
        }
    }
}
