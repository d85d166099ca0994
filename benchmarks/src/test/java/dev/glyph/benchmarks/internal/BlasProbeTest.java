package dev.glyph.benchmarks.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class BlasProbeTest {

    private static String maps(String path) {
        return "7fc965800000-7fc965823000 r--p 00000000 fe:00 5595148                    " + path;
    }

    @Test
    void parse_debianOpenBlasAlternative_openblasNamingTheBlasNotLapack() {
        BlasProbe.Blas b = BlasProbe.parse(List.of(
                maps("/usr/lib/x86_64-linux-gnu/openblas-pthread/liblapack.so.3"),
                maps("/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblasp-r0.3.21.so"),
                maps("/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3")),
                List.of("BLAS_INFO=generic", "LAPACK_INFO=generic"));
        assertEquals(BlasProbe.Kind.OPENBLAS, b.kind());
        assertEquals("/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblasp-r0.3.21.so", b.library());
        assertEquals(3, b.libraries().size());
        assertTrue(b.optimised());
    }

    @Test
    void parse_netlibReferenceBlas_netlibAndNotOptimised() {
        BlasProbe.Blas b = BlasProbe.parse(List.of(
                maps("/usr/lib/x86_64-linux-gnu/lapack/liblapack.so.3.11.0"),
                maps("/usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0")),
                List.of("BLAS_INFO=generic"));
        assertEquals(BlasProbe.Kind.NETLIB, b.kind());
        assertEquals("/usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0", b.library());
        assertFalse(b.optimised());
    }

    @Test
    void parse_netlibNextToAnotherOpenBlas_netlibWins() {
        // e.g. numpy's bundled OpenBLAS mapped next to torch's netlib libblas.so.3
        BlasProbe.Blas b = BlasProbe.parse(List.of(
                maps("/usr/lib/python3/dist-packages/numpy.libs/libopenblas64_p-r0-15028c96.3.21.so"),
                maps("/usr/lib/x86_64-linux-gnu/blas/libblas.so.3")), List.of());
        assertEquals(BlasProbe.Kind.NETLIB, b.kind());
    }

    @Test
    void parse_pipWheelStaticMkl_mklFromConfig() {
        BlasProbe.Blas b = BlasProbe.parse(List.of(), List.of("Intel(R) oneAPI Math Kernel Library Version 2024.2",
                "BLAS_INFO=mkl"));
        assertEquals(BlasProbe.Kind.MKL, b.kind());
        assertTrue(b.library().contains("Math Kernel Library"), b.library());
    }

    @Test
    void parse_mappedMklAndBlis_detected() {
        assertEquals(BlasProbe.Kind.MKL, BlasProbe.parse(List.of(maps("/opt/intel/lib/libmkl_rt.so.2")), List.of()).kind());
        assertEquals(BlasProbe.Kind.BLIS,
                BlasProbe.parse(List.of(maps("/usr/lib/x86_64-linux-gnu/blis-pthread/libblas.so.3")), List.of()).kind());
    }

    @Test
    void parse_nothingKnown_unknownWithoutLibrary() {
        BlasProbe.Blas b = BlasProbe.parse(List.of("7f00-7f01 rw-p 00000000 00:00 0", "garbage"),
                List.of("BLAS_INFO=generic"));
        assertEquals(BlasProbe.Kind.UNKNOWN, b.kind());
        assertNull(b.library());
        assertTrue(b.optimised());
        assertTrue(b.libraries().isEmpty());
    }

    @Test
    void path_deletedAndSpaces_pathKept() {
        assertEquals("/tmp/my libs/libblas.so.3", BlasProbe.path(maps("/tmp/my libs/libblas.so.3 (deleted)")));
        assertNull(BlasProbe.path("7f00-7f01 rw-p 00000000 00:00 0                 [heap]"));
    }
}
