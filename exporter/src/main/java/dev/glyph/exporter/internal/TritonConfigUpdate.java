package dev.glyph.exporter.internal;

import dev.glyph.exporter.ExportException;
import dev.glyph.modelformat.AtomicFiles;
import dev.glyph.modelformat.ModelFormatException;
import dev.glyph.modelformat.TritonConfig;
import dev.glyph.modelformat.triton.ModelConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Export's update of {@code models/<name>/config.pbtxt}: Glyph's configuration for a new file, or the existing file
 * with only the fields Glyph owns replaced ({@link TritonConfig#withGlyphFields}). An existing file that does not
 * parse, or that uses fields Glyph's schema does not declare (they would be lost), is refused, never overwritten.
 * A file whose content would not change is not rewritten, so its comments and layout stay.
 *
 * <pre>{@code
 * TritonConfigUpdate u = TritonConfigUpdate.plan(Path.of("models/mnist"), 64, 2000);   // refuses a broken file
 * u = u.replan();                                                     // just before writing
 * u.apply();
 * try { install(); } catch (IOException e) { u.undo(); throw e; }
 * }</pre>
 *
 * <p>Thread-safety: immutable values; the file operations are not atomic with respect to other writers of the
 * same config.pbtxt (the last writer wins).
 *
 * @param file the config.pbtxt, {@code models/<name>/config.pbtxt}
 * @param config what it will hold
 * @param previous its current text, or null if there is none
 * @param changed whether {@link #apply} writes it
 * @param maxBatchSize the max_batch_size asked for
 * @param maxQueueDelayMicros the queue delay of a new file
 */
public record TritonConfigUpdate(Path file, ModelConfig config, String previous, boolean changed, int maxBatchSize,
        long maxQueueDelayMicros) {

    /** Triton serves version folders named by a positive number without leading zeros. */
    private static final Pattern VERSION = Pattern.compile("[1-9][0-9]{0,18}");

    /** Returns whether {@code folderName} is a version folder Triton serves. */
    public static boolean isTritonVersion(String folderName) {
        return VERSION.matcher(folderName).matches();
    }

    /**
     * Plans the update of {@code modelDir/config.pbtxt}, where {@code modelDir} is {@code models/<name>} (the
     * config's name is the folder's name, as Triton requires).
     *
     * @throws ExportException if an existing config.pbtxt cannot be read, does not parse, uses fields Glyph's
     *     schema does not declare, or names another backend
     */
    public static TritonConfigUpdate plan(Path modelDir, int maxBatchSize, long maxQueueDelayMicros)
            throws ExportException {
        Path file = modelDir.resolve(TritonConfig.FILE);
        String folderName = modelDir.getFileName() == null ? "" : modelDir.getFileName().toString();
        ModelConfig glyph;
        try {
            glyph = TritonConfig.forGlyphModel(folderName, maxBatchSize, maxQueueDelayMicros);
        } catch (IllegalArgumentException e) {
            throw new ExportException("cannot write " + file + ": " + e.getMessage(), e);
        }
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            return new TritonConfigUpdate(file, glyph, null, true, maxBatchSize, maxQueueDelayMicros);
        }
        String hint = "; export does not overwrite a config.pbtxt it cannot read completely: fix the file, or move it "
                + "away to have export write a new one";
        try {
            ModelConfig existing = TritonConfig.readStrict(file);
            String previous = Files.readString(file);
            ModelConfig merged = TritonConfig.withGlyphFields(existing, glyph);
            return new TritonConfigUpdate(file, merged, previous, !merged.equals(existing), maxBatchSize,
                    maxQueueDelayMicros);
        } catch (ModelFormatException e) {
            throw new ExportException(e.getMessage() + hint, e);
        } catch (IllegalArgumentException e) {
            throw new ExportException(file + ": " + e.getMessage() + hint, e);
        } catch (IOException e) {
            throw new ExportException("cannot read " + file + ": " + e.getMessage() + hint, e);
        }
    }

    /** Plans again from the file as it is now (it may have changed since this plan). */
    public TritonConfigUpdate replan() throws ExportException {
        return plan(file.getParent(), maxBatchSize, maxQueueDelayMicros);
    }

    /** Writes the file atomically if its content changes. */
    public void apply() throws IOException {
        if (changed) {
            TritonConfig.write(file, config);
        }
    }

    /** Puts back what {@link #apply} replaced: the previous text, or no file. */
    public void undo() throws IOException {
        if (!changed) {
            return;
        }
        if (previous == null) {
            Files.deleteIfExists(file);
        } else {
            AtomicFiles.writeString(file, previous);
        }
    }
}
