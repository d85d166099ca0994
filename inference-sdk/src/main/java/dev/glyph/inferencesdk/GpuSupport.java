package dev.glyph.inferencesdk;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtProvider;
import dev.glyph.inferencesdk.internal.CudaLibraries;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * What the SDK needs for {@link Device#cuda(int)}, checked without creating a session: the CUDA execution
 * provider in this ONNX Runtime build ({@code OrtEnvironment.getAvailableProviders()}: only the
 * {@code onnxruntime_gpu} artifact has it), the CUDA 12 and cuDNN 9 libraries it loads, the NVIDIA driver,
 * and a GPU device node. {@code glyph doctor} prints it; a failed CUDA session names the same libraries.
 *
 * <pre>{@code
 * GpuSupport g = GpuSupport.probe();
 * if (g.problem() != null) System.err.println(g.problem());
 * }</pre>
 *
 * <p>Thread-safety: immutable.
 *
 * @param providers the execution providers this ONNX Runtime build offers, in name order, e.g. {@code [CPU]} or
 *     {@code [CPU, CUDA, TENSOR_RT]}
 * @param libraries each required library (and {@code libcuda.so.1}) found, with where
 * @param missingLibraries the required libraries not on the loader path
 * @param otherVersions libraries of another major version than required, e.g. {@code libcudart.so.13}
 * @param driver whether the NVIDIA driver library {@code libcuda.so.1} is on the loader path
 * @param gpuDevices the NVIDIA device nodes seen ({@code /dev/nvidia0}, ...)
 * @param libraryProblem one line naming the missing libraries and what to install, or null
 */
public record GpuSupport(Set<String> providers, Map<String, Path> libraries, List<String> missingLibraries,
        Map<String, Path> otherVersions, boolean driver, List<String> gpuDevices, String libraryProblem) {

    /** Copies. */
    public GpuSupport {
        providers = java.util.Collections.unmodifiableSortedSet(new TreeSet<>(providers)); // printed in name order
        libraries = Map.copyOf(libraries);
        missingLibraries = List.copyOf(missingLibraries);
        otherVersions = Map.copyOf(otherVersions);
        gpuDevices = List.copyOf(gpuDevices);
    }

    /** Checks this machine and this JVM's ONNX Runtime. */
    public static GpuSupport probe() {
        Set<String> providers = new TreeSet<>();
        try {
            for (OrtProvider p : OrtEnvironment.getAvailableProviders()) {
                providers.add(p == OrtProvider.CUDA ? "CUDA" : p == OrtProvider.CPU ? "CPU" : p.name());
            }
        } catch (RuntimeException | LinkageError e) {
            // no usable ONNX Runtime: no providers
        }
        CudaLibraries.Report r = CudaLibraries.probe();
        return new GpuSupport(providers, r.found(), r.missing(), r.otherVersions(), r.driver(), nvidiaDevices(),
                r.problem());
    }

    /** Returns whether this ONNX Runtime build has the CUDA execution provider (the {@code onnxruntime_gpu} artifact). */
    public boolean cudaProvider() {
        return providers.contains("CUDA");
    }

    /** Returns whether a CUDA session can be expected to start: provider, libraries, driver and a GPU device. */
    public boolean usable() {
        return cudaProvider() && libraryProblem == null && !gpuDevices.isEmpty();
    }

    /**
     * Returns one line saying why {@link Device#cuda(int)} cannot work here and what to do, or null when
     * {@link #usable()}.
     */
    public String problem() {
        if (!cudaProvider()) {
            String absent = missingLibraries.isEmpty() ? (driver ? null : "the driver")
                    : missingLibraries.size() + " of those libraries" + (driver ? "" : " and the driver");
            return "the CUDA execution provider is not in this ONNX Runtime build (providers " + providers
                    + "); build Glyph with the onnxruntime_gpu artifact: GLYPH_MAVEN_OPTS=-Dglyph.cuda GLYPH_REBUILD=1"
                    + " ./glyph ... (or mvn -Dglyph.cuda), on a machine with CUDA 12, cuDNN 9 and the NVIDIA driver"
                    + (absent == null ? "" : " (" + absent + " not on the loader path here)");
        }
        if (libraryProblem != null) {
            return "ONNX Runtime's CUDA provider cannot load: " + libraryProblem;
        }
        if (gpuDevices.isEmpty()) {
            return "no NVIDIA GPU device (/dev/nvidia0) is visible; on a GPU machine check the driver (nvidia-smi)"
                    + " and, in a container, that the GPU is passed through (docker --gpus all)";
        }
        return null;
    }

    /** The NVIDIA device nodes, {@code /dev/nvidia0} and so on. */
    static List<String> nvidiaDevices() {
        Path dev = Path.of("/dev");
        if (!Files.isDirectory(dev)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dev)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.matches("nvidia\\d+")).sorted()
                    .map(n -> "/dev/" + n).toList();
        } catch (java.io.IOException | RuntimeException e) {
            return List.of();
        }
    }
}
