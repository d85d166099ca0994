package dev.glyph.grpcserver.internal;

import dev.glyph.inferencesdk.BatcherClosedException;
import dev.glyph.inferencesdk.DeadlineExceededException;
import dev.glyph.inferencesdk.InferenceException;
import dev.glyph.inferencesdk.QueueFullException;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where failures become gRPC statuses:
 *
 * <table>
 * <caption>mapping</caption>
 * <tr><td>{@link BadRequestException}</td><td>INVALID_ARGUMENT, its message (field and image index)</td></tr>
 * <tr><td>{@link ModelNotFoundException}</td><td>NOT_FOUND, its message (what is served)</td></tr>
 * <tr><td>{@link PermissionDeniedException}</td><td>PERMISSION_DENIED, its message (how to allow it)</td></tr>
 * <tr><td>{@link PreconditionFailedException}</td><td>FAILED_PRECONDITION, its message (the reasons)</td></tr>
 * <tr><td>{@link QueueFullException}, {@link OverloadedException}</td><td>RESOURCE_EXHAUSTED</td></tr>
 * <tr><td>{@link DeadlineExceededException}</td><td>DEADLINE_EXCEEDED (the images were not run)</td></tr>
 * <tr><td>{@link UnavailableException}, {@link BatcherClosedException}</td><td>UNAVAILABLE</td></tr>
 * <tr><td>{@link CancellationException}</td><td>CANCELLED</td></tr>
 * <tr><td>a gRPC status other than UNKNOWN</td><td>kept</td></tr>
 * <tr><td>anything else (including {@link InferenceException})</td><td>INTERNAL with a generic
 *     message and an error id; the exception is logged with that id</td></tr>
 * </table>
 *
 * <p>UNKNOWN is never returned. Thread-safety: stateless apart from an atomic id counter.
 */
public final class StatusMapper {

    private static final Logger LOG = LoggerFactory.getLogger(StatusMapper.class);
    private static final AtomicLong ERROR_IDS = new AtomicLong();

    private StatusMapper() {
    }

    /** Returns the status for {@code t} (unwrapping completion wrappers). */
    public static Status toStatus(Throwable t) {
        Throwable e = unwrap(t);
        if (e instanceof BadRequestException) {
            return Status.INVALID_ARGUMENT.withDescription(e.getMessage());
        }
        if (e instanceof ModelNotFoundException) {
            return Status.NOT_FOUND.withDescription(e.getMessage());
        }
        if (e instanceof PermissionDeniedException) {
            return Status.PERMISSION_DENIED.withDescription(e.getMessage());
        }
        if (e instanceof PreconditionFailedException) {
            return Status.FAILED_PRECONDITION.withDescription(e.getMessage());
        }
        if (e instanceof QueueFullException) {
            return Status.RESOURCE_EXHAUSTED.withDescription("server queue is full: " + e.getMessage()
                    + "; retry later or send fewer images at once");
        }
        if (e instanceof OverloadedException) {
            return Status.RESOURCE_EXHAUSTED.withDescription(e.getMessage());
        }
        if (e instanceof DeadlineExceededException) {
            return Status.DEADLINE_EXCEEDED.withDescription(e.getMessage());
        }
        if (e instanceof UnavailableException) {
            return Status.UNAVAILABLE.withDescription(e.getMessage());
        }
        if (e instanceof BatcherClosedException) {
            return Status.UNAVAILABLE.withDescription("server is shutting down; retry on another server");
        }
        if (e instanceof CancellationException) {
            return Status.CANCELLED.withDescription("call was cancelled");
        }
        Status s = null;
        if (e instanceof StatusRuntimeException sre) {
            s = sre.getStatus();
        } else if (e instanceof StatusException se) {
            s = se.getStatus();
        }
        if (s != null && s.getCode() != Status.Code.UNKNOWN) {
            return s;
        }
        return internal(s != null && s.getCause() != null ? s.getCause() : e);
    }

    /** Returns {@code s} unless it is UNKNOWN, which becomes INTERNAL (logged). */
    public static Status sanitize(Status s) {
        if (s.getCode() != Status.Code.UNKNOWN) {
            return s;
        }
        Throwable cause = s.getCause() != null ? s.getCause()
                : new IllegalStateException("UNKNOWN status: " + s.getDescription());
        return internal(cause);
    }

    /** Returns the status for {@code t} as an exception to pass to {@code StreamObserver.onError}. */
    public static StatusRuntimeException toException(Throwable t) {
        return toStatus(t).asRuntimeException();
    }

    private static Status internal(Throwable cause) {
        long id = ERROR_IDS.incrementAndGet();
        LOG.error("internal error #{} while serving a call", id, cause);
        return Status.INTERNAL.withDescription("internal server error (error #" + id + " in the server log)");
    }

    private static Throwable unwrap(Throwable t) {
        Throwable e = t;
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }
}
