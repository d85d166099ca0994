package dev.glyph.trainer;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

// MERGE: use test-fixtures OutsideTools
/**
 * Debian's /usr/bin/python3 with python3-torch, for tests that compare with PyTorch. Missing tools skip
 * the test on a developer box and fail it under {@code CI=true}.
 */
final class OutsideTools {

    static final Path PYTHON = Path.of("/usr/bin/python3");

    private OutsideTools() {
    }

    /** Skips (or, with CI=true, fails) the calling test unless /usr/bin/python3 can import torch. */
    static void requireTorch() throws Exception {
        String missing = null;
        if (!Files.isExecutable(PYTHON)) {
            missing = PYTHON + " is missing (apt-get install python3 python3-torch)";
        } else {
            Result r = run(List.of(PYTHON.toString(), "-c", "import torch, numpy"), null);
            if (r.exit() != 0) {
                missing = PYTHON + " cannot import torch and numpy (apt-get install python3-torch): " + r.stderr().strip();
            }
        }
        if (missing != null) {
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail("CI=true, and " + missing);
            }
            assumeTrue(false, missing);
        }
    }

    /** Runs a python script from the test resources with {@code args}; fails the test on a non-zero exit. */
    static String python(String resource, String... args) throws Exception {
        Path script = Path.of(OutsideTools.class.getResource(resource).toURI());
        List<String> cmd = new ArrayList<>(List.of(PYTHON.toString(), script.toString()));
        cmd.addAll(List.of(args));
        Result r = run(cmd, null);
        if (r.exit() != 0) {
            fail(String.join(" ", cmd) + " exited with " + r.exit() + ":\n" + r.stderr());
        }
        return r.stdout();
    }

    record Result(int exit, String stdout, String stderr) {
    }

    private static Result run(List<String> cmd, Path dir) throws IOException, InterruptedException {
        Path out = Files.createTempFile("glyph-py", ".out");
        Path err = Files.createTempFile("glyph-py", ".err");
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
            pb.environment().put("OMP_NUM_THREADS", "1");
            Process p = pb.start();
            if (!p.waitFor(5, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                fail(String.join(" ", cmd) + " did not finish within 5 minutes");
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
