package dev.glyph.exporter;

import dev.glyph.modelformat.FileDigest;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What {@link Exporter#export} wrote.
 *
 * <p>Thread-safety: immutable.
 *
 * @param dir the model folder
 * @param name the model name
 * @param version the model version (the folder name)
 * @param dataset the data set the run trained on
 * @param files file name to digest, as in manifest.json
 * @param accuracy format ({@code trained}, {@code torchscript}, {@code onnx}) to test accuracy in percent
 * @param accuracyImages format to the number of test images its accuracy was computed on
 * @param parity the export-time parity report (passed)
 * @param tritonConfig Triton's config.pbtxt next to the version folder ({@code models/<name>/config.pbtxt}), written
 *     or found up to date; null when the version folder's name is not a number, so none was written
 */
public record ExportResult(Path dir, String name, String version, String dataset, Map<String, FileDigest> files,
        Map<String, Double> accuracy, Map<String, Integer> accuracyImages, ParityReport parity, Path tritonConfig) {

    /** Copies the maps. */
    public ExportResult {
        files = Collections.unmodifiableMap(new LinkedHashMap<>(files));
        accuracy = Collections.unmodifiableMap(new LinkedHashMap<>(accuracy));
        accuracyImages = Collections.unmodifiableMap(new LinkedHashMap<>(accuracyImages));
    }
}
