package dev.glyph.trainer;

import static org.junit.jupiter.api.Assertions.fail;

import dev.glyph.testtools.OutsideTools;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the PyTorch scripts of the fidelity tests on Debian's python3 with python3-torch. A missing
 * interpreter or torch skips the test on a developer box and fails it under {@code CI=true}
 * ({@link OutsideTools}).
 */
final class TorchScripts {

    private TorchScripts() {
    }

    /** The interpreter that imports torch and numpy; skips (or, with CI=true, fails) the calling test otherwise. */
    static Path requireTorch() {
        return OutsideTools.requirePython("torch", "numpy");
    }

    /** Runs a python script from the test resources with {@code args}; fails the test on a non-zero exit. */
    static String python(String resource, String... args) throws Exception {
        Path script = Path.of(TorchScripts.class.getResource(resource).toURI());
        List<String> cmd = new ArrayList<>(List.of(requireTorch().toString(), script.toString()));
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
