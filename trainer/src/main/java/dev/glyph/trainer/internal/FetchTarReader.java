package dev.glyph.trainer.internal;

import dev.glyph.trainer.DataException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A small reader for the tar archives inside npm tarballs: ustar headers with their checksum,
 * POSIX pax ({@code x}) and GNU long-name ({@code L}) extensions, octal and base-256 sizes.
 * Only regular files are passed to the handler; everything else is skipped.
 *
 * <p>Thread-safety: not thread-safe; one instance reads one stream once.
 */
final class FetchTarReader {

    /** Receives each regular file; {@code content} ends after {@code size} bytes. */
    interface EntryHandler {
        void entry(String name, long size, InputStream content) throws IOException, DataException;
    }

    private static final int BLOCK = 512;
    private static final long MAX_META = 1 << 20;

    private final InputStream in;
    private final String where;

    /**
     * @param in the uncompressed tar stream
     * @param where the archive's name for messages
     */
    FetchTarReader(InputStream in, String where) {
        this.in = in;
        this.where = where;
    }

    /** Reads the archive to its end, calling {@code handler} for every regular file. */
    void read(EntryHandler handler) throws IOException, DataException {
        String nextName = null;
        while (true) {
            byte[] h = in.readNBytes(BLOCK);
            if (h.length == 0) {
                return; // archive without the two zero end blocks
            }
            if (h.length < BLOCK) {
                throw new DataException(where + ": truncated tar header: found " + h.length + " bytes, expected "
                        + BLOCK);
            }
            if (allZero(h)) {
                return;
            }
            checkChecksum(h);
            long size = parseSize(h);
            char type = (char) h[156];
            String name = cString(h, 0, 100);
            if ("ustar".equals(cString(h, 257, 6).trim())) {
                String prefix = cString(h, 345, 155);
                if (!prefix.isEmpty()) {
                    name = prefix + "/" + name;
                }
            }
            switch (type) {
                case 'L' -> {
                    nextName = stripTrailingNul(new String(readMeta(size), StandardCharsets.UTF_8));
                    skipPadding(size);
                    continue;
                }
                case 'x' -> {
                    String path = paxPath(readMeta(size));
                    skipPadding(size);
                    if (path != null) {
                        nextName = path;
                    }
                    continue;
                }
                default -> {
                    // fall through to the entry itself
                }
            }
            if (nextName != null) {
                name = nextName;
                nextName = null;
            }
            BoundedInputStream content = new BoundedInputStream(in, size);
            if (type == '0' || type == 0 || type == '7') {
                handler.entry(name, size, content);
            }
            content.transferTo(OutputStream.nullOutputStream());
            if (content.remaining > 0) {
                throw new DataException(where + ": truncated tar entry " + name + ": expected " + size
                        + " bytes, found " + (size - content.remaining));
            }
            skipPadding(size);
        }
    }

    private byte[] readMeta(long size) throws IOException, DataException {
        if (size > MAX_META) {
            throw new DataException(where + ": tar extension header of " + size + " bytes, expected at most "
                    + MAX_META);
        }
        byte[] b = in.readNBytes((int) size);
        if (b.length < size) {
            throw new DataException(where + ": truncated tar extension header: expected " + size + " bytes, found "
                    + b.length);
        }
        return b;
    }

    private void skipPadding(long size) throws IOException, DataException {
        int pad = (int) ((BLOCK - size % BLOCK) % BLOCK);
        if (pad > 0 && in.readNBytes(pad).length < pad) {
            throw new DataException(where + ": truncated tar archive (padding after an entry)");
        }
    }

    private void checkChecksum(byte[] h) throws DataException {
        long stored = parseOctal(h, 148, 8, "checksum");
        long unsigned = 0;
        long signed = 0;
        for (int i = 0; i < BLOCK; i++) {
            byte b = (i >= 148 && i < 156) ? (byte) ' ' : h[i];
            unsigned += b & 0xff;
            signed += b;
        }
        if (stored != unsigned && stored != signed) {
            throw new DataException(where + ": corrupt tar header: checksum found " + unsigned + ", expected "
                    + stored);
        }
    }

    private long parseSize(byte[] h) throws DataException {
        if ((h[124] & 0x80) != 0) { // GNU base-256
            long v = h[124] & 0x7f;
            for (int i = 125; i < 136; i++) {
                if ((v >>> 55) != 0) {
                    throw new DataException(where + ": tar entry size too large");
                }
                v = (v << 8) | (h[i] & 0xff);
            }
            return v;
        }
        return parseOctal(h, 124, 12, "size");
    }

    private long parseOctal(byte[] h, int off, int len, String field) throws DataException {
        long v = 0;
        boolean any = false;
        for (int i = off; i < off + len; i++) {
            int c = h[i];
            if (c == 0 || c == ' ') {
                if (any) {
                    break;
                }
                continue;
            }
            if (c < '0' || c > '7') {
                throw new DataException(where + ": corrupt tar header: " + field + " field has byte " + (c & 0xff)
                        + ", expected an octal digit");
            }
            v = (v << 3) | (c - '0');
            any = true;
        }
        return v;
    }

    private static String paxPath(byte[] data) {
        String s = new String(data, StandardCharsets.UTF_8);
        int i = 0;
        String path = null;
        while (i < s.length()) {
            int sp = s.indexOf(' ', i);
            if (sp < 0) {
                break;
            }
            int len;
            try {
                len = Integer.parseInt(s.substring(i, sp));
            } catch (NumberFormatException e) {
                break;
            }
            // the length counts bytes; the records we care about are ASCII
            int end = Math.min(s.length(), i + len);
            String rec = s.substring(sp + 1, end);
            if (rec.endsWith("\n")) {
                rec = rec.substring(0, rec.length() - 1);
            }
            if (rec.startsWith("path=")) {
                path = rec.substring(5);
            }
            if (len <= 0) {
                break;
            }
            i += len;
        }
        return path;
    }

    private static boolean allZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    private static String cString(byte[] b, int off, int len) {
        int end = off;
        while (end < off + len && b[end] != 0) {
            end++;
        }
        return new String(b, off, end - off, StandardCharsets.UTF_8);
    }

    private static String stripTrailingNul(String s) {
        int end = s.length();
        while (end > 0 && s.charAt(end - 1) == 0) {
            end--;
        }
        return s.substring(0, end);
    }

    /** Limits reads to one entry's bytes. */
    private static final class BoundedInputStream extends InputStream {
        private final InputStream in;
        private long remaining;

        BoundedInputStream(InputStream in, long size) {
            this.in = in;
            this.remaining = size;
        }

        @Override
        public int read() throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int b = in.read();
            if (b >= 0) {
                remaining--;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (remaining <= 0) {
                return len == 0 ? 0 : -1;
            }
            int r = in.read(b, off, (int) Math.min(len, remaining));
            if (r > 0) {
                remaining -= r;
            }
            return r;
        }

        @Override
        public void close() {
            // the archive stream stays open
        }
    }
}
