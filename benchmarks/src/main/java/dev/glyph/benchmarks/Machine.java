package dev.glyph.benchmarks;

import dev.glyph.benchmarks.internal.CpuInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The machine a figure was measured on, or a {@code glyph doctor} report describes: the CPU from
 * {@code /proc/cpuinfo} (model, vendor, logical CPUs and the instruction-set flags that decide libtorch's and
 * oneDNN's kernels), the processors this JVM may use, and memory from {@code /proc/meminfo}.
 *
 * <pre>{@code
 * Machine m = Machine.current();
 * System.out.println(m.cpuModel() + ", AVX-512 " + m.avx512() + ", " + m.memTotalBytes() / (1 << 30) + " GiB");
 * }</pre>
 *
 * <p>Thread-safety: immutable.
 *
 * @param cpuModel the {@code model name} field, e.g. {@code AMD EPYC}
 * @param vendor the {@code vendor_id} field
 * @param logicalCpus logical CPUs listed in {@code /proc/cpuinfo}
 * @param availableProcessors the processors this JVM may use ({@code Runtime.availableProcessors()}, cgroup limits included)
 * @param isa the widest SIMD extension: {@code AVX-512}, {@code AVX2}, {@code AVX}, {@code SSE4.2} or {@code unknown}
 * @param cpuFeatures the kernel-relevant flags present ({@code avx2}, {@code fma}, {@code avx512f}, {@code avx512bw},
 *     {@code avx512_vnni}, {@code avx_vnni}, {@code avx512_bf16}, {@code amx_bf16}, {@code amx_int8})
 * @param memTotalBytes {@code MemTotal}, or -1 when unknown
 * @param memAvailableBytes {@code MemAvailable}, or -1 when unknown
 */
public record Machine(String cpuModel, String vendor, int logicalCpus, int availableProcessors, String isa,
        List<String> cpuFeatures, long memTotalBytes, long memAvailableBytes) {

    /** Copies. */
    public Machine {
        cpuFeatures = List.copyOf(cpuFeatures);
    }

    /** Describes this machine. */
    public static Machine current() {
        CpuInfo cpu = CpuInfo.current();
        long[] mem = {-1, -1};
        try {
            mem = memInfo(Files.readString(Path.of("/proc/meminfo")));
        } catch (IOException | RuntimeException e) {
            // not Linux: unknown
        }
        return new Machine(cpu.modelName(), cpu.vendor(), cpu.cpus(), Runtime.getRuntime().availableProcessors(),
                cpu.isa(), cpu.features(), mem[0], mem[1]);
    }

    /** Returns {@code MemTotal} and {@code MemAvailable} in bytes (-1 when absent) from {@code /proc/meminfo} text. */
    static long[] memInfo(String text) {
        long[] out = {-1, -1};
        for (String line : text.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 2 && (f[0].equals("MemTotal:") || f[0].equals("MemAvailable:"))) {
                long v = Long.parseLong(f[1]) * (f.length > 2 && f[2].equalsIgnoreCase("kB") ? 1024 : 1);
                out[f[0].equals("MemTotal:") ? 0 : 1] = v;
            }
        }
        return out;
    }

    /** Returns whether the CPU has AVX2. */
    public boolean avx2() {
        return cpuFeatures.contains("avx2");
    }

    /** Returns whether the CPU has AVX-512 (foundation). */
    public boolean avx512() {
        return cpuFeatures.contains("avx512f");
    }

    /** Returns whether the CPU has VNNI int8 dot products (AVX-512 VNNI or AVX-VNNI). */
    public boolean vnni() {
        return cpuFeatures.contains("avx512_vnni") || cpuFeatures.contains("avx_vnni");
    }

    /** Returns whether the CPU has BF16 arithmetic (AVX-512 BF16 or AMX-BF16). */
    public boolean bf16() {
        return cpuFeatures.contains("avx512_bf16") || cpuFeatures.contains("amx_bf16");
    }

    /** Returns e.g. {@code AMD EPYC (AuthenticAMD, 2 CPUs, AVX2; 23.5 GiB memory, 20.9 GiB available)}. */
    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s (%s, %d CPUs, %s; %s memory, %s available)", cpuModel, vendor,
                logicalCpus, isa, gib(memTotalBytes), gib(memAvailableBytes));
    }

    private static String gib(long bytes) {
        return bytes < 0 ? "unknown" : String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
    }
}
