package dev.glyph.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DevicesTest {

    @ParameterizedTest(name = "{0} with {1} GPU(s) -> {2}")
    @CsvSource({"AUTO, 0, cpu", "AUTO, 2, gpu", "CPU, 1, cpu", "GPU, 1, gpu"})
    void select_choiceAndGpuCount_givesDevice(DeviceChoice choice, int gpus, String want) throws Exception {
        assertEquals(want.equals("gpu") ? Device.gpu(0) : Device.cpu(), Devices.select(choice, gpus));
    }

    @Test
    void select_gpuWithoutGpu_throwsClearError() {
        DeviceUnavailableException e = assertThrows(DeviceUnavailableException.class,
                () -> Devices.select(DeviceChoice.GPU, 0));
        assertTrue(e.getMessage().contains("no GPU"), e.getMessage());
        assertTrue(e.getMessage().contains("--device cpu"), e.getMessage());
    }

    @Test
    void gpuCount_onThisMachine_matchesSelectionOfAuto() throws Exception {
        int n = Devices.gpuCount();
        assertEquals(n > 0 ? Device.gpu(0) : Device.cpu(), Devices.select(DeviceChoice.AUTO, n));
    }
}
