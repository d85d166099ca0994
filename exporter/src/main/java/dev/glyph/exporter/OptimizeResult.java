package dev.glyph.exporter;

import dev.glyph.modelformat.FileDigest;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What {@link Optimizer#optimize} wrote.
 *
 * <p>Thread-safety: immutable.
 *
 * @param dir the new version folder
 * @param name the model name
 * @param version the new version (the folder name)
 * @param precision the new version's precision
 * @param source the fp32 version it was made from
 * @param sourceOnnxSha256 the SHA-256 of the source's model.onnx
 * @param files file name to digest, as in manifest.json
 * @param gate the accuracy gate (passed)
 * @param calibration how int8 activations were calibrated; null for fp16
 * @param flips the picture of the flipped test images in {@code dir}, or null when no image flipped
 */
public record OptimizeResult(Path dir, String name, String version, Precision precision, Path source,
        String sourceOnnxSha256, Map<String, FileDigest> files, GateReport gate, Calibration calibration, Path flips) {

    /** Copies the map. */
    public OptimizeResult {
        files = Collections.unmodifiableMap(new LinkedHashMap<>(files));
    }

    /**
     * The calibration of an int8 version.
     *
     * @param method the method
     * @param dataset the data set whose training split was used
     * @param images the number of training images
     * @param seed the seed that chose them
     * @param indicesSha256 the SHA-256 of the chosen indices (ascending, ASCII decimal, one per line ending in
     *     {@code \n})
     * @param scales quantised activation tensor to its parameters, in graph order
     */
    public record Calibration(CalibrationMethod method, String dataset, int images, long seed, String indicesSha256,
            Map<String, TensorScale> scales) {
        /** Copies the map. */
        public Calibration {
            scales = Collections.unmodifiableMap(new LinkedHashMap<>(scales));
        }
    }

    /**
     * The uint8 parameters of one activation tensor.
     *
     * @param scale the scale
     * @param zeroPoint the zero point
     * @param observedMin the smallest value seen on the calibration images
     * @param observedMax the largest value seen on the calibration images
     * @param rangeMax the largest value the parameters represent (below observedMax when the method clips)
     */
    public record TensorScale(float scale, int zeroPoint, double observedMin, double observedMax, double rangeMax) {
    }
}
