package dev.glyph.benchmarks.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Decides which BLAS a PyTorch process really uses, from the {@code /proc/self/maps} lines of its
 * BLAS-like libraries (read after a matmul, so the library is loaded) and the BLAS entries of
 * {@code torch.__config__.show()}. Pure parsing: {@code ref_train.py --probe-blas} supplies the lines.
 *
 * <pre>{@code
 * BlasProbe.Blas b = BlasProbe.parse(header.maps(), header.config());
 * if (b.kind() == BlasProbe.Kind.NETLIB) { ... }
 * }</pre>
 *
 * <p>Thread-safety: stateless.
 */
public final class BlasProbe {

    /** The Debian package that replaces the netlib reference BLAS behind {@code libblas.so.3}. */
    public static final String OPTIMISED_PACKAGE = "libopenblas0-pthread";

    private BlasProbe() {
    }

    /** BLAS implementations told apart. */
    public enum Kind {
        /** OpenBLAS (optimised). */
        OPENBLAS,
        /** Intel MKL, mapped or linked into libtorch statically (optimised). */
        MKL,
        /** BLIS (optimised). */
        BLIS,
        /** ATLAS (optimised). */
        ATLAS,
        /** The netlib reference BLAS: unoptimised Fortran loops, not what PyTorch users run. */
        NETLIB,
        /** No BLAS library mapped and none named by torch's build config. */
        UNKNOWN;

        /** Returns the lower-case name used in JSON. */
        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * The verdict.
     *
     * @param kind the implementation in use
     * @param library the mapped library it was decided from, or a config entry for a static MKL, or null
     * @param libraries every BLAS-like library mapped into the process
     */
    public record Blas(Kind kind, String library, List<String> libraries) {
        /** Returns true unless the netlib reference BLAS is in use. */
        public boolean optimised() {
            return kind != Kind.NETLIB;
        }
    }

    /**
     * Parses maps lines ({@code address perms offset dev inode path}) and config entries.
     *
     * <p>A mapped netlib {@code libblas.so} wins over everything else, because a process that maps it
     * binds {@code libblas.so.3}'s symbols to it. Otherwise the first optimised library mapped decides;
     * without one, torch's config ({@code BLAS_INFO=mkl}, "Math Kernel Library") detects a static MKL.
     */
    public static Blas parse(List<String> mapsLines, List<String> config) {
        List<String> libs = new ArrayList<>();
        for (String line : mapsLines) {
            String p = path(line);
            if (p != null && !libs.contains(p)) {
                libs.add(p);
            }
        }
        for (String p : libs) {
            if (classify(p) == Kind.NETLIB) {
                return new Blas(Kind.NETLIB, p, List.copyOf(libs));
            }
        }
        for (boolean lapack : new boolean[] {false, true}) { // name the BLAS itself rather than its LAPACK
            for (String p : libs) {
                Kind k = classify(p);
                if (k != Kind.UNKNOWN && p.substring(p.lastIndexOf('/') + 1).startsWith("liblapack") == lapack) {
                    return new Blas(k, p, List.copyOf(libs));
                }
            }
        }
        for (String c : config) {
            String l = c.toLowerCase(Locale.ROOT);
            if (l.contains("blas_info=mkl") || l.contains("math kernel library")) {
                return new Blas(Kind.MKL, c.trim(), List.copyOf(libs));
            }
            if (l.contains("blas_info=open")) {
                return new Blas(Kind.OPENBLAS, c.trim(), List.copyOf(libs));
            }
        }
        return new Blas(Kind.UNKNOWN, null, List.copyOf(libs));
    }

    /** Returns the path column of a maps line, or null for an anonymous mapping or a malformed line. */
    static String path(String mapsLine) {
        String[] f = mapsLine.trim().split("\\s+", 6);
        if (f.length < 6 || !f[5].startsWith("/")) {
            return null;
        }
        String p = f[5].trim();
        return p.endsWith(" (deleted)") ? p.substring(0, p.length() - " (deleted)".length()) : p;
    }

    /** Classifies one library path. */
    static Kind classify(String path) {
        String lower = path.toLowerCase(Locale.ROOT);
        String file = lower.substring(lower.lastIndexOf('/') + 1);
        if (lower.contains("mkl")) {
            return Kind.MKL;
        }
        if (lower.contains("openblas")) {
            return Kind.OPENBLAS;
        }
        if (lower.contains("blis")) {
            return Kind.BLIS;
        }
        if (lower.contains("atlas")) {
            return Kind.ATLAS;
        }
        if (file.startsWith("libblas.so") || file.startsWith("libcblas.so")) {
            return Kind.NETLIB; // e.g. Debian's /usr/lib/x86_64-linux-gnu/blas/libblas.so.3 (package libblas3)
        }
        return Kind.UNKNOWN;
    }
}
