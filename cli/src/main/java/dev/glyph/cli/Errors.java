package dev.glyph.cli;

/**
 * Turns exceptions into the one-line messages the CLI prints instead of stack traces.
 *
 * <p>Thread-safety: stateless.
 */
final class Errors {

    private Errors() {
    }

    /** The exception's message (or its type when it has none), on one line. */
    static String oneLine(Throwable e) {
        String m = e.getMessage();
        if (m == null || m.isBlank()) {
            Throwable c = e.getCause();
            m = c != null && c.getMessage() != null ? c.getMessage() : e.getClass().getSimpleName();
        }
        return m.replaceAll("\\s*\\R\\s*", " ").trim();
    }
}
