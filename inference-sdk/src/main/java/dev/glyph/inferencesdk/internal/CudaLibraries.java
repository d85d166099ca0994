package dev.glyph.inferencesdk.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Whether the shared libraries ONNX Runtime's CUDA execution provider needs are on the dynamic loader's
 * path, found the way {@code dlopen} finds them: {@code LD_LIBRARY_PATH}, the {@code ldconfig} cache and the
 * default folders. ONNX Runtime's own exception says only "Failed to load shared library" (the
 * {@code dlopen} error goes to its native log), so this names what is missing and what to install.
 *
 * <p>The required names are the {@code NEEDED} entries of {@code libonnxruntime_providers_cuda.so} in
 * {@code com.microsoft.onnxruntime:onnxruntime_gpu:1.23.2} ({@code readelf -d}): CUDA 12's runtime, cuBLAS,
 * cuBLASLt, cuFFT and cuRAND, and cuDNN 9; and the driver's {@code libcuda.so.1}, which the runtime loads.
 *
 * <pre>{@code
 * CudaLibraries.Report r = CudaLibraries.probe();
 * if (!r.complete()) System.err.println(r.problem());
 * }</pre>
 *
 * <p>Thread-safety: stateless; {@link Report} is immutable.
 */
public final class CudaLibraries {

    /** The libraries {@code libonnxruntime_providers_cuda.so} (ONNX Runtime 1.23.2) links against. */
    public static final List<String> REQUIRED = List.of("libcudart.so.12", "libcublas.so.12", "libcublasLt.so.12",
            "libcufft.so.11", "libcurand.so.10", "libcudnn.so.9");
    /** The NVIDIA driver's library, loaded by the CUDA runtime. */
    public static final String DRIVER = "libcuda.so.1";
    /** The folders {@code dlopen} searches after {@code LD_LIBRARY_PATH} and the ldconfig cache. */
    public static final List<Path> DEFAULT_DIRS = List.of(Path.of("/lib64"), Path.of("/usr/lib64"), Path.of("/lib"),
            Path.of("/usr/lib"), Path.of("/lib/x86_64-linux-gnu"), Path.of("/usr/lib/x86_64-linux-gnu"));

    /** Debian/Ubuntu packages of NVIDIA's CUDA apt repository (any CUDA 12.x; 12-8 as the example) and pip packages. */
    private static final Map<String, String[]> PACKAGES = Map.of(
            "libcudart.so.12", new String[] {"cuda-cudart-12-8", "nvidia-cuda-runtime-cu12"},
            "libcublas.so.12", new String[] {"libcublas-12-8", "nvidia-cublas-cu12"},
            "libcublasLt.so.12", new String[] {"libcublas-12-8", "nvidia-cublas-cu12"},
            "libcufft.so.11", new String[] {"libcufft-12-8", "nvidia-cufft-cu12"},
            "libcurand.so.10", new String[] {"libcurand-12-8", "nvidia-curand-cu12"},
            "libcudnn.so.9", new String[] {"libcudnn9-cuda-12", "nvidia-cudnn-cu12"});
    private static final Pattern LDCONFIG = Pattern.compile("^\\s*(\\S+)\\s+\\(([^)]*)\\)\\s+=>\\s+(\\S.*)$");
    private static final Pattern SONAME = Pattern.compile("^(lib[A-Za-z]+\\.so)\\.(\\d+)");

    private CudaLibraries() {
    }

    /**
     * What was found.
     *
     * @param found each required library (and the driver) that was found, with where
     * @param missing the required libraries not found, in {@link #REQUIRED} order
     * @param driver whether {@link #DRIVER} was found
     * @param otherVersions libraries of the same names but another major version, e.g. {@code libcudart.so.13}, with where
     */
    public record Report(Map<String, Path> found, List<String> missing, boolean driver, Map<String, Path> otherVersions) {

        /** Copies. */
        public Report {
            found = Map.copyOf(found);
            missing = List.copyOf(missing);
            otherVersions = Map.copyOf(otherVersions);
        }

        /** Returns whether every required library and the driver were found. */
        public boolean complete() {
            return missing.isEmpty() && driver;
        }

