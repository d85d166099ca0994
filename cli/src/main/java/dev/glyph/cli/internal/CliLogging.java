package dev.glyph.cli.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The command line's library logging (slf4j-simple): WARN and ERROR on stderr by default, INFO too with
 * {@code --verbose}, and with {@code serve --log-file FILE} everything from INFO up in FILE (with timestamps)
 * while warnings and errors still reach stderr. Commands print their own concise lines; this keeps the
 * libraries' INFO lines ({@code [INFO] DataStore - Loaded mnist ...}) out of them.
 *
 * <p>slf4j-simple reads its configuration once, when the first logger is created, and picocli parses only
 * after the command classes exist, so {@code Main} pre-scans the arguments ({@link #fromArgs}) and calls
 * {@link #apply} first. For the log file, slf4j-simple keeps writing to {@code System.err}, which becomes a
 * {@link LineRouter}: each log record goes to the file and, at WARN and above (or with {@code --verbose}),
 * to the real stderr. Commands write to the real stderr directly ({@code Main} gives picocli that stream).
 *
 * <pre>{@code
 * CliLogging.Settings s = CliLogging.fromArgs(args);   // before any LoggerFactory.getLogger
 * PrintStream realErr = CliLogging.apply(s);
 * }</pre>
 *
 * <p>Thread-safety: {@link #apply} once, from {@code main}, before other threads log; the router is thread-safe.
 */
public final class CliLogging {

    /** slf4j-simple's property prefix. */
    static final String PREFIX = "org.slf4j.simpleLogger.";
    private static volatile Settings applied;

    private CliLogging() {
    }

    /**
     * What the arguments ask for.
     *
     * @param verbose {@code --verbose} anywhere before {@code --}
     * @param logFile {@code --log-file FILE} (or {@code --log-file=FILE}) of {@code serve}, or null
     */
    public record Settings(boolean verbose, Path logFile) {
    }

    /** Scans the raw arguments for {@code --verbose} and {@code serve}'s {@code --log-file}. */
    public static Settings fromArgs(String[] args) {
        boolean verbose = false;
        Path logFile = null;
        String command = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--")) {
                break;
            }
            if (a.equals("--verbose")) {
                verbose = true;
            } else if (command == null && !a.startsWith("-")) {
                command = a;
            } else if ("serve".equals(command) && a.equals("--log-file") && i + 1 < args.length) {
                logFile = Path.of(args[++i]);
            } else if ("serve".equals(command) && a.startsWith("--log-file=")) {
                logFile = Path.of(a.substring("--log-file=".length()));
            }
        }
        return new Settings(verbose, logFile);
    }

    /**
     * Configures slf4j-simple through its system properties (which win over simplelogger.properties) and,
     * for a log file, routes {@code System.err}. Call before the first logger is created.
     *
     * @return the real stderr, for the commands' own output
     * @throws IOException if the log file cannot be opened for appending
     */
    public static PrintStream apply(Settings s) throws IOException {
        PrintStream realErr = System.err;
        if (s.verbose() || s.logFile() != null) {
            System.setProperty(PREFIX + "defaultLogLevel", "info");
        }
        if (s.logFile() != null) {
            Path parent = s.logFile().toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            OutputStream file = Files.newOutputStream(s.logFile(), StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            System.setProperty(PREFIX + "logFile", "System.err");
            System.setProperty(PREFIX + "cacheOutputStream", "false");
            System.setProperty(PREFIX + "showDateTime", "true");
            System.setProperty(PREFIX + "dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX");
            System.setErr(new PrintStream(new LineRouter(file, realErr, s.verbose()), true, StandardCharsets.UTF_8));
        }
        applied = s;
        return realErr;
    }

    /** Returns whether {@code Main} applied a log file (so that {@code serve --log-file} run in-process can say it is not). */
    public static boolean logFileApplied() {
        Settings s = applied;
        return s != null && s.logFile() != null;
    }

    /**
     * Splits slf4j-simple's output by record: everything to the file, WARN and ERROR records (all records when
     * verbose) also to the console. Lines without a {@code [LEVEL]} tag (a stack trace's) follow their record;
     * output that precedes any record goes to both.
     */
    public static final class LineRouter extends OutputStream {
        private static final Pattern LEVEL = Pattern.compile("^(?:\\S+ )?\\[(TRACE|DEBUG|INFO|WARN|ERROR)\\] ");
        private final OutputStream file;
        private final OutputStream console;
        private final boolean verbose;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();
        private boolean toConsole = true;

        /** Routes into {@code file} and {@code console}. */
        public LineRouter(OutputStream file, OutputStream console, boolean verbose) {
            this.file = file;
            this.console = console;
            this.verbose = verbose;
        }

        @Override
        public synchronized void write(int b) throws IOException {
            line.write(b);
            if (b == '\n') {
                route();
            }
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) throws IOException {
            for (int i = off; i < off + len; i++) {
                write(b[i]);
            }
        }

        @Override
        public synchronized void flush() throws IOException {
            file.flush();
            console.flush();
        }

        @Override
        public synchronized void close() throws IOException {
            if (line.size() > 0) {
                route();
            }
            file.close();
        }

        private void route() throws IOException {
            byte[] bytes = line.toByteArray();
            line.reset();
            Matcher m = LEVEL.matcher(new String(bytes, StandardCharsets.UTF_8));
            if (m.find()) {
                toConsole = verbose || m.group(1).equals("WARN") || m.group(1).equals("ERROR");
            }
            file.write(bytes);
            file.flush();
            if (toConsole) {
                console.write(bytes);
                console.flush();
            }
        }
    }
}
