package dev.glyph.cli;

import dev.glyph.cli.internal.CliLogging;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import picocli.CommandLine;

/**
 * Entry point of the {@code ./glyph} launcher. The only {@code System.exit} in Glyph is here.
 *
 * <p>Before picocli parses anything (and before any library creates a logger), it applies the library
 * logging that {@code --verbose} and {@code serve --log-file FILE} ask for ({@link CliLogging}); the commands
 * write their own output to the real stdout and stderr.
 */
public final class Main {

    private Main() {
    }

    /** Runs the command line and exits with its code. */
    public static void main(String[] args) {
        CliLogging.Settings logging = CliLogging.fromArgs(args);
        PrintStream err;
        try {
            err = CliLogging.apply(logging);
        } catch (IOException | RuntimeException e) {
            System.err.println("glyph serve: --log-file " + logging.logFile() + ": cannot append to it ("
                    + e.getMessage() + "); expected a writable file path");
            System.exit(1);
            return;
        }
        CommandLine cl = GlyphCommand.newCommandLine();
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        System.exit(code);
    }
}
