package dev.glyph.inferencesdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class DeviceTest {

    @Test
    void parse_glyphVocabulary_devices() {
        assertEquals(Device.cpu(), Device.parse("cpu"));
        assertEquals(Device.cuda(0), Device.parse("GPU"));
        assertEquals(Device.cuda(2), Device.parse("gpu:2"));
        assertEquals(Device.auto(), Device.parse("auto"));
        assertEquals("gpu:2", Device.cuda(2).toString());
    }

    @Test
    void parse_deprecatedCudaAliases_stillAccepted() {
        assertEquals(Device.cuda(0), Device.parse("cuda"));
        assertEquals(Device.cuda(1), Device.parse("cuda:1"));
    }

    @Test
    void parse_unknown_illegalArgumentNamingTheAcceptedForms() {
        for (String bad : List.of("tpu", "gpu:", "gpu:-1", "cuda:x", "")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Device.parse(bad), bad);
            assertTrue(e.getMessage().endsWith("expected auto, cpu, gpu or gpu:N"), e.getMessage());
        }
    }

    @Test
    void auto_cpuOnlyOnnxRuntimeBuild_cpu() {
        // this module's test classpath has the CPU-only onnxruntime artifact
        assertEquals(Device.cpu(), Device.auto());
    }
}
