package dev.glyph.grpcserver.internal;

import io.grpc.Status;

/**
 * The one place where a gRPC status code becomes an HTTP status for the Open Inference Protocol's REST API.
 * Failures become gRPC statuses in {@link StatusMapper} (for both protocols), then HTTP codes here, so a failure
 * gets the same meaning over gRPC and REST.
 *
 * <pre>{@code
 * Status s = StatusMapper.toStatus(error);
 * int http = HttpStatusMapper.toHttp(s.getCode());        // INVALID_ARGUMENT -> 400
 * }</pre>
 *
 * <table>
 * <caption>mapping</caption>
 * <tr><td>OK</td><td>200</td></tr>
 * <tr><td>INVALID_ARGUMENT, OUT_OF_RANGE, FAILED_PRECONDITION</td><td>400 (the spec's "typically 400"; a load
 *     refused by its gate is FAILED_PRECONDITION)</td></tr>
 * <tr><td>UNAUTHENTICATED</td><td>401</td></tr>
 * <tr><td>PERMISSION_DENIED</td><td>403</td></tr>
 * <tr><td>NOT_FOUND</td><td>404</td></tr>
 * <tr><td>ALREADY_EXISTS, ABORTED</td><td>409</td></tr>
 * <tr><td>RESOURCE_EXHAUSTED</td><td>429 (a body over the size limit is 413, decided before any status)</td></tr>
 * <tr><td>CANCELLED</td><td>499 (client closed the request; nobody reads it)</td></tr>
 * <tr><td>UNIMPLEMENTED</td><td>501</td></tr>
 * <tr><td>UNAVAILABLE</td><td>503</td></tr>
 * <tr><td>DEADLINE_EXCEEDED</td><td>504</td></tr>
 * <tr><td>INTERNAL, DATA_LOSS, UNKNOWN</td><td>500 (a server bug; {@link StatusMapper} logs it with an error id)</td></tr>
 * </table>
 *
 * <p>Thread-safety: stateless.
 */
public final class HttpStatusMapper {

    /** Not an IANA code: the client closed the connection before the answer (as nginx logs it). */
    public static final int CLIENT_CLOSED_REQUEST = 499;

    private HttpStatusMapper() {
    }

    /** Returns the HTTP status for {@code code}. */
    public static int toHttp(Status.Code code) {
        return switch (code) {
            case OK -> 200;
            case INVALID_ARGUMENT, OUT_OF_RANGE, FAILED_PRECONDITION -> 400;
            case UNAUTHENTICATED -> 401;
            case PERMISSION_DENIED -> 403;
            case NOT_FOUND -> 404;
            case ALREADY_EXISTS, ABORTED -> 409;
            case RESOURCE_EXHAUSTED -> 429;
            case CANCELLED -> CLIENT_CLOSED_REQUEST;
            case UNIMPLEMENTED -> 501;
            case UNAVAILABLE -> 503;
            case DEADLINE_EXCEEDED -> 504;
            case INTERNAL, DATA_LOSS, UNKNOWN -> 500;
        };
    }
}
