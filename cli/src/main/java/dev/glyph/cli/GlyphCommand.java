package dev.glyph.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code glyph} root command: dispatches to the subcommands. Run with {@code --help} for the
 * list, or {@code glyph <command> --help} for one command.
 *
 * <p>Output: each command prints its own concise lines; library logging (SLF4J) shows only warnings and
 * errors on stderr unless {@code --verbose} is given.
 *
 * <p>Exit codes: 0 success, 1 failure (a one-line message on stderr, never a stack trace), 2 usage
 * error. Every error line starts with {@code glyph <command>: }, e.g. {@code glyph bench train: }.
 *
 * <p>Thread-safety: one invocation per instance.
 */
@Command(name = "glyph", mixinStandardHelpOptions = true, versionProvider = GlyphCommand.Version.class,
        description = "Train, export, embed and serve handwritten-digit classifiers.",
        subcommands = {FetchCommand.class, TrainCommand.class, ExportCommand.class, VerifyCommand.class,
            OptimizeCommand.class, ClassifyCommand.class, EvaluateCommand.class, ServeCommand.class, BenchCommand.class, DoctorCommand.class,
            CommandLine.HelpCommand.class})
public final class GlyphCommand implements Runnable {

    /**
     * {@code --verbose}, accepted by the root command and (inherited) by every subcommand: the libraries'
     * INFO log lines on stderr too, not only their warnings and errors. {@code Main} applies it before
     * logging starts ({@link dev.glyph.cli.internal.CliLogging}); {@link #invoke} leaves the embedding
     * application's logging as it is.
     */
    @CommandLine.Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
            description = "Also print the libraries' INFO log lines on stderr (default: warnings and errors only).")
    boolean verbose;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /**
     * Builds the command line with Glyph's error handling: usage errors print the message and a
     * hint and return 2; unexpected exceptions print one line and return 1.
     */
    public static CommandLine newCommandLine() {
        CommandLine cl = new CommandLine(new GlyphCommand());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionExceptionHandler((ex, line, parseResult) -> {
            PrintWriter err = line.getErr();
            err.println(Errors.prefix(line.getCommandSpec()) + Errors.oneLine(ex));
            err.flush();
            return 1;
        });
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine line = ex.getCommandLine();
            PrintWriter err = line.getErr();
            err.println(Errors.prefix(line.getCommandSpec()) + ex.getMessage());
            err.println("Try 'glyph " + (line == line.getCommandSpec().root().commandLine() ? ""
                    : line.getCommandSpec().qualifiedName(" ").replaceFirst("^glyph ", "") + " ") + "--help'.");
            err.flush();
            return 2;
        });
        return cl;
    }

    /**
     * What one in-process run of the CLI printed and returned.
     *
     * @param exitCode 0 success, 1 failure, 2 usage error
     * @param out standard output
     * @param err standard error
     */
    public record Invocation(int exitCode, String out, String err) {
    }

    /**
     * Runs {@code glyph <args>} in this JVM, as {@code main} would but without exiting, and returns what it
     * printed (for embedding and tests).
     *
     * <pre>{@code
     * GlyphCommand.Invocation r = GlyphCommand.invoke("verify", "--model", "models/mnist/1");
     * if (r.exitCode() != 0) System.err.print(r.err());
     * }</pre>
     */
    public static Invocation invoke(String... args) {
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        CommandLine cl = newCommandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Invocation(code, out.toString(), err.toString());
    }

    /** Reports Glyph's and the JVM's versions. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = GlyphCommand.class.getPackage().getImplementationVersion();
            return new String[] {"glyph " + (v == null ? "0.1.0-SNAPSHOT" : v),
                "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")"};
        }
    }
}
