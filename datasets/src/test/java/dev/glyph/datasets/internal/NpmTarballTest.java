package dev.glyph.datasets.internal;

import static dev.glyph.datasets.IdxTestFiles.assertMentions;
import static dev.glyph.datasets.IdxTestFiles.gzip;
import static dev.glyph.datasets.IdxTestFiles.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.glyph.datasets.DataException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The checks {@link NpmTarball} adds to commons-compress, on archives built here byte by byte. The
 * happy path through the system's tar (gnu, pax, ustar) is in {@code FetchMnistTest}.
 */
class NpmTarballTest {

    private static final String WHERE = "test tarball";

    @TempDir
    Path tmp;

    /** A tar archive of regular files with the given names and contents, with or without end blocks. */
    private static byte[] tar(Map<String, byte[]> files, boolean finish) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TarArchiveOutputStream tar = new TarArchiveOutputStream(out);
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        for (Map.Entry<String, byte[]> f : files.entrySet()) {
            TarArchiveEntry e = new TarArchiveEntry(f.getKey());
            e.setSize(f.getValue().length);
            tar.putArchiveEntry(e);
            tar.write(f.getValue());
            tar.closeArchiveEntry();
        }
        if (finish) {
            tar.finish();
        }
        tar.flush();
        return out.toByteArray();
    }

    private static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + seed);
        }
        return b;
    }

    /** Reads {@code tgz} with the default limits, returning the regular files the handler saw. */
    private Map<String, byte[]> read(byte[] tgz) throws Exception {
        return read(tgz, NpmTarball.MAX_UNCOMPRESSED, NpmTarball.MAX_ENTRY);
    }

    private Map<String, byte[]> read(byte[] tgz, long maxUncompressed, long maxEntry) throws Exception {
        Path file = write(tmp.resolve("x.tgz"), tgz);
        Map<String, byte[]> seen = new LinkedHashMap<>();
        new NpmTarball(WHERE, maxUncompressed, maxEntry).read(file, (name, size, content) -> {
            byte[] b = content.readAllBytes();
            assertEquals(size, b.length, name);
            seen.put(name, b);
        });
        return seen;
    }

    @Test
    void read_wellFormedArchive_handsOverEveryRegularFile() throws Exception {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("package/package.json", "{}".getBytes(StandardCharsets.UTF_8));
        files.put("package/data/" + "a".repeat(150), bytes(1000, 1)); // longer than ustar's 100: a pax header
        files.put("package/data/empty", new byte[0]);
        Map<String, byte[]> seen = read(gzip(tar(files, true)));
        assertEquals(files.keySet(), seen.keySet());
        for (String name : files.keySet()) {
            assertArrayEquals(files.get(name), seen.get(name), name);
        }
    }

    @Test
    void read_archiveWithoutEndBlocks_isAccepted() throws Exception {
        assertEquals(1, read(gzip(tar(Map.of("package/a", bytes(700, 2)), false))).size());
    }

    @Test
    void read_symlinkHardLinkAndFolder_areNotHandedOver() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            tar.putArchiveEntry(new TarArchiveEntry("package/data/", TarConstants.LF_DIR));
            tar.closeArchiveEntry();
            TarArchiveEntry sym = new TarArchiveEntry("package/data/train-images-idx3-ubyte", TarConstants.LF_SYMLINK);
            sym.setLinkName("/etc/passwd");
            tar.putArchiveEntry(sym);
            tar.closeArchiveEntry();
            TarArchiveEntry hard = new TarArchiveEntry("package/data/train-labels-idx1-ubyte", TarConstants.LF_LINK);
            hard.setLinkName("package/package.json");
            tar.putArchiveEntry(hard);
            tar.closeArchiveEntry();
        }
        assertEquals(Map.of(), read(gzip(out.toByteArray())));
    }

    @Test
    void read_entryCutInsideValidGzip_throwsTruncatedEntryWithSizes() throws Exception {
        byte[] tar = tar(Map.of("package/data/big", bytes(5000, 3)), false);
        byte[] cut = Arrays.copyOf(tar, 512 + 3000);
        DataException e = assertThrows(DataException.class, () -> read(gzip(cut)));
        assertMentions(e, WHERE, "truncated tar entry package/data/big", "expected 5000 bytes", "found 3000");
    }

    @Test
    void read_headerCutInsideValidGzip_throwsTruncatedHeader() throws Exception {
        byte[] tar = tar(Map.of("package/a", bytes(512, 4), "package/b", bytes(10, 5)), false);
        byte[] cut = Arrays.copyOf(tar, 1024 + 100); // entry a (header + one block), then 100 bytes of b's header
        DataException e = assertThrows(DataException.class, () -> read(gzip(cut)));
        assertMentions(e, WHERE, "truncated tar header", "found 100 bytes", "expected 512");
    }

    @Test
    void read_paddingCutInsideValidGzip_throwsTruncatedArchive() throws Exception {
        byte[] tar = tar(Map.of("package/a", bytes(10, 13)), false);
        byte[] cut = Arrays.copyOf(tar, 512 + 10 + 100); // the entry, then 100 of its 502 padding bytes
        DataException e = assertThrows(DataException.class, () -> read(gzip(cut)));
        assertMentions(e, WHERE, "truncated tar archive", "padding after package/a has 100 bytes",
                "expected 502");
    }

    @Test
    void read_headerWithWrongChecksum_throwsCorruptHeader() throws Exception {
        byte[] tar = tar(Map.of("package/a", bytes(10, 6)), true);
        tar[3] ^= 0x01; // a byte of the name; the stored checksum now disagrees
        DataException e = assertThrows(DataException.class, () -> read(gzip(tar)));
        assertMentions(e, WHERE, "corrupt tar header", "checksum", "expected a valid tar header");
    }

    @Test
    void read_headerWithGarbageSize_throwsCorruptHeader() throws Exception {
        byte[] tar = tar(Map.of("package/a", bytes(10, 7)), true);
        tar[124] = 'x'; // the octal size field
        DataException e = assertThrows(DataException.class, () -> read(gzip(tar)));
        assertMentions(e, WHERE, "corrupt tar header after 0 bytes", "expected a ustar, pax or GNU tar header");
    }

    @Test
    void read_entryOverTheEntryLimit_throwsWithSizeAndLimit() throws Exception {
        byte[] tgz = gzip(tar(Map.of("package/data/huge", bytes(2000, 8)), true));
        DataException e = assertThrows(DataException.class, () -> read(tgz, NpmTarball.MAX_UNCOMPRESSED, 1000));
        assertMentions(e, WHERE, "tar entry package/data/huge is 2000 bytes", "expected at most 1000");
    }

    @Test
    void read_expandsBeyondTheUncompressedLimit_throwsLikeAGzipBomb() throws Exception {
        byte[] tgz = gzip(tar(Map.of("package/zeros", new byte[20_000]), true));
        DataException e = assertThrows(DataException.class, () -> read(tgz, 10_000, NpmTarball.MAX_ENTRY));
        assertMentions(e, WHERE, "more than 10000 bytes after gunzip", "expected at most 10000");
    }

    @Test
    void read_paxHeaderOverTheMetaLimit_throwsWithoutReadingIt() throws Exception {
        TarArchiveEntry pax = new TarArchiveEntry("PaxHeaders/a", TarConstants.LF_PAX_EXTENDED_HEADER_LC);
        pax.setSize(NpmTarball.MAX_META + 10);
        byte[] header = new byte[512];
        pax.writeEntryHeader(header);
        byte[] tar = Arrays.copyOf(header, 512 + 1024); // the records would follow; the header alone must stop it
        DataException e = assertThrows(DataException.class, () -> read(gzip(tar)));
        assertMentions(e, WHERE, "tar extension header (type x) of " + (NpmTarball.MAX_META + 10) + " bytes",
                "expected at most " + NpmTarball.MAX_META);
    }

    @Test
    void read_badGzipCrc_throwsNamingGzip() throws Exception {
        byte[] tar = tar(Map.of("package/a", bytes(100, 10)), true);
        // zeros after the archive's last block: tar reading stops before them, the gzip CRC covers them
        byte[] tgz = gzip(Arrays.copyOf(tar, tar.length + 30_000));
        tgz[tgz.length - 6] ^= 0x01; // CRC32 in the trailer
        DataException e = assertThrows(DataException.class, () -> read(tgz));
        assertMentions(e, WHERE, "corrupt or truncated gzip data", "expected a gzip-compressed tar archive");
    }

    @Test
    void read_notGzipAtAll_throwsNamingGzip() throws Exception {
        byte[] plainTar = tar(Map.of("package/a", bytes(100, 11)), true);
        DataException e = assertThrows(DataException.class, () -> read(plainTar));
        assertMentions(e, WHERE, "corrupt or truncated gzip data", "expected a gzip-compressed tar archive");
    }

    @Test
    void read_everyMessage_isOneLine() throws Exception {
        byte[] tar = tar(Map.of("package/a", bytes(10, 12)), true);
        tar[124] = 'x';
        DataException e = assertThrows(DataException.class, () -> read(gzip(tar)));
        assertEquals(-1, e.getMessage().indexOf('\n'), e.getMessage());
    }
}
