package dev.glyph.client;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * A call to a Glyph server failed for a reason other than bad input: the server is unreachable,
 * not serving, overloaded or past the deadline. The message names the server and the gRPC status
 * code, e.g. {@code server localhost:50051: UNAVAILABLE: io exception}; the cause is kept.
 *
 * <pre>{@code
 * try {
 *     remote.classifyFile(path);
 * } catch (ClientException e) {
 *     if (e.code() == Status.Code.RESOURCE_EXHAUSTED) { ... back off ... }
 * }
 * }</pre>
 *
 * <p>Thread-safety: immutable.
 */
public final class ClientException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final Status.Code code;

    /** Wraps a failed call to {@code target}. */
    public ClientException(String target, StatusRuntimeException cause) {
        super(describe(target, cause), cause);
        this.code = cause.getStatus().getCode();
    }

    /** Returns the one-line form of a failed call: {@code server T: CODE[: description]}. */
    static String describe(String target, StatusRuntimeException e) {
        String d = e.getStatus().getDescription();
        return "server " + target + ": " + e.getStatus().getCode() + (d == null ? "" : ": " + d);
    }

    /** Returns the gRPC status code the call ended with. */
    public Status.Code code() {
        return code;
    }
}
