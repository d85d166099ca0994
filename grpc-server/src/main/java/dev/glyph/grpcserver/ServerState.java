package dev.glyph.grpcserver;

/**
 * Where a {@link GlyphServer} is in its life.
 *
 * <pre>{@code
 * if (server.state() == ServerState.SERVING) { ... }
 * }</pre>
 *
 * <p>Thread-safety: immutable.
 */
public enum ServerState {
    /** Created; nothing bound yet. */
    CREATED,
    /** Ports bound; health NOT_SERVING; classification calls get UNAVAILABLE until the model is warmed up. */
    STARTING,
    /** Model loaded and warmed up; health SERVING. */
    SERVING,
    /** Shutting down: health NOT_SERVING, no new calls, in-flight calls finishing. */
    DRAINING,
    /** Stopped; everything released. */
    STOPPED
}