        /**
         * Returns one line naming what is missing and what to install, or null when {@link #complete()}.
         */
        public String problem() {
            if (complete()) {
                return null;
            }
            StringBuilder b = new StringBuilder();
            if (!missing.isEmpty()) {
                Set<String> apt = new LinkedHashSet<>();
                Set<String> pip = new LinkedHashSet<>();
                for (String m : missing) {
                    apt.add(PACKAGES.get(m)[0]);
                    pip.add(PACKAGES.get(m)[1]);
                }
                b.append("not on the loader path: ").append(String.join(", ", missing));
                if (!otherVersions.isEmpty()) {
                    List<String> other = new ArrayList<>();
                    otherVersions.forEach((k, v) -> other.add(k + " (" + v + ")"));
                    b.append(" (found other versions: ").append(String.join(", ", other.stream().sorted().toList()))
                            .append("; ONNX Runtime 1.23's CUDA provider needs CUDA 12 and cuDNN 9)");
                }
                b.append("; install CUDA 12 and cuDNN 9: apt-get install ").append(String.join(" ", apt))
                        .append(" (NVIDIA's CUDA repository), or pip install ").append(String.join(" ", pip))
                        .append(" and add their lib folders (site-packages/nvidia/*/lib) to LD_LIBRARY_PATH");
            }
            if (!driver) {
                if (b.length() > 0) {
                    b.append("; ");
                }
                b.append("no NVIDIA driver (").append(DRIVER).append(" not on the loader path): install the NVIDIA"
                        + " driver for the GPU (a CPU-only machine has none)");
            }
            return b.toString();
        }
    }

    /** Scans this machine: {@code LD_LIBRARY_PATH}, {@code ldconfig -p} and {@link #DEFAULT_DIRS}. */
    public static Report probe() {
        return scan(ldconfigLines(), System.getenv("LD_LIBRARY_PATH"), DEFAULT_DIRS);
    }

    /**
     * Scans the given sources, in {@code dlopen}'s order.
     *
     * @param ldconfigLines the lines of {@code ldconfig -p}
     * @param ldLibraryPath {@code LD_LIBRARY_PATH}, or null
     * @param defaultDirs folders searched last
     */
    public static Report scan(List<String> ldconfigLines, String ldLibraryPath, List<Path> defaultDirs) {
        Map<String, Path> all = new LinkedHashMap<>(); // soname -> first place found
        if (ldLibraryPath != null) {
            for (String d : ldLibraryPath.split(":")) {
                if (!d.isBlank()) {
                    listDir(Path.of(d), all);
                }
            }
        }
        for (String line : ldconfigLines) {
            Matcher m = LDCONFIG.matcher(line);
            if (m.matches() && (m.group(2).contains("x86-64") || !"amd64".equals(System.getProperty("os.arch")))) {
                all.putIfAbsent(m.group(1), Path.of(m.group(3).trim()));
            }
        }
        for (Path d : defaultDirs) {
            listDir(d, all);
        }
        Map<String, Path> found = new LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        Set<String> bases = new LinkedHashSet<>();
        for (String r : REQUIRED) {
            if (all.containsKey(r)) {
                found.put(r, all.get(r));
            } else {
                missing.add(r);
            }
            bases.add(r.substring(0, r.indexOf(".so") + 3));
        }
        boolean driver = all.containsKey(DRIVER);
        if (driver) {
            found.put(DRIVER, all.get(DRIVER));
        }
        Map<String, Path> other = new LinkedHashMap<>();
        for (Map.Entry<String, Path> e : all.entrySet()) {
            Matcher m = SONAME.matcher(e.getKey());
            if (m.find() && bases.contains(m.group(1)) && !REQUIRED.contains(e.getKey())
                    && e.getKey().equals(m.group(0))) {
                String required = REQUIRED.stream().filter(r -> r.startsWith(m.group(1) + ".")).findFirst().orElse(null);
                if (required != null && missing.contains(required)) {
                    other.put(e.getKey(), e.getValue());
                }
            }
        }
        return new Report(found, missing, driver, other);
    }

    private static void listDir(Path dir, Map<String, Path> into) {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> s = Files.list(dir)) {
            s.forEach(f -> {
                String name = f.getFileName().toString();
                Matcher m = SONAME.matcher(name);
                if (m.find()) {
                    into.putIfAbsent(m.group(0), f); // libcudart.so.12.8.90 also provides libcudart.so.12
                }
            });
        } catch (IOException | RuntimeException e) {
            // an unreadable folder provides nothing
        }
    }

    private static List<String> ldconfigLines() {
        for (String exe : List.of("/sbin/ldconfig", "/usr/sbin/ldconfig", "ldconfig")) {
            if (exe.startsWith("/") && !Files.isExecutable(Path.of(exe))) {
                continue;
            }
            try {
                Process p = new ProcessBuilder(exe, "-p").redirectErrorStream(true).start();
                byte[] out = p.getInputStream().readAllBytes();
                if (p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    return new String(out, StandardCharsets.UTF_8).lines().toList();
                }
                p.destroyForcibly();
            } catch (IOException e) {
                // try the next location
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return List.of();
            }
        }
        return List.of();
    }
}
