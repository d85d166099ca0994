package dev.glyph.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glyph.datasets.Datasets;
import dev.glyph.testfixtures.TestModels;
import dev.glyph.testtools.OutsideTools;
import java.io.File;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commands on ONNX Runtime's GPU build ({@code onnxruntime_gpu}, what {@code -Dglyph.cuda} puts on the
 * class path) on a machine without CUDA 12, cuDNN 9 or a GPU: the build lists the CUDA provider, and loading
 * it fails in {@code dlopen}; the messages must name the missing libraries. Child JVMs with this test's class
 * path, the CPU ONNX Runtime jar swapped for the GPU one from the local Maven repository.
 */
class OnnxRuntimeGpuTest {

    static final Path DATA = Path.of("..", "data", "mnist");

    @TempDir
    static Path tmp;
    static Path model;
    static String gpuClassPath;

    @BeforeAll
    static void setUp() throws Exception {
        Datasets.ensure("mnist", DATA);
        model = TestModels.folder(tmp.resolve("models/mnist/1"), 9);
        Path cpuJar = ChildJvm.entry("onnxruntime-1.23.2");
        Path gpuJar = cpuJar.getParent().getParent().getParent().resolve("onnxruntime_gpu/1.23.2/onnxruntime_gpu-1.23.2.jar");
        OutsideTools.requireData(gpuJar, "fetch it once: mvn dependency:get"
                + " -Dartifact=com.microsoft.onnxruntime:onnxruntime_gpu:1.23.2");
        gpuClassPath = ChildJvm.classPath(p -> Path.of(p).equals(cpuJar)) + File.pathSeparator + gpuJar;
    }

    static ChildJvm.Result glyph(String... args) throws Exception {
        return ChildJvm.run(gpuClassPath, Map.of("LD_LIBRARY_PATH", ""), List.of(), tmp, args);
    }

    static boolean cudaComplete() {
        return dev.glyph.inferencesdk.GpuSupport.probe().libraryProblem() == null;
    }

    @Test
    void classify_gpuOnGpuBuildWithoutCudaLibraries_namesTheMissingLibrariesAndWhatToInstall() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeFalse(cudaComplete(), "CUDA 12 and cuDNN 9 are installed here");
        ChildJvm.Result r = glyph("classify", "--device", "gpu", "--model", model.toString(), "--mnist", DATA.toString(),
                "--limit", "10");
        assertEquals(1, r.code(), r.out() + r.err());
        List<String> ours = r.errLines().stream().filter(l -> l.startsWith("glyph classify: ")).toList();
        assertEquals(1, ours.size(), r.err());
        String line = ours.get(0);
        assertTrue(line.startsWith("glyph classify: could not create a session on CUDA device 0: "), line);
        assertTrue(line.contains("Failed to load shared library"), line); // ONNX Runtime's own words
        assertTrue(line.contains("not on the loader path: ") && line.contains("libcudnn.so.9"), line);
        assertTrue(line.contains("install CUDA 12 and cuDNN 9: apt-get install"), line);
        assertTrue(line.endsWith("set --cpu-fallback to run on the CPU instead"), line);
    }

    @Test
    void classify_autoOnGpuBuildWithoutGpu_runsOnTheCpu() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeFalse(cudaComplete(), "CUDA 12 and cuDNN 9 are installed here");
        ChildJvm.Result r = glyph("classify", "--device", "auto", "--model", model.toString(), "--mnist", DATA.toString(),
                "--limit", "10");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("on CPU)"), r.out());
    }

    @Test
    void doctor_gpuOnGpuBuildWithoutCudaLibraries_failsNamingThem() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeFalse(cudaComplete(), "CUDA 12 and cuDNN 9 are installed here");
        ChildJvm.Result r = glyph("doctor", "--device", "gpu", "--data", DATA.toString(), "--reference", "none");
        assertEquals(1, r.code(), r.out());
        assertTrue(r.out().contains("[FAIL] gpu (ONNX Runtime): providers [CPU, CUDA, TENSOR_RT]; serving runs on the CPU"),
                r.out());
        assertTrue(r.out().contains("-> ONNX Runtime's CUDA provider cannot load: not on the loader path: "), r.out());
    }
}
