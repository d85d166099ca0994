package dev.glyph.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glyph.inferencesdk.Device;
import dev.glyph.trainer.DeviceChoice;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The one {@code --device} vocabulary, on every command that takes a device. */
class DeviceOptionTest {

    /** Each command with a device option, with the other options it needs to parse. */
    static final List<List<String>> COMMANDS = List.of(List.of("train"), List.of("serve", "--model", "m"),
            List.of("classify"), List.of("bench", "train"));

    record Run(int code, String out, String err, CommandLine.ParseResult parsed) {
    }

    private static Run parse(List<String> command, String... more) {
        StringWriter err = new StringWriter();
        CommandLine cl = GlyphCommand.newCommandLine();
        cl.setErr(new PrintWriter(err, true));
        List<String> args = new ArrayList<>(command);
        args.addAll(List.of(more));
        CommandLine.ParseResult r = cl.parseArgs(args.toArray(String[]::new));
        return new Run(0, "", err.toString(), r);
    }

    private static Run execute(List<String> command, String... more) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = GlyphCommand.newCommandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        List<String> args = new ArrayList<>(command);
        args.addAll(List.of(more));
        int code = cl.execute(args.toArray(String[]::new));
        return new Run(code, out.toString(), err.toString(), null);
    }

    private static DeviceOption deviceOf(CommandLine.ParseResult r) {
        while (r.hasSubcommand()) {
            r = r.subcommand();
        }
        Object cmd = r.commandSpec().userObject();
        return (DeviceOption) r.commandSpec().mixins().values().stream().map(m -> m.userObject())
                .filter(o -> o instanceof DeviceOption).findFirst()
                .orElseThrow(() -> new AssertionError(cmd + " has no --device mixin"));
    }

    @Test
    void parse_everyAcceptedForm_value() {
        assertEquals("auto", DeviceOption.Value.parse("auto").toString());
        assertEquals("cpu", DeviceOption.Value.parse(" CPU ").toString());
        assertEquals("gpu:0", DeviceOption.Value.parse("gpu").toString());
        assertEquals("gpu:3", DeviceOption.Value.parse("gpu:3").toString());
        assertFalse(DeviceOption.Value.parse("gpu:3").deprecatedAlias());
        DeviceOption.Value alias = DeviceOption.Value.parse("cuda:2");
        assertEquals("gpu:2", alias.toString());
        assertTrue(alias.deprecatedAlias());
        assertTrue(DeviceOption.Value.parse("cuda").deprecatedAlias());
    }

    @Test
    void parse_unknownForms_illegalArgumentNamingTheAcceptedForms() {
        for (String bad : List.of("tpu", "gpu:", "gpu:x", "cuda:-1", "", "cpu:0", "gpu:1:2")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> DeviceOption.Value.parse(bad), bad);
            assertTrue(e.getMessage().endsWith("expected auto, cpu, gpu or gpu:N"), e.getMessage());
        }
    }

    @Test
    void value_forTrainerAndSdk_mapped() {
        assertEquals(DeviceChoice.AUTO, DeviceOption.Value.parse("auto").forTrainer());
        assertEquals(DeviceChoice.CPU, DeviceOption.Value.parse("cpu").forTrainer());
        assertEquals(DeviceChoice.GPU, DeviceOption.Value.parse("gpu:0").forTrainer());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DeviceOption.Value.parse("gpu:1").forTrainer());
        assertTrue(e.getMessage().contains("first GPU only"), e.getMessage());
        assertEquals(Device.cpu(), DeviceOption.Value.parse("cpu").forSdk());
        assertEquals(Device.cuda(2), DeviceOption.Value.parse("gpu:2").forSdk());
        assertEquals(Device.auto(), DeviceOption.Value.parse("auto").forSdk());
    }

    @Test
    void everyCommand_gpuColonOne_sameValue() {
        for (List<String> c : COMMANDS) {
            assertEquals("gpu:1", deviceOf(parse(c, "--device", "gpu:1").parsed()).value().toString(), c.toString());
        }
    }

    @Test
    void everyCommand_noDevice_documentedDefault() {
        assertEquals("auto", deviceOf(parse(List.of("train")).parsed()).value().toString());
        for (List<String> c : COMMANDS.subList(1, COMMANDS.size())) {
            assertEquals("cpu", deviceOf(parse(c).parsed()).value().toString(), c.toString());
        }
    }

    @Test
    void everyCommand_unknownDevice_usageErrorWithCommandPrefix() {
        for (List<String> c : COMMANDS) {
            Run r = execute(c, "--device", "tpu");
            assertEquals(2, r.code(), c + ": " + r.err());
            String name = String.join(" ", c.subList(0, c.get(0).equals("bench") ? 2 : 1));
            assertTrue(r.err().startsWith("glyph " + name + ": --device: 'tpu' is not a device; expected auto, cpu,"
                    + " gpu or gpu:N"), r.err());
        }
    }

    @Test
    void everyCommand_deprecatedCudaAlias_acceptedWithWarning() {
        for (List<String> c : COMMANDS) {
            Run r = parse(c, "--device", "cuda:0");
            assertEquals("gpu:0", deviceOf(r.parsed()).value().toString(), c.toString());
            assertTrue(r.err().contains("--device cuda:0 is deprecated; use gpu:0"), r.err());
        }
    }

    @Test
    void train_secondGpu_usageErrorNotAStackTrace() {
        Run r = execute(List.of("train"), "--device", "gpu:1", "--data", "/nonexistent");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().startsWith("glyph train: --device gpu:1: training runs on the first GPU only"), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
    }
}
