package dev.glyph.datasets.internal;

import dev.glyph.datasets.DataException;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PushbackInputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads and validates IDX files of unsigned bytes (the MNIST format), plain or gzip-compressed.
 *
 * <p>Layout (big-endian): a magic number {@code 0x0000 08 DD} (type 0x08 = unsigned byte,
 * {@code DD} = number of dimensions), one 32-bit size per dimension, then the data. Images are
 * magic 2051 (3 dimensions: count, rows, cols), labels magic 2049 (1 dimension: count). Gzip is
 * recognised by its magic bytes {@code 1f 8b}, not by the file name. The SHA-256 of the
 * uncompressed bytes is computed once, while reading.
 *
 * <p>Every problem is a {@link DataException} whose message starts with the file's path and gives
 * the value found and the value expected.
 *
 * <p>Thread-safety: stateless.
 */
public final class IdxReader {

    /** Magic number of an IDX images file (unsigned bytes, 3 dimensions). */
    public static final int IMAGES_MAGIC = 0x00000803;
    /** Magic number of an IDX labels file (unsigned bytes, 1 dimension). */
    public static final int LABELS_MAGIC = 0x00000801;
    /** Required image height and width. */
    public static final int IMAGE_SIZE = 28;
    /** Largest payload this reader accepts (Java arrays are int-indexed). */
    static final long MAX_PAYLOAD = Integer.MAX_VALUE - 64;

    private static final int BUFFER = 1 << 16;
    private static final int CHUNK = 1 << 20;

    private IdxReader() {
    }

    /** Reads an images file: magic 2051, dimensions count x 28 x 28. */
    public static IdxData readImages(Path file) throws DataException {
        return read(file, true);
    }

    /** Reads a labels file: magic 2049, dimension count, every label 0..9. */
    public static IdxData readLabels(Path file) throws DataException {
        return read(file, false);
    }

    private static IdxData read(Path file, boolean images) throws DataException {
        String where = DataFiles.display(file);
        long fileSize;
        try {
            fileSize = Files.size(file);
        } catch (NoSuchFileException e) {
            throw new DataException(where + ": file not found", e);
        } catch (IOException e) {
            throw new DataException(where + ": cannot read: " + DataFiles.describe(e), e);
        }
        boolean gzip = false;
        try (InputStream raw = Files.newInputStream(file)) {
            PushbackInputStream sniff = new PushbackInputStream(raw, 2);
            byte[] head = sniff.readNBytes(2);
            sniff.unread(head);
            gzip = head.length == 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b;
            InputStream in = gzip ? new GZIPInputStream(sniff, BUFFER) : sniff;
            try {
                return parse(in, file, where, images, gzip, fileSize);
            } catch (DataException e) {
                if (gzip) {
                    // garbage from a damaged gzip stream looks like a bad header; the CRC tells which it is
                    in.transferTo(OutputStream.nullOutputStream());
                }
                throw e;
            }
        } catch (ZipException | EOFException e) {
            throw new DataException(where + ": corrupt or truncated gzip data (" + DataFiles.describe(e)
                    + "); expected a valid gzip stream because the file starts with the gzip magic 1f 8b", e);
        } catch (IOException e) {
            throw new DataException(where + ": cannot read" + (gzip ? " (gzip)" : "") + ": "
                    + DataFiles.describe(e), e);
        }
    }

