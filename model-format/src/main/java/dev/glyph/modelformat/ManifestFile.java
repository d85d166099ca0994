package dev.glyph.modelformat;

import dev.glyph.modelformat.internal.ManifestParser;
import java.nio.file.Path;

/**
 * A {@code manifest.json} as read from a model folder: where it is, its text and what it says.
 *
 * <pre>{@code
 * ManifestFile m = ManifestFile.read(Path.of("models/mnist/1"));
 * FileDigest onnx = m.requireFile(ModelFolder.ONNX);
 * }</pre>
 *
 * <p>Thread-safety: immutable.
 *
 * @param path the manifest file
 * @param text its text
 * @param manifest what it says
 */
public record ManifestFile(Path path, String text, Manifest manifest) {

    /**
     * Reads and validates {@code dir/manifest.json}.
     *
     * @throws ModelFormatException if the folder or the manifest is missing, not UTF-8 JSON, of another
     *     format_version, or a required field is missing or of the wrong type (the message names the field, and
     *     what was found and expected)
     */
    public static ManifestFile read(Path dir) throws ModelFormatException {
        return ManifestParser.read(dir);
    }

    /**
     * Parses manifest text; {@code path} names the source in messages.
     *
     * @throws ModelFormatException as {@link #read}
     */
    public static ManifestFile parse(Path path, String text) throws ModelFormatException {
        return new ManifestFile(path, text, ManifestParser.parse(path.toString(), text));
    }

    /**
     * Returns the digest listed for {@code name}.
     *
     * @throws ModelFormatException if the manifest does not list it
     */
    public FileDigest requireFile(String name) throws ModelFormatException {
        FileDigest d = manifest.files().get(name);
        if (d == null) {
            throw new ModelFormatException(path + ": files has " + manifest.files().keySet()
                    + "; expected an entry for " + name, null);
        }
        return d;
    }
}
