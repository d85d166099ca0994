package dev.glyph.cli;

import picocli.CommandLine.Model.CommandSpec;

/**
 * Turns exceptions into the one-line messages the CLI prints instead of stack traces, with the one
 * prefix every command uses: {@code glyph <command>: }.
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

    /**
     * Returns {@code "glyph <command>: "} for a command, e.g. {@code "glyph bench train: "}, also when
     * the command runs on its own (not under the root {@code glyph} command, as in tests).
     */
    static String prefix(CommandSpec spec) {
        String name = spec.qualifiedName(" ");
        return (name.equals("glyph") || name.startsWith("glyph ") ? name : "glyph " + name) + ": ";
    }
}
