package dev.glyph.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real {@code glyph serve} process on loopback: {@code java <jvm args> -cp <class path>
 * dev.glyph.cli.Main serve --model DIR --host 127.0.0.1 --port 0 --metrics-port 0 ...}. The bound
 * ports are read from the line {@code serve} prints; stdout and stderr go to a log file.
 *
 * <pre>{@code
 * try (ServerProcess s = ServerProcess.builder(model, logFile).serveArgs("--max-queue", "8").start()) {
 *     Metrics m = s.metrics();
 *     System.out.println(s.target() + " rss " + s.residentBytes());
 * }
 * }</pre>
 *
 * <p>Thread-safety: the accessors may be called from any thread; {@link #close()} is idempotent.
 */
public final class ServerProcess implements AutoCloseable {

    private static final Pattern LISTENING = Pattern.compile(
            "listening on 127\\.0\\.0\\.1:(\\d+) \\(gRPC\\), metrics on http://127\\.0\\.0\\.1:(\\d+)/metrics"
            + "(?:, Open Inference Protocol HTTP/REST on http://127\\.0\\.0\\.1:(\\d+))?");
    private static final Pattern JDWP = Pattern.compile("Listening for transport dt_socket at address: (\\d+)");

    private final Process process;
    private final Path log;
    private final int port;
    private final int metricsPort;
    private final int debugPort;
    private final int httpPort;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private ServerProcess(Process process, Path log, int port, int metricsPort, int debugPort, int httpPort) {
        this.httpPort = httpPort;
        this.process = process;
        this.log = log;
        this.port = port;
        this.metricsPort = metricsPort;
        this.debugPort = debugPort;
    }

    /** Starts building a server for {@code modelDir} that logs to {@code log}. */
    public static Builder builder(Path modelDir, Path log) {
        return new Builder(modelDir, log);
    }

    /** Options of a server process. Thread-safety: not thread-safe. */
    public static final class Builder {
        private final Path modelDir;
        private final Path log;
        private final List<String> jvmArgs = new ArrayList<>();
        private final List<String> serveArgs = new ArrayList<>();
        private String classPath = System.getProperty("java.class.path");
        private boolean debugger;
        private Duration startTimeout = Duration.ofSeconds(180);
        private int httpPort = -1;

        private Builder(Path modelDir, Path log) {
            this.modelDir = modelDir;
            this.log = log;
        }

        /** Adds JVM options, e.g. {@code -Xmx512m}. */
        public Builder jvmArgs(String... args) {
            jvmArgs.addAll(List.of(args));
            return this;
        }

        /** Serves the Open Inference Protocol over HTTP on {@code port} (0 = any free port; default -1, off). */
        public Builder httpPort(int port) {
            httpPort = port;
            return this;
        }

        /** Adds {@code glyph serve} options, e.g. {@code --max-queue 8}. */
        public Builder serveArgs(String... args) {
            serveArgs.addAll(List.of(args));
            return this;
        }

        /** The class path holding {@code dev.glyph.cli.Main} (default: this JVM's). */
        public Builder classPath(String cp) {
            classPath = cp;
            return this;
        }

        /** Opens a JDWP socket on a free loopback port so that {@link WorkerHold} can pause the batcher. */
        public Builder debugger(boolean on) {
            debugger = on;
            return this;
        }

        /** How long to wait for the {@code listening on} line. */
        public Builder startTimeout(Duration d) {
            startTimeout = d;
            return this;
        }

        /** Launches the process and waits until it listens (model loaded and warmed up). */
        public ServerProcess start() throws IOException, InterruptedException {
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.add("-Dai.djl.offline=true");
            cmd.add("-XX:+UseG1GC");
            if (debugger) {
                cmd.add("-agentlib:jdwp=transport=dt_socket,server=y,suspend=n,address=127.0.0.1:0");
            }
            cmd.addAll(jvmArgs);
            cmd.add("-cp");
            cmd.add(classPath);
            cmd.add("dev.glyph.cli.Main");
            cmd.add("serve");
            cmd.addAll(List.of("--model", modelDir.toString(), "--host", "127.0.0.1", "--port", "0",
                    "--metrics-port", "0", "--http-port", Integer.toString(httpPort), "--intra-op-threads", "1"));
            cmd.addAll(serveArgs);
            Files.createDirectories(log.toAbsolutePath().getParent());
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().put("OMP_WAIT_POLICY", "PASSIVE");
            Process p = pb.start();
            long giveUp = System.nanoTime() + startTimeout.toNanos();
            try {
                while (true) {
                    String text = Files.readString(log, StandardCharsets.UTF_8);
                    Matcher m = LISTENING.matcher(text);
                    Matcher d = JDWP.matcher(text);
                    if (m.find() && (!debugger || d.find())) {
                        return new ServerProcess(p, log, Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                                debugger ? Integer.parseInt(d.group(1)) : -1, m.group(3) == null ? -1
                                        : Integer.parseInt(m.group(3)));
                    }
                    if (!p.isAlive() || System.nanoTime() > giveUp) {
                        throw new IOException("glyph serve did not start listening (" + (p.isAlive() ? "timed out"
                                : "exited with " + p.exitValue()) + "): " + String.join(" ", cmd) + "\n" + tail(text));
                    }
                    Thread.sleep(50);
                }
            } catch (IOException | InterruptedException | RuntimeException e) {
                p.destroyForcibly();
                throw e;
            }
        }
    }

    private static String tail(String text) {
        return text.length() <= 4000 ? text : "..." + text.substring(text.length() - 4000);
    }

    /** Returns {@code 127.0.0.1:PORT}. */
    public String target() {
        return "127.0.0.1:" + port;
    }

    /** Returns the gRPC port. */
    public int port() {
        return port;
    }

    /** Returns the HTTP/REST port, or -1 when it is off. */
    public int httpPort() {
        return httpPort;
    }

    /** Returns the JDWP port, or -1 without {@link Builder#debugger(boolean)}. */
    public int debugPort() {
        return debugPort;
    }

    /** Returns the process id. */
    public long pid() {
        return process.pid();
    }

    /** Returns the process. */
    public Process process() {
        return process;
    }

    /** Returns the log file. */
    public Path log() {
        return log;
    }

    /** Returns the log so far. */
    public String logText() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Scrapes {@code /metrics}. */
    public Metrics metrics() {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + metricsPort + "/metrics")).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IOException("/metrics answered HTTP " + r.statusCode());
            }
            return Metrics.parse(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot scrape /metrics of " + target() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while scraping /metrics", e);
        }
    }

    /** Returns VmRSS from {@code /proc/PID/status}, in bytes. */
    public long residentBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    String[] f = line.substring(6).trim().split("\\s+");
                    return Long.parseLong(f[0]) * 1024;
                }
            }
            throw new IOException("no VmRSS line in /proc/" + pid() + "/status");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends SIGTERM. */
    public void terminate() {
        process.destroy();
    }

    /** Sends SIGKILL and waits for the process to go. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM, then SIGKILL if it has not exited after 60 s. Idempotent. */
    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(30, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
