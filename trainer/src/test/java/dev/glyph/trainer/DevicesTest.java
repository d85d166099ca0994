package dev.glyph.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import org.junit.jupiter.api.Test;

class DevicesTest {

    @Test
    void select_autoWithoutGpu_fallsBackToCpu() throws Exception {
        assertEquals(Device.cpu(), Devices.select(DeviceChoice.AUTO, 0));
    }

    @Test
    void select_autoWithGpu_usesFirstGpu() throws Exception {
        assertEquals(Device.gpu(0), Devices.select(DeviceChoice.AUTO, 2));
    }

    @Test
    void select_cpuWithGpu_staysOnCpu() throws Exception {
        assertEquals(Device.cpu(), Devices.select(DeviceChoice.CPU, 1));
    }

    @Test
    void select_gpuWithGpu_usesGpu() throws Exception {
        assertEquals(Device.gpu(0), Devices.select(DeviceChoice.GPU, 1));
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
