package dev.glyph.inferencesdk.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glyph.inferencesdk.Device;
import dev.glyph.inferencesdk.ModelLoadException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ProviderSelectorTest {

    private final List<Device> attempts = new ArrayList<>();

    private String succeed(Device d) {
        attempts.add(d);
        return "session on " + d;
    }

    @Test
    void select_cpu_createsOnCpu() throws Exception {
        ProviderSelector.Selected<String> s = ProviderSelector.select(Device.cpu(), false, Set.of("CPU"), this::succeed);
        assertEquals("CPU", s.provider());
        assertEquals("session on cpu", s.value());
        assertNull(s.fallbackReason());
        assertEquals(List.of(Device.cpu()), attempts);
    }

    @Test
    void select_cudaAvailable_createsOnCuda() throws Exception {
        ProviderSelector.Selected<String> s = ProviderSelector.select(Device.cuda(1), false, Set.of("CPU", "CUDA"),
                this::succeed);
        assertEquals("CUDA", s.provider());
        assertEquals(List.of(Device.cuda(1)), attempts);
    }

    @Test
    void select_cudaNotInBuild_throwsNamingProvidersAndProfile() {
        ModelLoadException e = assertThrows(ModelLoadException.class,
                () -> ProviderSelector.select(Device.cuda(0), false, Set.of("CPU"), this::succeed));
        assertTrue(e.getMessage().contains("not available"), e.getMessage());
        assertTrue(e.getMessage().contains("[CPU]"), e.getMessage());
        assertTrue(e.getMessage().contains("-Pcuda"), e.getMessage());
        assertTrue(e.getMessage().contains("allowCpuFallback"), e.getMessage());
        assertTrue(attempts.isEmpty());
    }

    @Test
    void select_cudaNotInBuildWithFallback_usesCpuWithReason() throws Exception {
        ProviderSelector.Selected<String> s = ProviderSelector.select(Device.cuda(0), true, Set.of("CPU"), this::succeed);
        assertEquals("CPU", s.provider());
        assertTrue(s.fallbackReason().contains("not available"));
        assertEquals(List.of(Device.cpu()), attempts);
    }

    @Test
    void select_cudaInitFails_throwsWithEngineMessage() {
        ProviderSelector.Attempt<String> a = d -> {
            attempts.add(d);
            if (d.isCuda()) {
                throw new IllegalStateException("libcudart.so.12: cannot open shared object file");
            }
            return "cpu";
        };
        ModelLoadException e = assertThrows(ModelLoadException.class,
                () -> ProviderSelector.select(Device.cuda(0), false, Set.of("CPU", "CUDA"), a));
        assertTrue(e.getMessage().contains("CUDA device 0"), e.getMessage());
        assertTrue(e.getMessage().contains("libcudart"), e.getMessage());
        assertEquals(List.of(Device.cuda(0)), attempts);
    }

    @Test
    void select_cudaInitFailsWithFallback_usesCpu() throws Exception {
        ProviderSelector.Attempt<String> a = d -> {
            attempts.add(d);
            if (d.isCuda()) {
                throw new Exception("no CUDA-capable device is detected");
            }
            return "cpu session";
        };
        ProviderSelector.Selected<String> s = ProviderSelector.select(Device.cuda(0), true, Set.of("CPU", "CUDA"), a);
        assertEquals("CPU", s.provider());
        assertEquals("cpu session", s.value());
        assertTrue(s.fallbackReason().contains("no CUDA-capable device"));
        assertEquals(List.of(Device.cuda(0), Device.cpu()), attempts);
    }

    @Test
    void select_cpuFails_throwsModelLoadException() {
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> ProviderSelector.select(Device.cpu(),
                false, Set.of("CPU"), d -> {
                    throw new Exception("Protobuf parsing failed");
                }));
        assertTrue(e.getMessage().contains("CPU session"), e.getMessage());
        assertTrue(e.getMessage().contains("Protobuf parsing failed"), e.getMessage());
    }

    static final CudaLibraries.Report NOTHING = CudaLibraries.scan(List.of(), null, List.of());

    @Test
    void select_cudaInitFailsWithLibrariesMissing_namesThemAndWhatToInstall() {
        ProviderSelector.Attempt<String> a = d -> {
            if (d.isCuda()) {
                throw new IllegalStateException("Error code - ORT_FAIL - message: "
                        + "OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library");
            }
            return "cpu";
        };
        ModelLoadException e = assertThrows(ModelLoadException.class,
                () -> ProviderSelector.select(Device.cuda(0), false, Set.of("CPU", "CUDA"), a, () -> NOTHING));
        assertTrue(e.getMessage().startsWith("could not create a session on CUDA device 0: Error code - ORT_FAIL - message:"
                + " OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library; not on the loader path:"
                + " libcudart.so.12, libcublas.so.12, libcublasLt.so.12, libcufft.so.11, libcurand.so.10, libcudnn.so.9;"
                + " install CUDA 12 and cuDNN 9: apt-get install"), e.getMessage());
        assertTrue(e.getMessage().endsWith("; set Options.allowCpuFallback(true) to run on the CPU instead"), e.getMessage());
    }

    @Test
    void select_cudaNotInBuildAndLibrariesMissing_namesBoth() {
        ModelLoadException e = assertThrows(ModelLoadException.class,
                () -> ProviderSelector.select(Device.cuda(0), false, Set.of("CPU"), this::succeed, () -> NOTHING));
        assertTrue(e.getMessage().contains("onnxruntime_gpu"), e.getMessage());
        assertTrue(e.getMessage().contains("cuDNN 9; CUDA libraries not on the loader path: libcudart.so.12"), e.getMessage());
    }

    @Test
    void select_cpu_neverScansTheLibraries() throws Exception {
        ProviderSelector.select(Device.cpu(), false, Set.of("CPU"), this::succeed, () -> {
            throw new AssertionError("scanned");
        });
    }
}
