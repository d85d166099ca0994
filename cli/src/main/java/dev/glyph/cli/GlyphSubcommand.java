package dev.glyph.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * What every {@code glyph} subcommand shares: its picocli spec, its output streams and the one error
 * form, {@code glyph <command>: <one line>} on stderr.
 *
 * <pre>{@code
 * try { ... } catch (IOException e) { return fail(e); }     // "glyph export: <message>", exit 1
 * }</pre>
 *
 * <p>Thread-safety: one invocation per instance.
 */
public abstract class GlyphSubcommand implements Callable<Integer> {

    /** Injected by picocli. */
    @Spec
    protected CommandSpec spec;

    /** Returns the command's standard output. */
    protected PrintWriter out() {
        return spec.commandLine().getOut();
    }

    /** Returns the command's standard error. */
    protected PrintWriter err() {
        return spec.commandLine().getErr();
    }

    /** Prints {@code glyph <command>: message} on stderr and returns {@code code}. */
    protected int fail(String message, int code) {
        PrintWriter err = err();
        err.println(Errors.prefix(spec) + message);
        err.flush();
        return code;
    }

    /** Prints {@code glyph <command>: <e on one line>} on stderr and returns 1. */
    protected int fail(Throwable e) {
        return fail(Errors.oneLine(e), 1);
    }

    /**
     * Returns what {@code fromOptions} builds from the option values, and throws an
     * {@link IllegalArgumentException} it throws (a value out of range) as a {@link #usage} error.
     */
    protected <T> T fromOptions(Supplier<T> fromOptions) {
        try {
            return fromOptions.get();
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
    }

    /** Returns a usage error (exit 2, with a --help hint) to throw. */
    protected ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }
}
