package dev.glyph.benchmarks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glyph.testtools.OutsideTools;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class MachineTest {

    @Test
    void memInfo_procMeminfoText_bytes() {
        assertArrayEquals(new long[] {24683652L * 1024, 21957504L * 1024},
                Machine.memInfo("MemTotal:       24683652 kB\nMemFree:        17234196 kB\nMemAvailable:   21957504 kB\n"));
        assertArrayEquals(new long[] {-1, -1}, Machine.memInfo("nothing\n"));
    }

    @Test
    void flags_xeonWithVnniAndBf16_allTrue() {
        Machine m = new Machine("Xeon", "GenuineIntel", 4, 4, "AVX-512",
                List.of("avx2", "fma", "avx512f", "avx512_vnni", "amx_bf16"), 1, 1);
        assertTrue(m.avx2() && m.avx512() && m.vnni() && m.bf16());
        Machine zen = new Machine("EPYC", "AuthenticAMD", 2, 2, "AVX2", List.of("avx2", "fma"), 1, 1);
        assertTrue(zen.avx2());
        assertFalse(zen.avx512() || zen.vnni() || zen.bf16());
    }

    @Test
    void current_thisLinuxMachine_hasCpusAndMemory() {
        Machine m = Machine.current();
        assertTrue(m.logicalCpus() >= 1 && m.availableProcessors() >= 1, m.toString());
        assertTrue(m.memTotalBytes() > 0 && m.memAvailableBytes() > 0 && m.memAvailableBytes() <= m.memTotalBytes(),
                m.toString());
        assertFalse(m.cpuModel().equals("unknown"), m.toString());
    }

    @Test
    void fromHeader_openblasMaps_optimised() throws Exception {
        String header = "{\"event\":\"header\",\"torch\":\"1.13.0a0\",\"blas\":{\"maps\":["
                + "\"7f6d-7f6e r--p 00000000 fe:00 5595149 /usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblasp-r0.3.21.so\""
                + "],\"config\":[\"BLAS_INFO=generic\"]}}";
        ReferenceBlas b = ReferenceBlas.fromHeader("/usr/bin/python3", new ObjectMapper().readTree(header));
        assertEquals("openblas", b.kind());
        assertEquals("1.13.0a0", b.torch());
        assertTrue(b.optimised());
    }

    @Test
    void probe_debiansPythonTorch_reportsItsBlas() throws Exception {
        Path python = OutsideTools.requirePython("torch");
        ReferenceBlas b = ReferenceBlas.probe(python.toString(), Path.of("reference", "ref_train.py"));
        assertFalse(b.torch().isEmpty());
        assertFalse(b.kind().equals("unknown"), b.toString());
    }
}
