package dev.glyph.benchmarks.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class CpuInfoTest {

    @Test
    void parse_twoProcessorsWithAvx512_firstBlockAndCount() {
        String text = """
            processor\t: 0
            vendor_id\t: GenuineIntel
            cpu family\t: 6
            model\t\t: 106
            model name\t: Intel(R) Xeon(R) Platinum 8370C CPU @ 2.80GHz
            flags\t\t: fpu sse4_2 avx avx2 avx512f avx512bw

            processor\t: 1
            vendor_id\t: GenuineIntel
            model name\t: Intel(R) Xeon(R) Platinum 8370C CPU @ 2.80GHz
            """;
        CpuInfo c = CpuInfo.parse(text);
        assertEquals("Intel(R) Xeon(R) Platinum 8370C CPU @ 2.80GHz", c.modelName());
        assertEquals("GenuineIntel", c.vendor());
        assertEquals("6", c.family());
        assertEquals("106", c.model());
        assertEquals(2, c.cpus());
        assertEquals("AVX-512", c.isa());
    }

    @Test
    void parse_zenWithAvx2Only_avx2() {
        CpuInfo c = CpuInfo.parse("processor : 0\nvendor_id : AuthenticAMD\ncpu family : 25\nmodel : 1\n"
                + "model name : AMD EPYC\nflags : sse4_2 avx fma avx2\n");
        assertEquals("AVX2", c.isa());
        assertEquals("AMD EPYC (AuthenticAMD family 25 model 1, 1 CPUs, AVX2)", c.toString());
    }

    @Test
    void parse_sapphireRapidsFlags_listsKernelFeaturesInOrder() {
        CpuInfo c = CpuInfo.parse("processor : 0\nflags : sse4_2 avx2 fma avx512f avx512bw avx512_bf16 avx512_vnni"
                + " amx_int8 amx_bf16 avx_vnni\n");
        assertEquals(java.util.List.of("avx2", "fma", "avx512f", "avx512bw", "avx512_vnni", "avx_vnni", "avx512_bf16",
                "amx_bf16", "amx_int8"), c.features());
        org.junit.jupiter.api.Assertions.assertTrue(c.has("amx_bf16"));
        assertEquals(java.util.List.of(), CpuInfo.parse("processor : 0\nflags : sse4_2\n").features());
    }
}
