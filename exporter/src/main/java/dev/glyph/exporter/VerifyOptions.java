package dev.glyph.exporter;

import java.nio.file.Path;

/**
 * Options of {@link Verifier#verify}. Start from {@link #defaults()}.
 *
 * <pre>{@code
 * VerifyOptions o = VerifyOptions.defaults().withDataDir(Path.of("data/mnist")).withRunDir(Path.of("runs/a"));
 * }</pre>
 *
 * <p>Thread-safety: immutable.
 *
 * @param dataDir the folder with the IDX files; null means {@code data/<dataset>} relative to the working
 *     directory
 * @param runDir the run folder whose trained model is compared too; null means the provenance's
 *     {@code config.out_dir} if that folder exists and holds the same run, otherwise the trained model is
 *     skipped (with a note) and only the two files are compared
 * @param images compare the first {@code images} test images; 0 means all of them
 * @param batchSize images per forward call, at least 1
 * @param writeReport write parity.json into the model folder
 * @param sourceDir for an optimised (int8, fp16) version, the fp32 version to compare with; null means the folder
 *     its manifest records ({@code optimization.source.dir}), else the sibling folder named by the recorded source
 *     version
 */
public record VerifyOptions(Path dataDir, Path runDir, int images, int batchSize, boolean writeReport,
        Path sourceDir) {

    /** Validates the ranges. */
    public VerifyOptions {
        if (images < 0) {
            throw new IllegalArgumentException("--limit is " + images + "; expected 0 (all) or more");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size is " + batchSize + "; expected at least 1");
        }
    }

    /** Returns the defaults: data/&lt;dataset&gt;, the run from provenance, all test images, write parity.json. */
    public static VerifyOptions defaults() {
        return new VerifyOptions(null, null, 0, ExportOptions.DEFAULT_BATCH, true, null);
    }

    /** Returns a copy with the data folder. */
    public VerifyOptions withDataDir(Path v) {
        return new VerifyOptions(v, runDir, images, batchSize, writeReport, sourceDir);
    }

    /** Returns a copy with the run folder. */
    public VerifyOptions withRunDir(Path v) {
        return new VerifyOptions(dataDir, v, images, batchSize, writeReport, sourceDir);
    }

    /** Returns a copy comparing only the first {@code v} test images (0 = all). */
    public VerifyOptions withImages(int v) {
        return new VerifyOptions(dataDir, runDir, v, batchSize, writeReport, sourceDir);
    }

    /** Returns a copy with the forward batch size. */
    public VerifyOptions withBatchSize(int v) {
        return new VerifyOptions(dataDir, runDir, images, v, writeReport, sourceDir);
    }

    /** Returns a copy that does or does not write parity.json. */
    public VerifyOptions withWriteReport(boolean v) {
        return new VerifyOptions(dataDir, runDir, images, batchSize, v, sourceDir);
    }

    /** Returns a copy comparing an optimised version with the fp32 version in {@code v}. */
    public VerifyOptions withSourceDir(Path v) {
        return new VerifyOptions(dataDir, runDir, images, batchSize, writeReport, v);
    }
}
