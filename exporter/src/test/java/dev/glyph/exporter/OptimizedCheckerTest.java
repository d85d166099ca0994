package dev.glyph.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.glyph.modelformat.ModelFolder;
import dev.glyph.testtools.OutsideTools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Debian's onnx 1.12 checker, {@code full_check=True} (schemas and strict shape inference), on both optimised graphs. */
class OptimizedCheckerTest {

    private static final String CHECK = "import sys, onnx\n"
            + "m = onnx.load(sys.argv[1])\n"
            + "onnx.checker.check_model(m, full_check=True)\n"
            + "print(sorted({n.op_type for n in m.graph.node}))\n";

    private static void check(Path model) throws Exception {
        Path python = OutsideTools.requirePython("onnx");
        Process p = new ProcessBuilder(python.toString(), "-c", CHECK, model.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
        }
        assertEquals(0, p.exitValue(), "onnx.checker rejected " + model + ":\n" + out);
        System.out.println(model + ": onnx.checker full_check clean, ops " + out.strip());
    }

    @Test
    void checkModel_fullCheck_int8QdqGraphClean() throws Exception {
        check(OptimizeFixtures.int8().dir().resolve(ModelFolder.ONNX));
    }

    @Test
    void checkModel_fullCheck_fp16GraphClean() throws Exception {
        check(OptimizeFixtures.fp16().dir().resolve(ModelFolder.ONNX));
    }
}
