package dev.glyph.benchmarks;

import dev.glyph.benchmarks.internal.CpuInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The peak arithmetic of this box, fp32 and int8, read from {@code /proc/cpuinfo}: cores × clock × operations per
 * cycle per core, so a benchmark figure can be set against the limit.
 *
 * <p>Assumptions (stated in {@link #assumptions()} too):
 * <ul>
 * <li>cores = the logical CPUs listed (on a VM these are vCPUs; with SMT two of them share one core's units, so the
 *     real peak may be half);</li>
 * <li>clock = the first CPU's {@code cpu MHz} (the current clock the kernel reports, not the turbo maximum);</li>
 * <li>fp32 FLOP per cycle per core from the flags, assuming two FMA pipes: {@code avx512f} 64 (2 × 16 lanes × 2),
 *     {@code avx2}+{@code fma} 32 (2 × 8 × 2), {@code avx} 16, else 8;</li>
 * <li>int8 operations (multiply or add) per cycle per core: {@code avx512_vnni} 256 (2 × {@code vpdpbusd} over 64
 *     bytes, each a multiply and an add), {@code avx_vnni} 128, {@code avx512bw} 128 and {@code avx2} 64
 *     ({@code vpmaddubsw} then {@code vpmaddwd}: about half the VNNI rate per vector width), else 32.</li>
 * </ul>
 *
 * <pre>{@code
 * Roofline r = Roofline.current();
 * System.out.println(r);   // "fp32 156.5 GFLOP/s, int8 313.0 GOP/s (2 CPUs x 2.45 GHz; ...)"
 * }</pre>
 *
 * <p>Thread-safety: immutable.
 *
 * @param cpus logical CPUs
 * @param ghz clock in GHz (0 when unknown)
 * @param fp32PerCycle fp32 FLOP per cycle per core
 * @param fp32Isa the flag that decided it
 * @param int8PerCycle int8 operations per cycle per core
 * @param int8Isa the flag that decided it
 */
public record Roofline(int cpus, double ghz, int fp32PerCycle, String fp32Isa, int int8PerCycle, String int8Isa) {

    /** Multiply-adds of one MnistNet forward pass (conv1 0.19 M, conv2 10.6 M, fc1 1.18 M, fc2 0.001 M). */
    public static final long MNISTNET_MACS = 26L * 26 * 32 * 9 + 24L * 24 * 64 * 32 * 9 + 9216L * 128 + 128L * 10;

    /** Reads {@code /proc/cpuinfo}; an unknown box (no such file) gives zeros. */
    public static Roofline current() {
        try {
            return parse(Files.readString(Path.of("/proc/cpuinfo")));
        } catch (IOException | RuntimeException e) {
            return new Roofline(Runtime.getRuntime().availableProcessors(), 0, 8, "unknown", 32, "unknown");
        }
    }

    /** Parses the text of {@code /proc/cpuinfo}. */
    public static Roofline parse(String text) {
        CpuInfo.Fields f = CpuInfo.Fields.of(text);
        Map<String, String> first = f.first();
        Set<String> flags = f.flags();
        double mhz;
        try {
            mhz = Double.parseDouble(first.getOrDefault("cpu MHz", "0"));
        } catch (NumberFormatException e) {
            mhz = 0;
        }
        int fp32 = 8;
        String fp32Isa = "sse";
        if (flags.contains("avx512f")) {
            fp32 = 64;
            fp32Isa = "avx512f";
        } else if (flags.contains("avx2") && flags.contains("fma")) {
            fp32 = 32;
            fp32Isa = "avx2+fma";
        } else if (flags.contains("avx")) {
            fp32 = 16;
            fp32Isa = "avx";
        }
        int int8 = 32;
        String int8Isa = "sse4.1";
        for (Object[] o : List.of(new Object[] {"avx512_vnni", 256}, new Object[] {"avx_vnni", 128},
                new Object[] {"avx512bw", 128}, new Object[] {"avx2", 64})) {
            if (flags.contains((String) o[0])) {
                int8 = (Integer) o[1];
                int8Isa = (String) o[0];
                break;
            }
        }
        return new Roofline(f.cpus(), mhz / 1000.0, fp32, fp32Isa, int8, int8Isa);
    }

    /** The fp32 peak in GFLOP/s. */
    public double fp32Gflops() {
        return cpus * ghz * fp32PerCycle;
    }

    /** The int8 peak in GOP/s. */
    public double int8Gops() {
        return cpus * ghz * int8PerCycle;
    }

    /** Images per second at the fp32 peak (MnistNet, 2 operations per multiply-add). */
    public double fp32ImagesPerSecond() {
        return fp32Gflops() * 1e9 / (2.0 * MNISTNET_MACS);
    }

    /** Images per second at the int8 peak. */
    public double int8ImagesPerSecond() {
        return int8Gops() * 1e9 / (2.0 * MNISTNET_MACS);
    }

    /** The assumptions behind the numbers, in one line. */
    public String assumptions() {
        return String.format(Locale.ROOT, "%d logical CPUs counted as cores, %.2f GHz as /proc/cpuinfo reports now, "
                + "%d fp32 FLOP/cycle/core (%s), %d int8 op/cycle/core (%s)", cpus, ghz, fp32PerCycle, fp32Isa,
                int8PerCycle, int8Isa);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "fp32 %.1f GFLOP/s, int8 %.1f GOP/s (%s)", fp32Gflops(), int8Gops(),
                assumptions());
    }
}
