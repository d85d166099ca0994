package dev.glyph.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Exit codes and one-line errors of {@code glyph optimize} (the exporter module tests the optimisation itself). */
class OptimizeCommandTest {

    @TempDir
    Path tmp;

    @Test
    void optimize_unknownPrecision_usageErrorNamingTheChoices() {
        GlyphCommand.Invocation r = GlyphCommand.invoke("optimize", "--model", tmp.toString(), "--out",
                tmp.resolve("m/2").toString(), "--precision", "int4");
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().startsWith("glyph optimize: precision is \"int4\"; expected one of [fp32, int8, fp16]"),
                r.err());
    }

    @Test
    void optimize_unknownCalibration_usageError() {
        GlyphCommand.Invocation r = GlyphCommand.invoke("optimize", "--model", tmp.toString(), "--out",
                tmp.resolve("m/2").toString(), "--calibration", "kl");
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().contains("expected one of [minmax, percentile, entropy]"), r.err());
    }

    @Test
    void optimize_zeroCalibrationImages_usageErrorNamingTheOption() {
        GlyphCommand.Invocation r = GlyphCommand.invoke("optimize", "--model", tmp.toString(), "--out",
                tmp.resolve("m/2").toString(), "--calibration-images", "0");
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().contains("--calibration-images is 0"), r.err());
    }

    @Test
    void optimize_missingSourceFolder_exitOneWithOneLine() {
        GlyphCommand.Invocation r = GlyphCommand.invoke("optimize", "--model", tmp.resolve("models/mnist/1").toString(),
                "--out", tmp.resolve("models/mnist/2").toString());
        assertEquals(1, r.exitCode(), r.err());
        assertTrue(r.err().startsWith("glyph optimize: source ") && r.err().contains("does not exist"), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertEquals("", r.out());
    }

    @Test
    void help_listsOptimize() {
        GlyphCommand.Invocation r = GlyphCommand.invoke("--help");
        assertTrue(r.out().contains("optimize"), r.out());
    }
}
