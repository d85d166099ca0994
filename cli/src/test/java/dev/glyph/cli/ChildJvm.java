package dev.glyph.cli;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Runs {@code dev.glyph.cli.Main} in a child JVM, as {@code ./glyph} does, with a chosen class path and
 * environment: what in-process tests cannot change (environment variables, the native jars, logging that
 * slf4j-simple configures once per JVM).
 */
final class ChildJvm {

    /** The test JVM's class path entries. */
    static final List<String> CLASS_PATH = List.of(System.getProperty("java.class.path").split(File.pathSeparator));

    private ChildJvm() {
    }

    /** What a child printed and returned. */
    record Result(int code, String out, String err) {
        /** stderr's non-blank lines. */
        List<String> errLines() {
            return err.lines().filter(l -> !l.isBlank()).toList();
        }
    }

    /** This JVM's class path without the entries {@code drop} matches. */
    static String classPath(Predicate<String> drop) {
        return String.join(File.pathSeparator, CLASS_PATH.stream().filter(drop.negate()).toList());
    }

    /** The class path entry whose file name starts with {@code prefix}. */
    static Path entry(String prefix) {
        return CLASS_PATH.stream().map(Path::of).filter(p -> p.getFileName().toString().startsWith(prefix)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + prefix + "* on the test class path"));
    }

    /** Runs {@code Main args} with {@code -Dai.djl.offline=true} (what ./glyph passes) and extra JVM flags and variables. */
    static Result run(String classPath, Map<String, String> env, List<String> jvmFlags, Path workDir, String... args)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dai.djl.offline=true"));
        cmd.addAll(jvmFlags);
        cmd.addAll(List.of("-cp", classPath, Main.class.getName()));
        cmd.addAll(Arrays.asList(args));
        Path out = Files.createTempFile(workDir, "child", ".out");
        Path err = Files.createTempFile(workDir, "child", ".err");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().put("OMP_WAIT_POLICY", "PASSIVE");
        pb.environment().keySet().removeIf(k -> k.startsWith("PYTORCH_") || k.equals("GLYPH_ENGINE_DOWNLOAD")
                || k.equals("DJL_OFFLINE"));
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("child did not finish within 5 minutes: " + cmd);
        }
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }
}
