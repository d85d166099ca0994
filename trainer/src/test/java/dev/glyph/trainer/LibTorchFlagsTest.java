package dev.glyph.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.glyph.trainer.internal.engine.EngineSetup;
import dev.glyph.trainer.internal.engine.LibTorchFlags;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** libtorch's global cuDNN flags, reached through its exported symbols (they exist in the CPU build too). */
class LibTorchFlagsTest {

    @Test
    void setDeterministicCudnn_afterEngineLoaded_readsBackAndRestores() {
        EngineSetup.prepare();
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) { // loads libtorch
            Optional<Boolean> before = LibTorchFlags.deterministicCudnn();
            assertTrue(before.isPresent(), "libtorch's at::Context symbols are not reachable");
            assertTrue(LibTorchFlags.setDeterministicCudnn(true));
            assertEquals(Optional.of(true), LibTorchFlags.deterministicCudnn());
            assertTrue(LibTorchFlags.setDeterministicCudnn(before.get()));
            assertEquals(before, LibTorchFlags.deterministicCudnn());
        }
    }

    @Test
    void setDeterministicAlgorithms_afterEngineLoaded_readsBothFlagsBackAndRestores() {
        EngineSetup.prepare();
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            Optional<Boolean> on = LibTorchFlags.deterministicAlgorithms();
            Optional<Boolean> warn = LibTorchFlags.deterministicAlgorithmsWarnOnly();
            assertEquals(Optional.of(false), on, "libtorch's default");
            assertTrue(warn.isPresent());
            try {
                assertTrue(LibTorchFlags.setDeterministicAlgorithms(true, true));
                assertEquals(Optional.of(true), LibTorchFlags.deterministicAlgorithms());
                assertEquals(Optional.of(true), LibTorchFlags.deterministicAlgorithmsWarnOnly());
                assertTrue(LibTorchFlags.setDeterministicAlgorithms(true, false));
                assertEquals(Optional.of(false), LibTorchFlags.deterministicAlgorithmsWarnOnly());
            } finally {
                assertTrue(LibTorchFlags.setDeterministicAlgorithms(on.get(), warn.get()));
            }
            assertEquals(on, LibTorchFlags.deterministicAlgorithms());
        }
    }

    @Test
    void configure_onCpu_leavesDeterministicAlgorithmsOff() {
        EngineSetup.prepare();
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            EngineSetup.configure(0, Device.cpu());
            assertEquals(Optional.of(false), LibTorchFlags.deterministicAlgorithms());
        }
    }

    @Test
    void configure_onCpu_turnsCudnnBenchmarkOff() {
        EngineSetup.prepare();
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            int threads = EngineSetup.configure(0, Device.cpu());
            assertTrue(threads >= 1, "thread count " + threads);
            assertEquals(Optional.of(false), LibTorchFlags.benchmarkCudnn());
        }
    }
}
