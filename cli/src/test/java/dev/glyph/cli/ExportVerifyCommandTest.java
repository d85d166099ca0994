package dev.glyph.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glyph.exporter.ExportResult;
import dev.glyph.exporter.ParityReport;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Exit codes and one-line errors of {@code glyph export} and {@code glyph verify} (no training here; the
 * exporter module tests the real export and verification).
 */
class ExportVerifyCommandTest {

    @TempDir
    Path tmp;

    private record Outcome(int code, String out, String err) {
    }

    private static Outcome run(Object command, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(command);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Outcome(code, out.toString(), err.toString());
    }

    @Test
    void export_missingRunOption_usageError() {
        Outcome o = run(new ExportCommand(), "--out", tmp.resolve("m/1").toString());
        assertEquals(2, o.code(), o.err());
        assertTrue(o.err().contains("--run"), o.err());
    }

    @Test
    void export_zeroParityImages_usageErrorNamingTheOption() {
        Outcome o = run(new ExportCommand(), "--run", tmp.toString(), "--out", tmp.resolve("m/1").toString(),
                "--parity-images", "0");
        assertEquals(2, o.code(), o.err());
        assertTrue(o.err().contains("--parity-images"), o.err());
    }

    @Test
    void export_missingRunFolder_exitOneWithOneLine() {
        Outcome o = run(new ExportCommand(), "--run", tmp.resolve("runs/none").toString(), "--out",
                tmp.resolve("models/mnist/1").toString());
        assertEquals(1, o.code(), o.err());
        assertTrue(o.err().startsWith("glyph export: run folder ") && o.err().contains("does not exist"), o.err());
        assertEquals(1, o.err().lines().count(), o.err());
        assertEquals("", o.out());
    }

    @Test
    void export_maxBatchSizeZero_usageErrorNamingTheOption() {
        Outcome o = run(new ExportCommand(), "--run", tmp.toString(), "--out", tmp.resolve("m/1").toString(),
                "--max-batch-size", "0");
        assertEquals(2, o.code(), o.err());
        assertTrue(o.err().contains("--max-batch-size"), o.err());
    }

    @Test
    void exportTable_result_printsWhereConfigPbtxtIsOrWhyItIsNot() {
        ParityReport parity = new ParityReport(true, "mnist", 0, 1e-4, List.of(), List.of(), null, Map.of(), List.of(),
                "2026-11-27T15:00:00Z");
        Path config = tmp.resolve("models/mnist/config.pbtxt");
        String table = ExportCommand.table(new ExportResult(tmp.resolve("models/mnist/1"), "mnist", "1", "mnist",
                Map.of(), Map.of(), Map.of(), parity, config));
        assertTrue(table.contains("triton config: " + config), table);
        table = ExportCommand.table(new ExportResult(tmp.resolve("out"), "x", "out", "mnist", Map.of(), Map.of(),
                Map.of(), parity, null));
        assertTrue(table.contains("triton config: not written (the version folder out is not a number)"), table);
    }

    @Test
    void verify_missingModelFolder_exitOneWithOneLine() {
        Outcome o = run(new VerifyCommand(), "--model", tmp.resolve("models/mnist/9").toString());
        assertEquals(1, o.code(), o.err());
        assertTrue(o.err().startsWith("glyph verify: model folder ") && o.err().contains("does not exist"), o.err());
        assertEquals(1, o.err().lines().count(), o.err());
    }

    @Test
    void verify_negativeLimit_usageError() {
        Outcome o = run(new VerifyCommand(), "--model", tmp.toString(), "--limit", "-1");
        assertEquals(2, o.code(), o.err());
        assertTrue(o.err().contains("--limit"), o.err());
    }
}
