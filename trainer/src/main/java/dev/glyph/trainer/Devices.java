package dev.glyph.trainer;

import ai.djl.Device;

/**
 * Chooses the training device from the user's {@link DeviceChoice} and the GPUs the PyTorch engine
 * reports. The same jars use a GPU whenever DJL finds a CUDA libtorch (through
 * {@code PYTORCH_LIBRARY_PATH} or a CUDA native jar); nothing here is tied to one native build.
 *
 * <pre>{@code
 * Device d = Devices.select(DeviceChoice.AUTO, Devices.gpuCount());
 * }</pre>
 *
 * <p>Thread-safety: stateless.
 */
public final class Devices {

    private Devices() {
    }

    /**
     * Returns the device for {@code choice} given {@code gpuCount} visible GPUs.
     *
     * @throws DeviceUnavailableException if a GPU is required and none is visible
     */
    public static Device select(DeviceChoice choice, int gpuCount) throws DeviceUnavailableException {
        switch (choice) {
            case CPU:
                return Device.cpu();
            case GPU:
                if (gpuCount <= 0) {
                    throw new DeviceUnavailableException("--device gpu was requested but the PyTorch engine sees "
                            + "no GPU (found 0 CUDA devices; expected at least 1). Use --device cpu or auto, or "
                            + "point PYTORCH_LIBRARY_PATH at a CUDA build of libtorch 2.7.1, or allow DJL to download "
                            + "one (--allow-engine-download); `glyph doctor` says which is missing.");
                }
                return Device.gpu(0);
            case AUTO:
            default:
                return gpuCount > 0 ? Device.gpu(0) : Device.cpu();
        }
    }

    /**
     * Returns how many GPUs the PyTorch engine sees (0 on a CPU-only libtorch), loading it through
     * {@link TorchEngine#load()}.
     *
     * @throws IllegalStateException with {@link EngineUnavailableException}'s one-line message if libtorch
     *     cannot be loaded
     */
    public static int gpuCount() {
        try {
            return TorchEngine.load().gpuCount();
        } catch (EngineUnavailableException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }
}