    private static IdxData parse(InputStream in, Path file, String where, boolean images, boolean gzip,
            long fileSize) throws IOException, DataException {
        int expectedMagic = images ? IMAGES_MAGIC : LABELS_MAGIC;
        int dims = images ? 3 : 1;
        int headerLen = 4 + 4 * dims;
        String kind = images ? "images" : "labels";

        byte[] header = in.readNBytes(headerLen);
        if (header.length < 4) {
            throw new DataException(where + ": too short for an IDX " + kind + " header: found " + header.length
                    + " bytes" + (gzip ? " after gunzip" : "") + ", expected at least " + headerLen);
        }
        int magic = intAt(header, 0);
        if (magic != expectedMagic) {
            throw new DataException(where + ": " + describeBadMagic(magic, expectedMagic, dims, kind));
        }
        if (header.length < headerLen) {
            throw new DataException(where + ": truncated IDX " + kind + " header: found " + header.length
                    + " bytes" + (gzip ? " after gunzip" : "") + ", expected " + headerLen);
        }
        long count = Integer.toUnsignedLong(intAt(header, 4));
        int rows = 0;
        int cols = 0;
        long itemSize = 1;
        if (images) {
            long r = Integer.toUnsignedLong(intAt(header, 8));
            long c = Integer.toUnsignedLong(intAt(header, 12));
            if (r != IMAGE_SIZE || c != IMAGE_SIZE) {
                throw new DataException(where + ": image size found " + r + "x" + c + " (rows x cols), expected "
                        + IMAGE_SIZE + "x" + IMAGE_SIZE);
            }
            rows = (int) r;
            cols = (int) c;
            itemSize = r * c;
        }
        long payloadLen = count * itemSize;
        String declared = "the header declares " + count + " " + kind
                + (images ? " of " + rows + "x" + cols : "");
        if (payloadLen > MAX_PAYLOAD) {
            throw new DataException(where + ": " + declared + " = " + payloadLen
                    + " bytes, more than the supported maximum of " + MAX_PAYLOAD + " bytes");
        }
        long expectedLen = headerLen + payloadLen;
        if (!gzip && fileSize != expectedLen) {
            throw new DataException(where + ": " + lengthProblem(declared, expectedLen, fileSize, ""));
        }

        MessageDigest sha = sha256();
        sha.update(header);
        byte[] payload = readPayload(in, (int) payloadLen, !gzip, sha);
        if (payload.length < payloadLen) {
            throw new DataException(where + ": " + lengthProblem(declared, expectedLen, headerLen + payload.length,
                    gzip ? " uncompressed" : ""));
        }
        long extra = in.transferTo(OutputStream.nullOutputStream());
        if (extra > 0) {
            throw new DataException(where + ": " + lengthProblem(declared, expectedLen, expectedLen + extra,
                    gzip ? " uncompressed" : ""));
        }
        if (!images) {
            for (int i = 0; i < payload.length; i++) {
                int v = payload[i] & 0xff;
                if (v > 9) {
                    throw new DataException(where + ": label at index " + i + " found " + v + ", expected 0..9");
                }
            }
        }
        return new IdxData(file, (int) count, rows, cols, payload, HexFormat.of().formatHex(sha.digest()), gzip);
    }

    private static String lengthProblem(String declared, long expectedLen, long found, String what) {
        String problem = found < expectedLen ? "truncated" : "trailing bytes";
        return problem + ": " + declared + ", so the" + what + " file length should be " + expectedLen
                + " bytes, found " + found + " bytes"
                + (found > expectedLen ? " (" + (found - expectedLen) + " extra)"
                        : " (" + (expectedLen - found) + " missing)");
    }

    private static String describeBadMagic(int magic, int expectedMagic, int expectedDims, String kind) {
        String found = String.format("found %d (0x%08X)", magic, magic);
        String expected = String.format("expected %d (0x%08X) for an IDX %s file", expectedMagic, expectedMagic,
                kind);
        if ((magic >>> 16) != 0 || ((magic >>> 8) & 0xff) != 0x08) {
            return "not an IDX unsigned-byte file: magic number " + found + ", " + expected;
        }
        int dims = magic & 0xff;
        String hint = "";
        if (magic == IMAGES_MAGIC) {
            hint = "; this looks like an images file";
        } else if (magic == LABELS_MAGIC) {
            hint = "; this looks like a labels file";
        }
        return "wrong number of dimensions: found " + dims + ", expected " + expectedDims + " (magic number "
                + found + ", " + expected + ")" + hint;
    }

    /**
     * Reads up to {@code len} bytes in chunks, hashing them as they arrive. Unless the length is
     * already known to be right ({@code exact}), the buffer grows with the data, so a lying header
     * cannot force a huge allocation.
     */
    private static byte[] readPayload(InputStream in, int len, boolean exact, MessageDigest sha) throws IOException {
        byte[] buf = new byte[exact ? len : Math.min(len, 1 << 24)];
        int n = 0;
        while (n < len) {
            if (n == buf.length) {
                buf = Arrays.copyOf(buf, (int) Math.min(len, 2L * buf.length));
            }
            int r = in.read(buf, n, Math.min(CHUNK, buf.length - n));
            if (r < 0) {
                break;
            }
            sha.update(buf, n, r);
            n += r;
        }
        return n == buf.length ? buf : Arrays.copyOf(buf, n);
    }

    private static int intAt(byte[] b, int off) {
        return ((b[off] & 0xff) << 24) | ((b[off + 1] & 0xff) << 16) | ((b[off + 2] & 0xff) << 8) | (b[off + 3] & 0xff);
    }

    /** A new SHA-256 digest (always available in the JDK). */
    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JDK", e);
        }
    }
}
