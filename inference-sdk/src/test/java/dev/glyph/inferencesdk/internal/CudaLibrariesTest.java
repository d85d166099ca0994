package dev.glyph.inferencesdk.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CUDA provider's libraries, found the way dlopen finds them. */
class CudaLibrariesTest {

    @TempDir
    Path tmp;

    static String ldconfig(String soname, String path) {
        return "\t" + soname + " (libc6,x86-64) => " + path;
    }

    @Test
    void scan_nothing_reportsAllMissingAndNoDriverWithInstallAdvice() {
        CudaLibraries.Report r = CudaLibraries.scan(List.of(), null, List.of());
        assertEquals(CudaLibraries.REQUIRED, r.missing());
        assertFalse(r.driver());
        assertFalse(r.complete());
        String p = r.problem();
        assertTrue(p.startsWith("not on the loader path: libcudart.so.12, libcublas.so.12, libcublasLt.so.12,"
                + " libcufft.so.11, libcurand.so.10, libcudnn.so.9; install CUDA 12 and cuDNN 9: apt-get install"
                + " cuda-cudart-12-8 libcublas-12-8 libcufft-12-8 libcurand-12-8 libcudnn9-cuda-12"), p);
        assertTrue(p.contains("pip install nvidia-cuda-runtime-cu12 nvidia-cublas-cu12 nvidia-cufft-cu12"
                + " nvidia-curand-cu12 nvidia-cudnn-cu12"), p);
        assertTrue(p.contains("no NVIDIA driver (libcuda.so.1 not on the loader path)"), p);
        assertEquals(1, p.lines().count());
    }

    @Test
    void scan_everythingInLdconfigCache_isComplete() {
        List<String> lines = new java.util.ArrayList<>(List.of("1234 libs found in cache `/etc/ld.so.cache'"));
        for (String s : CudaLibraries.REQUIRED) {
            lines.add(ldconfig(s, "/usr/local/cuda-12.8/lib64/" + s));
        }
        lines.add(ldconfig("libcuda.so.1", "/usr/lib/x86_64-linux-gnu/libcuda.so.1"));
        CudaLibraries.Report r = CudaLibraries.scan(lines, null, List.of());
        assertTrue(r.complete(), r.toString());
        assertNull(r.problem());
        assertEquals(Path.of("/usr/local/cuda-12.8/lib64/libcudnn.so.9"), r.found().get("libcudnn.so.9"));
    }

    @Test
    void scan_cuda13Only_namesTheOtherVersionAndWhatIsNeeded() {
        CudaLibraries.Report r = CudaLibraries.scan(List.of(
                ldconfig("libcudart.so.13", "/usr/local/cuda-13.0/lib/libcudart.so.13"),
                ldconfig("libcudart.so", "/usr/local/cuda-13.0/lib/libcudart.so"),
                ldconfig("libcuda.so.1", "/usr/lib/x86_64-linux-gnu/libcuda.so.1")), null, List.of());
        assertTrue(r.missing().contains("libcudart.so.12"));
        assertEquals(Map.of("libcudart.so.13", Path.of("/usr/local/cuda-13.0/lib/libcudart.so.13")), r.otherVersions());
        assertTrue(r.driver());
        assertTrue(r.problem().contains("(found other versions: libcudart.so.13 (/usr/local/cuda-13.0/lib/libcudart.so.13);"
                + " ONNX Runtime 1.23's CUDA provider needs CUDA 12 and cuDNN 9)"), r.problem());
        assertFalse(r.problem().contains("driver"), r.problem());
    }

    @Test
    void scan_pipWheelFoldersOnLdLibraryPath_areFoundBeforeTheCache() throws Exception {
        Path cudnn = Files.createDirectories(tmp.resolve("nvidia/cudnn/lib"));
        Files.writeString(cudnn.resolve("libcudnn.so.9"), "");
        Path cublas = Files.createDirectories(tmp.resolve("nvidia/cublas/lib"));
        Files.writeString(cublas.resolve("libcublas.so.12.8.4.1"), ""); // a full version also provides the soname
        CudaLibraries.Report r = CudaLibraries.scan(List.of(ldconfig("libcudnn.so.9", "/elsewhere/libcudnn.so.9")),
                cudnn + ":" + cublas, List.of());
        assertEquals(cudnn.resolve("libcudnn.so.9"), r.found().get("libcudnn.so.9"));
        assertEquals(cublas.resolve("libcublas.so.12.8.4.1"), r.found().get("libcublas.so.12"));
        assertFalse(r.missing().contains("libcublas.so.12"));
        assertTrue(r.missing().contains("libcublasLt.so.12"));
    }

    @Test
    void scan_32BitCacheEntries_onX86_64_areIgnored() {
        org.junit.jupiter.api.Assumptions.assumeTrue("amd64".equals(System.getProperty("os.arch")));
        CudaLibraries.Report r = CudaLibraries.scan(List.of("\tlibcuda.so.1 (libc6) => /usr/lib32/libcuda.so.1"), null,
                List.of());
        assertFalse(r.driver());
    }

    @Test
    void scan_defaultFolders_areSearched() throws Exception {
        Files.writeString(tmp.resolve("libcuda.so.1"), "");
        assertTrue(CudaLibraries.scan(List.of(), null, List.of(tmp)).driver());
    }
}
