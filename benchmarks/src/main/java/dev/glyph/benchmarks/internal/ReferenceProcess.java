package dev.glyph.benchmarks.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One warm PyTorch reference process ({@code benchmarks/reference/ref_train.py --stdin}): started once,
 * then driven round by round over stdin, so every timed reference round runs in the same warm Python
 * process, as Glyph's rounds run in one warm JVM.
 *
 * <pre>{@code
 * try (ReferenceProcess p = ReferenceProcess.start(cmd, Map.of())) {
 *     p.warmup();
 *     double imgPerSec = p.round().path("img_per_s").asDouble();
 * }
 * }</pre>
 *
 * <p>Thread-safety: not thread-safe; one driver thread.
 */
public final class ReferenceProcess implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int TAIL_LINES = 5;

    private final List<String> command;
    private final Process process;
    private final BufferedReader out;
    private final Writer in;
    private final Deque<String> tail = new ArrayDeque<>();
    private final JsonNode header;
    private boolean closed;

    private ReferenceProcess(List<String> command, Process process) throws IOException {
        this.command = command;
        this.process = process;
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        try {
            this.header = next("header");
        } catch (IOException e) {
            close();
            throw e;
        }
    }

    /**
     * Builds the reference command line.
     *
     * @param python the interpreter that has torch
     * @param script ref_train.py
     * @param args the script's arguments
     */
    public static List<String> command(String python, Path script, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(python);
        cmd.add(script.toString());
        cmd.addAll(args);
        return cmd;
    }

    /**
     * Starts the process and reads its header line.
     *
     * @param command interpreter, script and arguments
     * @param environment variables to set; every inherited {@code MALLOC_*} variable and
     *     {@code GLIBC_TUNABLES} are removed first, so that the default-malloc variant really has glibc's
     *     defaults
     * @throws IOException if it cannot be started or exits before printing its header
     */
    public static ReferenceProcess start(List<String> command, Map<String, String> environment) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("MALLOC_") || k.equals("GLIBC_TUNABLES"));
        pb.environment().putAll(environment);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new IOException("cannot start the PyTorch reference '" + command.get(0) + "': " + e.getMessage(), e);
        }
        return new ReferenceProcess(command, p);
    }

    /** Returns the header line (torch version, threads, BLAS probe, malloc environment). */
    public JsonNode header() {
        return header;
    }

    /** Runs one untimed warm-up round; returns its line. */
    public JsonNode warmup() throws IOException {
        return send("warmup", "warmup");
    }

    /** Runs one timed round; returns its line ({@code img_per_s}, {@code train_s}, ...). */
    public JsonNode round() throws IOException {
        return send("round", "round");
    }

    private JsonNode send(String cmd, String event) throws IOException {
        try {
            in.write(cmd + "\n");
            in.flush();
        } catch (IOException e) {
            throw failure("stopped accepting commands (" + e.getMessage() + ")");
        }
        return next(event);
    }

    /** Reads lines until a JSON line of {@code event}; other output is kept for error messages. */
    private JsonNode next(String event) throws IOException {
        String line;
        while ((line = out.readLine()) != null) {
            if (line.startsWith("{")) {
                JsonNode n;
                try {
                    n = JSON.readTree(line);
                } catch (IOException e) {
                    remember(line);
                    continue;
                }
                String ev = n.path("event").asText();
                if (ev.equals(event)) {
                    return n;
                }
                if (ev.equals("error")) {
                    throw failure(n.path("message").asText());
                }
            } else {
                remember(line);
            }
        }
        throw failure("ended before its '" + event + "' line");
    }

    private void remember(String line) {
        if (!line.isBlank()) {
            tail.addLast(line.strip());
            if (tail.size() > TAIL_LINES) {
                tail.removeFirst();
            }
        }
    }

    private IOException failure(String what) {
        String exit = "";
        try {
            if (process.waitFor(5, TimeUnit.SECONDS)) {
                exit = " (exit " + process.exitValue() + ")";
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return new IOException("PyTorch reference " + String.join(" ", command) + " " + what + exit
                + (tail.isEmpty() ? "" : ": " + String.join(" | ", tail)));
    }

    /** Asks the process to quit and waits briefly; kills it if it does not. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            in.write("quit\n");
            in.close();
        } catch (IOException ignored) {
            // already gone
        }
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        try {
            out.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }
}
