package dev.glyph.exporter;

/**
 * A file's lowercase hex SHA-256 and size in bytes, as listed under {@code files} in manifest.json.
 *
 * <p>Thread-safety: immutable.
 *
 * @param sha256 64 lowercase hex digits
 * @param size bytes
 */
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
}
