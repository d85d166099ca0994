package dev.glyph.testtools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

class OutsideToolsTest {

    @TempDir
    Path tmp;

    private static final Map<String, String> CI = Map.of("CI", "true");
    private static final Map<String, String> DEV = Map.of();

    /** A fake interpreter: a shell script that exits with {@code code} and prints an ImportError. */
    private Path fakePython(int code) throws Exception {
        Path p = tmp.resolve("python-" + code);
        Files.writeString(p, "#!/bin/sh\necho \"ModuleNotFoundError: No module named 'torch'\" >&2\nexit " + code
                + "\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }

    private static OutsideTools tools(Map<String, String> env, Path python) {
        return new OutsideTools(env::get, python);
    }

    @Test
    void python_modulesImport_returnsInterpreter() throws Exception {
        Path ok = fakePython(0);
        assertEquals(ok, tools(CI, ok).python("torch", "onnx"));
        assertEquals(ok, tools(DEV, ok).python("torch"));
    }

    @Test
    void python_moduleMissing_skipsOnDevBoxAndFailsUnderCiNamingPackages() throws Exception {
        Path broken = fakePython(1);
        TestAbortedException skipped = assertThrows(TestAbortedException.class,
                () -> tools(DEV, broken).python("torch", "onnx"));
        assertTrue(skipped.getMessage().contains("sudo apt-get install python3-torch python3-onnx"),
                skipped.getMessage());
        assertTrue(skipped.getMessage().contains("No module named 'torch'"), skipped.getMessage());
        AssertionFailedError failed = assertThrows(AssertionFailedError.class,
                () -> tools(CI, broken).python("grpc", "grpc_tools.protoc"));
        assertTrue(failed.getMessage().startsWith("CI=true"), failed.getMessage());
        assertTrue(failed.getMessage().contains("python3-grpcio python3-grpc-tools"), failed.getMessage());
    }

    @Test
    void python_noInterpreter_skipsOnDevBoxAndFailsUnderCi() {
        Path none = tmp.resolve("no-such-python");
        assertThrows(TestAbortedException.class, () -> tools(DEV, none).python("onnx"));
        AssertionFailedError e = assertThrows(AssertionFailedError.class, () -> tools(CI, none).python("onnx"));
        assertTrue(e.getMessage().contains("python3-onnx"), e.getMessage());
    }

    @Test
    void data_absent_skipsOnDevBoxAndFailsUnderCiWithHowToGetIt() {
        Path absent = tmp.resolve("fashion-mnist");
        assertThrows(TestAbortedException.class, () -> tools(DEV, tmp).data(absent, "install it"));
        AssertionFailedError e = assertThrows(AssertionFailedError.class,
                () -> tools(CI, tmp).data(absent, "sudo apt-get install dataset-fashion-mnist"));
        assertTrue(e.getMessage().contains("dataset-fashion-mnist"), e.getMessage());
        assertTrue(e.getMessage().contains(absent.toString()), e.getMessage());
    }

    @Test
    void mnist_present_returnsFolder() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("mnist"));
        Files.write(dir.resolve("t10k-images-idx3-ubyte"), new byte[16]);
        assertEquals(dir, tools(CI, tmp).mnist(dir));
        AssertionFailedError e = assertThrows(AssertionFailedError.class, () -> tools(CI, tmp).mnist(tmp));
        assertTrue(e.getMessage().contains("./glyph fetch"), e.getMessage());
    }

    @Test
    void ci_onlyTrueCounts() {
        assertTrue(tools(CI, tmp).ci());
        assertTrue(tools(Map.of("CI", "TRUE"), tmp).ci());
        assertFalse(tools(Map.of("CI", "false"), tmp).ci());
        assertFalse(tools(DEV, tmp).ci());
    }
}
