package dev.glyph.modelformat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * SHA-256, the one digest of Glyph's files (model files, checkpoints).
 *
 * <pre>{@code
 * String hex = Sha256.hex(Path.of("models/mnist/1/model.onnx"));   // 64 lowercase hex digits
 * }</pre>
 *
 * <p>Thread-safety: stateless; every call uses its own {@link MessageDigest}.
 */
public final class Sha256 {

    /** Length of a digest in bytes. */
    public static final int BYTES = 32;

    private Sha256() {
    }

    /** Returns a fresh SHA-256 {@link MessageDigest}, for callers that hash while they stream. */
    public static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256 MessageDigest", e);
        }
    }

    /** Returns the raw 32-byte digest of {@code bytes[offset, offset + length)}. */
    public static byte[] digest(byte[] bytes, int offset, int length) {
        MessageDigest md = newDigest();
        md.update(bytes, offset, length);
        return md.digest();
    }

    /** Returns the lowercase hex digest of {@code bytes}. */
    public static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(digest(bytes, 0, bytes.length));
    }

    /** Returns the lowercase hex digest of the whole file, read in 64 KiB blocks. */
    public static String hex(Path file) throws IOException {
        MessageDigest md = newDigest();
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int r; (r = in.read(buf)) > 0; ) {
                md.update(buf, 0, r);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
