package dev.glyph.inferencesdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What Device.cuda needs, checked without a session. */
class GpuSupportTest {

    static GpuSupport support(Set<String> providers, List<String> missing, boolean driver, List<String> gpus) {
        String libs = missing.isEmpty() && driver ? null : "not on the loader path: " + String.join(", ", missing);
        return new GpuSupport(providers, Map.of(), missing, Map.of(), driver, gpus, libs);
    }

    @Test
    void problem_cpuBuild_saysToBuildWithTheGpuArtifact() {
        GpuSupport g = support(Set.of("CPU"), List.of(), true, List.of("/dev/nvidia0"));
        assertFalse(g.usable());
        assertTrue(g.problem().startsWith("the CUDA execution provider is not in this ONNX Runtime build (providers [CPU]);"
                + " build Glyph with the onnxruntime_gpu artifact"), g.problem());
    }

    @Test
    void problem_gpuBuildWithoutLibraries_namesTheLibraries() {
        GpuSupport g = support(Set.of("CPU", "CUDA"), List.of("libcudnn.so.9"), true, List.of("/dev/nvidia0"));
        assertEquals("ONNX Runtime's CUDA provider cannot load: not on the loader path: libcudnn.so.9", g.problem());
    }

    @Test
    void problem_everythingButADevice_saysNoGpuIsVisible() {
        GpuSupport g = support(Set.of("CPU", "CUDA"), List.of(), true, List.of());
        assertTrue(g.problem().startsWith("no NVIDIA GPU device (/dev/nvidia0) is visible"), g.problem());
    }

    @Test
    void providers_anyOrder_keptInNameOrder() {
        GpuSupport g = support(Set.of("TENSOR_RT", "CUDA", "CPU"), List.of(), true, List.of());
        assertEquals("[CPU, CUDA, TENSOR_RT]", g.providers().toString());
    }

    @Test
    void problem_complete_isNullAndUsable() {
        GpuSupport g = support(Set.of("CPU", "CUDA"), List.of(), true, List.of("/dev/nvidia0"));
        assertNull(g.problem());
        assertTrue(g.usable());
    }

    @Test
    void probe_cpuOnnxRuntimeBuild_hasNoCudaProviderAndIsNotUsable() {
        org.junit.jupiter.api.Assumptions.assumeFalse(System.getProperty("java.class.path").contains("onnxruntime_gpu"),
                "built with -Pcuda");
        GpuSupport g = GpuSupport.probe();
        assertEquals(Set.of("CPU"), g.providers());
        assertFalse(g.cudaProvider());
        assertFalse(g.usable());
        assertTrue(g.problem().contains("onnxruntime_gpu"), g.problem());
        assertEquals(Device.cpu(), Device.auto());
        for (Path p : g.libraries().values()) {
            assertTrue(p.isAbsolute(), p.toString());
        }
    }
}
