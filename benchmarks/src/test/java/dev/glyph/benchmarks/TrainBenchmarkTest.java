package dev.glyph.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glyph.benchmarks.internal.ReferenceProcess;
import dev.glyph.trainer.DeviceChoice;
import dev.glyph.trainer.MallocTuning;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainBenchmarkTest {

    static final Path MNIST = Path.of("..", "data", "mnist");
    static final Path SCRIPT = Path.of("reference", "ref_train.py");
    static final String PYTHON = "/usr/bin/python3";
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private static TrainBenchmark.Settings settings(int limit, int rounds) {
        return new TrainBenchmark.Settings(MNIST, SCRIPT, PYTHON, limit, 1, 32, rounds, DeviceChoice.CPU);
    }

    /** python3-torch and the data are needed; under CI=true their absence fails the test instead of skipping it. */
    private static void requireTorchAndData() throws Exception {
        boolean torch = false;
        if (Files.isExecutable(Path.of(PYTHON))) {
            Process p = new ProcessBuilder(PYTHON, "-c", "import torch").redirectErrorStream(true).start();
            torch = p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0;
        }
        boolean data = Files.isRegularFile(MNIST.resolve("train-images-idx3-ubyte"));
        String missing = (torch ? "" : PYTHON + " with torch (apt-get install python3-torch) ")
                + (data ? "" : MNIST + " (./glyph fetch)");
        if ("true".equals(System.getenv("CI"))) {
            if (!torch || !data) {
                fail("CI=true but missing: " + missing);
            }
        }
        assumeTrue(torch && data, "skipped, missing: " + missing);
    }

    private static JsonNode header(String... libraries) throws IOException {
        StringBuilder maps = new StringBuilder();
        for (String l : libraries) {
            maps.append(maps.length() == 0 ? "" : ",").append("\"7f00-7f01 r--p 00000000 fe:00 1 ").append(l).append('"');
        }
        return JSON.readTree("{\"event\":\"header\",\"torch\":\"1.13.0a0\",\"threads\":2,\"blas\":{\"maps\":[" + maps
                + "],\"config\":[\"BLAS_INFO=generic\"]}}");
    }

    @Test
    void checkBlas_netlibReference_refusedNamingThePackage() throws Exception {
        TrainBenchmark.ReferenceBlasException e = assertThrows(TrainBenchmark.ReferenceBlasException.class,
                () -> TrainBenchmark.checkBlas(settings(64, 1), header("/usr/lib/x86_64-linux-gnu/blas/libblas.so.3")));
        assertTrue(e.getMessage().contains("netlib reference BLAS /usr/lib/x86_64-linux-gnu/blas/libblas.so.3"),
                e.getMessage());
        assertTrue(e.getMessage().endsWith("apt-get install libopenblas0-pthread"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void checkBlas_openBlas_accepted() throws Exception {
        assertEquals("openblas", TrainBenchmark.checkBlas(settings(64, 1),
                header("/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3")).kind().id());
    }

    @Test
    void fasterOf_twoVariants_higherMedianWins() {
        Map<String, TrainBenchmark.Series> v = new LinkedHashMap<>();
        v.put(TrainBenchmark.DEFAULT_MALLOC, new TrainBenchmark.Series(1, List.of(800.0, 850.0, 817.0), Map.of()));
        v.put(TrainBenchmark.GLYPH_MALLOC, new TrainBenchmark.Series(1, List.of(700.0, 900.0, 820.0), Map.of()));
        assertEquals(TrainBenchmark.GLYPH_MALLOC, TrainBenchmark.fasterOf(v));
    }

    @Test
    void settings_zeroRounds_illegalArgument() {
        assertThrows(IllegalArgumentException.class,
                () -> new TrainBenchmark.Settings(MNIST, SCRIPT, PYTHON, 64, 1, 32, 0, DeviceChoice.CPU));
    }

    @Test
    void referenceScript_oneTinyRoundOverStdin_warmupAndRoundLines() throws Exception {
        requireTorchAndData();
        List<String> cmd = ReferenceProcess.command(PYTHON, SCRIPT, List.of("--stdin", "--data", MNIST.toString(),
                "--limit", "64", "--threads", "1"));
        try (ReferenceProcess p = ReferenceProcess.start(cmd, MallocTuning.environment())) {
            assertEquals(64, p.header().path("images").asInt());
            assertEquals(1, p.header().path("threads").asInt());
            assertEquals(Integer.toString(MallocTuning.MMAP_THRESHOLD),
                    p.header().path("malloc_env").path("MALLOC_MMAP_THRESHOLD_").asText());
            assertTrue(p.header().path("blas").path("maps").isArray());
            JsonNode w = p.warmup();
            JsonNode r = p.round();
            assertEquals(1, r.path("round").asInt());
            assertTrue(r.path("img_per_s").asDouble() > 0, r.toString());
            // a fresh seed-0 model per round: the same loss every round
            assertEquals(w.path("train_loss").asDouble(), r.path("train_loss").asDouble(), r.toString());
        }
    }

    @Test
    void referenceScript_missingData_failsWithTheScriptsOutput() throws Exception {
        requireTorchAndData();
        List<String> cmd = ReferenceProcess.command(PYTHON, SCRIPT, List.of("--stdin", "--data",
                tmp.resolve("none").toString()));
        IOException e = assertThrows(IOException.class, () -> ReferenceProcess.start(cmd, Map.of()).close());
        assertTrue(e.getMessage().contains("ended before its 'header' line") && e.getMessage().contains("exit 1"),
                e.getMessage());
    }

    @Test
    void run_tinyLimitOneRound_bothSidesAndBothMallocVariantsInJson() throws Exception {
        requireTorchAndData();
        List<String> log = new ArrayList<>();
        TrainBenchmark.Result r = TrainBenchmark.run(settings(32, 1), log::add);
        JsonNode j = JSON.readTree(r.toJson());
        assertEquals(1, j.path("glyph").path("img_per_s").size(), j.toString());
        assertTrue(j.path("glyph").path("warmup_img_per_s").asDouble() > 0, j.toString());
        JsonNode variants = j.path("reference").path("variants");
        assertEquals(1, variants.path("default_malloc").path("img_per_s").size(), j.toString());
        assertEquals(Integer.toString(MallocTuning.TOP_PAD),
                variants.path("glyph_malloc").path("environment").path("MALLOC_TOP_PAD_").asText(), j.toString());
        assertNotEquals("netlib", j.path("reference").path("blas").path("kind").asText());
        assertEquals(r.glyph().median() / r.reference().median(), r.ratio(), 1e-12);
        assertTrue(j.path("ratio").asDouble() > 0, j.toString());
        assertFalse(j.path("cpu").path("model_name").asText().isEmpty(), j.toString());
        assertTrue(log.stream().anyMatch(l -> l.startsWith("round 1: glyph ")), log.toString());
    }
}
