package dev.glyph.modelformat;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A file's lowercase hex SHA-256 and size in bytes, as listed under {@code files} in manifest.json.
 *
 * <pre>{@code
 * FileDigest d = FileDigest.of(Path.of("models/mnist/1/model.onnx"));
 * }</pre>
 *
 * <p>Thread-safety: immutable.
 *
 * @param sha256 64 lowercase hex digits
 * @param size bytes
 */
@JsonPropertyOrder({"sha256", "size"})
public record FileDigest(String sha256, long size) {

    /** Validates the hash format and the size. */
    public FileDigest {
        if (sha256 == null || !sha256.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("sha256 is " + (sha256 == null ? "null" : "\"" + sha256 + "\"")
                    + "; expected 64 lowercase hex digits");
        }
        if (size < 0) {
            throw new IllegalArgumentException("size is " + size + "; expected >= 0");
        }
    }

    /** Returns the digest of {@code bytes}. */
    public static FileDigest of(byte[] bytes) {
        return new FileDigest(Sha256.hex(bytes), bytes.length);
    }

    /** Returns the digest of the file. */
    public static FileDigest of(Path file) throws IOException {
        return new FileDigest(Sha256.hex(file), Files.size(file));
    }
}
