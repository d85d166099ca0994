package dev.glyph.datasets.internal;

import java.nio.file.Path;

/**
 * The validated content of one IDX file.
 *
 * <p>Thread-safety: immutable as long as nobody writes to {@code payload}.
 *
 * @param file the file it was read from
 * @param count the number of items (images or labels)
 * @param rows image height, or 0 for a labels file
 * @param cols image width, or 0 for a labels file
 * @param payload the bytes after the header ({@code count * rows * cols} or {@code count})
 * @param sha256 lowercase hex SHA-256 of the uncompressed file, header included
 * @param gzip whether the file was gzip-compressed
 */
public record IdxData(Path file, int count, int rows, int cols, byte[] payload, String sha256, boolean gzip) {
}
