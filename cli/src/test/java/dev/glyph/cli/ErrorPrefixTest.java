package dev.glyph.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Every command's failures start with the one prefix {@code glyph <command>: }. */
class ErrorPrefixTest {

    @TempDir
    Path tmp;

    record Run(int code, String err) {
    }

    private static Run run(String... args) {
        StringWriter err = new StringWriter();
        CommandLine cl = GlyphCommand.newCommandLine();
        cl.setOut(new PrintWriter(new StringWriter(), true));
        cl.setErr(new PrintWriter(err, true));
        return new Run(cl.execute(args), err.toString());
    }

    @Test
    void prefix_standaloneAndNestedCommands_glyphAndQualifiedName() {
        assertEquals("glyph export: ", Errors.prefix(new CommandLine(new ExportCommand()).getCommandSpec()));
        CommandLine root = GlyphCommand.newCommandLine();
        assertEquals("glyph bench train: ",
                Errors.prefix(root.getSubcommands().get("bench").getSubcommands().get("train").getCommandSpec()));
        assertEquals("glyph: ", Errors.prefix(root.getCommandSpec()));
    }

    @Test
    void everyCommand_failure_oneLineWithItsPrefix() {
        String none = tmp.resolve("none").toString();
        List<String[]> cases = new ArrayList<>();
        cases.add(new String[] {"fetch", "--dataset", "nope"});
        cases.add(new String[] {"train", "--resume", "--overwrite"});
        cases.add(new String[] {"export", "--run", none, "--out", tmp.resolve("m/1").toString()});
        cases.add(new String[] {"verify", "--model", none});
        cases.add(new String[] {"classify", "--model", none, none + ".png"});
        cases.add(new String[] {"serve", "--model", none, "--port", "0", "--metrics-port", "-1", "--http-port", "-1"});
        cases.add(new String[] {"bench", "train", "--reference", none});
        cases.add(new String[] {"bench", "sdk", "--model", none, "--duration", "0.1", "--warmup", "0"});
        cases.add(new String[] {"bench", "server", "--server", "localhost:1", "--duration", "abc"});
        for (String[] c : cases) {
            Run r = run(c);
            String name = c[0].equals("bench") ? "bench " + c[1] : c[0];
            assertTrue(r.code() == 1 || r.code() == 2, String.join(" ", c) + ": " + r.code() + " " + r.err());
            assertTrue(r.err().startsWith("glyph " + name + ": "), String.join(" ", c) + ": " + r.err());
            assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
            String first = r.err().lines().findFirst().orElse("");
            assertFalse(first.substring(("glyph " + name + ": ").length()).startsWith(name + ": "),
                    "prefix given twice: " + first);
        }
    }
}
