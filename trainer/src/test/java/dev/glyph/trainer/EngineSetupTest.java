package dev.glyph.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glyph.trainer.internal.engine.EngineSetup;
import java.nio.file.Files;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Offline mode and the libtorch DJL loads from the bundled jar (the default, in this JVM). */
class EngineSetupTest {

    @Test
    void offlineValue_defaults_keepOfflineOn() {
        assertEquals("true", EngineSetup.offlineValue(null, false, null));
        assertEquals("true", EngineSetup.offlineValue("true", false, null)); // what ./glyph passes
        assertEquals("true", EngineSetup.offlineValue("true", false, "0"));
        assertEquals("false", EngineSetup.offlineValue("false", false, null)); // the user's own -D stays
    }

    @Test
    void offlineValue_downloadAllowed_liftsOfflineModeOverTheLaunchersFlag() {
        assertEquals("false", EngineSetup.offlineValue("true", true, null));
        assertEquals("false", EngineSetup.offlineValue("true", false, "1"));
        assertEquals("false", EngineSetup.offlineValue(null, false, "TRUE"));
    }

    @Test
    void bundledJniFlavors_pytorchJniOnTheClassPath_hasCpuAndCu128() {
        Set<String> f = EngineSetup.bundledJniFlavors();
        assertTrue(f.contains("cpu") && f.contains("cu128"), f.toString());
    }

    @Test
    void load_defaultClassPath_describesTheBundledCpuLibtorch() throws Exception {
        EngineInfo e = TorchEngine.load();
        assertEquals("2.7.1", e.pytorchVersion());
        assertEquals("0.36.0", e.djlVersion());
        assertEquals("cpu", e.flavor());
        assertEquals(EngineInfo.Source.BUNDLED_JAR, e.source());
        assertEquals("pytorch-native-cpu-2.7.1-linux-x86_64.jar", e.origin());
        assertTrue(Files.isRegularFile(e.libraryDir().resolve("libtorch_cpu.so")), e.libraryDir().toString());
        assertNotNull(e.jniLibrary());
        assertTrue(e.jniLibrary().getFileName().toString().endsWith("libdjl_torch.so"), e.jniLibrary().toString());
        assertTrue(e.offline(), "surefire runs with ai.djl.offline=true");
        assertFalse(e.cuda());
        assertEquals(e, TorchEngine.loaded().orElseThrow());
        assertEquals(e, TorchEngine.load()); // once per process
    }
}
