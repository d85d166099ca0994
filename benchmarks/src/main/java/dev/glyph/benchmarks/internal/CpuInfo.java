package dev.glyph.benchmarks.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The CPU a benchmark ran on, from {@code /proc/cpuinfo}, so that figures name their machine
 * (machines here differ: AMD EPYC Zen and Intel Xeon with AVX-512 have both been seen).
 *
 * <pre>{@code
 * CpuInfo cpu = CpuInfo.current();   // "AMD EPYC (AuthenticAMD family 25 model 1, 2 CPUs, AVX2)"
 * }</pre>
 *
 * <p>Thread-safety: immutable.
 *
 * @param modelName the {@code model name} field
 * @param vendor the {@code vendor_id} field
 * @param family the {@code cpu family} field
 * @param model the {@code model} field
 * @param cpus logical CPUs listed
 * @param isa the widest SIMD extension among AVX-512F, AVX2, AVX and SSE4.2 (or "unknown")
 * @param features the {@link #FEATURES} among the CPU's flags, in that order (e.g. {@code avx2, fma, avx512_vnni})
 */
public record CpuInfo(String modelName, String vendor, String family, String model, int cpus, String isa,
        List<String> features) {

    /**
     * The {@code /proc/cpuinfo} flags that decide which kernels oneDNN and libtorch use: AVX2 and FMA, AVX-512
     * (F, BW), the VNNI int8 dot products (AVX-512 and AVX variants), BF16 (AVX-512 and AMX) and AMX int8.
     */
    public static final List<String> FEATURES = List.of("avx2", "fma", "avx512f", "avx512bw", "avx512_vnni", "avx_vnni",
            "avx512_bf16", "amx_bf16", "amx_int8");

    /** Copies. */
    public CpuInfo {
        features = List.copyOf(features);
    }

    /** Reads {@code /proc/cpuinfo}; unknown fields when it cannot be read (non-Linux). */
    public static CpuInfo current() {
        try {
            return parse(Files.readString(Path.of("/proc/cpuinfo")));
        } catch (IOException | RuntimeException e) {
            return new CpuInfo("unknown", "unknown", "?", "?", Runtime.getRuntime().availableProcessors(), "unknown",
                    List.of());
        }
    }

    /**
     * The fields of a {@code /proc/cpuinfo} text: each key's first value (the first CPU's), the number of
     * {@code processor} entries and the first CPU's flags.
     *
     * @param first key to its first value
     * @param cpus {@code processor} entries, at least 1
     * @param flags the first CPU's {@code flags}
     */
    public record Fields(Map<String, String> first, int cpus, Set<String> flags) {

        /** Reads the fields of {@code text}. */
        public static Fields of(String text) {
            Map<String, String> first = new HashMap<>();
            int cpus = 0;
            for (String line : text.split("\n")) {
                int colon = line.indexOf(':');
                if (colon < 0) {
                    continue;
                }
                String key = line.substring(0, colon).trim();
                if (key.equals("processor")) {
                    cpus++;
                }
                first.putIfAbsent(key, line.substring(colon + 1).trim());
            }
            return new Fields(Map.copyOf(first), Math.max(cpus, 1),
                    Set.copyOf(Arrays.asList(first.getOrDefault("flags", "").split("\\s+"))));
        }
    }

    /** Parses the text of {@code /proc/cpuinfo}. */
    public static CpuInfo parse(String text) {
        Fields fields = Fields.of(text);
        Map<String, String> first = fields.first();
        Set<String> flags = fields.flags();
        String isa = "unknown";
        for (String f : List.of("avx512f", "avx2", "avx", "sse4_2")) {
            if (flags.contains(f)) {
                isa = f.equals("avx512f") ? "AVX-512" : f.equals("sse4_2") ? "SSE4.2" : f.toUpperCase();
                break;
            }
        }
        return new CpuInfo(first.getOrDefault("model name", "unknown"), first.getOrDefault("vendor_id", "unknown"),
                first.getOrDefault("cpu family", "?"), first.getOrDefault("model", "?"), fields.cpus(), isa,
                FEATURES.stream().filter(flags::contains).toList());
    }

    /** Returns whether the CPU has {@code flag} among {@link #FEATURES}. */
    public boolean has(String flag) {
        return features.contains(flag);
    }

    @Override
    public String toString() {
        return modelName + " (" + vendor + " family " + family + " model " + model + ", " + cpus + " CPUs, " + isa + ")";
    }
}
