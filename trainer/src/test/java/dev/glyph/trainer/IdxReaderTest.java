package dev.glyph.trainer;

import static dev.glyph.trainer.IdxTestFiles.IMAGES_MAGIC;
import static dev.glyph.trainer.IdxTestFiles.LABELS_MAGIC;
import static dev.glyph.trainer.IdxTestFiles.gzip;
import static dev.glyph.trainer.IdxTestFiles.idx;
import static dev.glyph.trainer.IdxTestFiles.images;
import static dev.glyph.trainer.IdxTestFiles.labels;
import static dev.glyph.trainer.IdxTestFiles.pixels;
import static dev.glyph.trainer.IdxTestFiles.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glyph.trainer.internal.IdxData;
import dev.glyph.trainer.internal.IdxReader;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {

    @TempDir
    Path tmp;

    private static void assertMentions(DataException e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), () -> "message lacks '" + p + "': " + e.getMessage());
        }
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    @Test
    void readImages_validFile_returnsPixelsAndHash() throws Exception {
        byte[] px = pixels(3, 1);
        byte[] file = images(px);
        IdxData d = IdxReader.readImages(write(tmp.resolve("img"), file));
        assertEquals(3, d.count());
        assertEquals(28, d.rows());
        assertEquals(28, d.cols());
        assertArrayEquals(px, d.payload());
        assertEquals(sha256(file), d.sha256());
        assertFalse(d.gzip());
    }

    @Test
    void readImages_gzipFile_equalsPlainAndHashesUncompressedBytes() throws Exception {
        byte[] file = images(pixels(5, 2));
        IdxData plain = IdxReader.readImages(write(tmp.resolve("plain"), file));
        IdxData gz = IdxReader.readImages(write(tmp.resolve("packed.gz"), gzip(file)));
        assertTrue(gz.gzip());
        assertArrayEquals(plain.payload(), gz.payload());
        assertEquals(plain.sha256(), gz.sha256());
        assertEquals(sha256(file), gz.sha256());
    }

    @Test
    void readLabels_gzipContentWithoutGzName_detectedByMagic() throws Exception {
        byte[] l = {3, 1, 4, 1, 5, 9, 2, 6};
        IdxData d = IdxReader.readLabels(write(tmp.resolve("labels-no-suffix"), gzip(labels(l))));
        assertTrue(d.gzip());
        assertArrayEquals(l, d.payload());
    }

    @Test
    void readLabels_plainContentWithGzName_readAsPlain() throws Exception {
        byte[] l = {0, 9};
        IdxData d = IdxReader.readLabels(write(tmp.resolve("labels.gz"), labels(l)));
        assertFalse(d.gzip());
        assertArrayEquals(l, d.payload());
    }

    @Test
    void readImages_badMagic_throwsWithFoundAndExpected() {
        Path f = write(tmp.resolve("bad-magic"), idx(0x12345678, new int[] {1, 28, 28}, new byte[784]));
        DataException e = assertThrows(DataException.class, () -> IdxReader.readImages(f));
        assertMentions(e, f.toString(), "magic", "0x12345678", "2051");
    }

    @Test
    void readImages_labelsFileGiven_throwsDimensionCountFoundVsExpected() {
        Path f = write(tmp.resolve("swapped"), labels(new byte[] {1, 2}));
        DataException e = assertThrows(DataException.class, () -> IdxReader.readImages(f));
        assertMentions(e, f.toString(), "dimensions: found 1, expected 3", "labels file");
    }

    @Test
    void readLabels_twoDimensions_throwsDimensionCountFoundVsExpected() {
        Path f = write(tmp.resolve("labels-2d"), idx(0x00000802, new int[] {2, 1}, new byte[] {1, 2}));
        DataException e = assertThrows(DataException.class, () -> IdxReader.readLabels(f));
        assertMentions(e, f.toString(), "found 2, expected 1", "2049");
    }

    @Test
    void readImages_27Rows_throwsSizeFoundVsExpected() {
        Path f = write(tmp.resolve("rows27"), idx(IMAGES_MAGIC, new int[] {1, 27, 28}, new byte[27 * 28]));
        DataException e = assertThrows(DataException.class, () -> IdxReader.readImages(f));
        assertMentions(e, f.toString(), "found 27x28", "expected 28x28");
    }

    @Test
    void readImages_30Cols_throwsSizeFoundVsExpected() {
        Path f = write(tmp.resolve("cols30"), idx(IMAGES_MAGIC, new int[] {1, 28, 30}, new byte[28 * 30]));
        DataException e = assertThrows(DataException.class, () -> IdxReader.readImages(f));
        assertMentions(e, f.toString(), "found 28x30", "expected 28x28");
    }

    @Test
    void readImages_truncatedPayload_throwsWithFileNameAndLengths() {
        byte[] full = images(pixels(2, 3));
        Path f = write(tmp.resolve("truncated"), Arrays.copyOf(full, full.length - 100));
        DataException e = assertThrows(DataException.class, () -> IdxReader.readImages(f));
        assertMentions(e, f.toString(), "truncated", "2 images", "should be " + full.length,
                "found " + (full.length - 100));
    }

    @Test
    void readImages_truncatedGzipPayload_throwsTruncated() {
        byte[] full = images(pixels(2, 3));
        Path f = write(tmp.resolve("truncated.gz"), gzip(Arrays.copyOf(full, full.length - 1)));
        DataException e = assertThrows(DataException.class, () -> IdxReader.readImages(f));
        assertMentions(e, f.toString(), "truncated", "uncompressed", "should be " + full.length,
                "found " + (full.length - 1));
    }

    @Test
    void readImages_trailingBytes_throwsWithFileNameAndLengths() {
        byte[] full = images(pixels(2, 4));
        Path f = write(tmp.resolve("trailing"), Arrays.copyOf(full, full.length + 7));
        DataException e = assertThrows(DataException.class, () -> IdxReader.readImages(f));
        assertMentions(e, f.toString(), "trailing bytes", "should be " + full.length, "found " + (full.length + 7),
                "7 extra");
    }

    @Test
    void readLabels_trailingBytesInGzip_throws() {
        byte[] full = labels(new byte[] {1, 2, 3});
        Path f = write(tmp.resolve("trailing.gz"), gzip(Arrays.copyOf(full, full.length + 2)));
        DataException e = assertThrows(DataException.class, () -> IdxReader.readLabels(f));
        assertMentions(e, f.toString(), "trailing bytes", "2 extra");
    }

    @Test
    void readImages_headerShorterThanDeclared_throwsTruncatedHeader() {
        Path f = write(tmp.resolve("short-header"), new byte[] {0, 0, 8, 3, 0, 0, 0, 1});
        DataException e = assertThrows(DataException.class, () -> IdxReader.readImages(f));
        assertMentions(e, f.toString(), "truncated IDX images header", "found 8 bytes", "expected 16");
    }

    @Test
    void readLabels_emptyFile_throwsTooShort() {
        Path f = write(tmp.resolve("empty"), new byte[0]);
        DataException e = assertThrows(DataException.class, () -> IdxReader.readLabels(f));
        assertMentions(e, f.toString(), "too short", "found 0 bytes", "expected at least 8");
    }

    @Test
    void readLabels_labelOutOfRange_reportsFirstBadIndexAndValue() {
        Path f = write(tmp.resolve("bad-label"), labels(new byte[] {0, 9, 5, 10, (byte) 200}));
        DataException e = assertThrows(DataException.class, () -> IdxReader.readLabels(f));
        assertMentions(e, f.toString(), "index 3", "found 10", "expected 0..9");
    }

    @Test
    void readLabels_label255_reportsUnsignedValue() {
        Path f = write(tmp.resolve("label-255"), labels(new byte[] {(byte) 255}));
        DataException e = assertThrows(DataException.class, () -> IdxReader.readLabels(f));
        assertMentions(e, "index 0", "found 255");
    }

    @Test
    void readImages_hugeDeclaredCount_throwsWithoutAllocating() {
        Path f = write(tmp.resolve("huge"), idx(IMAGES_MAGIC, new int[] {-1, 28, 28}, new byte[784]));
        DataException e = assertThrows(DataException.class, () -> IdxReader.readImages(f));
        assertMentions(e, f.toString(), "4294967295 images", "maximum");
    }

    @Test
    void readImages_hugeDeclaredCountInGzip_throwsTruncated() {
        // 2,000,000 images of 28x28 (1.5 GB) are within the limit, but the stream holds only one
        Path f = write(tmp.resolve("lying.gz"), gzip(idx(IMAGES_MAGIC, new int[] {2_000_000, 28, 28},
                new byte[784])));
        DataException e = assertThrows(DataException.class, () -> IdxReader.readImages(f));
        assertMentions(e, f.toString(), "truncated", "2000000 images", "found " + (16 + 784));
    }

    @Test
    void readImages_corruptGzip_throwsDataExceptionNotEof() {
        byte[] gz = gzip(images(pixels(4, 5)));
        byte[] corrupt = gz.clone();
        for (int i = 20; i < corrupt.length - 8; i += 3) {
            corrupt[i] ^= 0x5a;
        }
        Path f = write(tmp.resolve("corrupt.gz"), corrupt);
        DataException e = assertThrows(DataException.class, () -> IdxReader.readImages(f));
        assertMentions(e, f.toString(), "gzip");
    }

    @Test
    void readImages_cutGzipStream_throwsDataExceptionNamingGzip() {
        byte[] gz = gzip(images(pixels(4, 6)));
        Path f = write(tmp.resolve("cut.gz"), Arrays.copyOf(gz, gz.length / 2));
        DataException e = assertThrows(DataException.class, () -> IdxReader.readImages(f));
        assertMentions(e, f.toString(), "corrupt or truncated gzip");
    }

    @Test
    void readImages_badGzipCrc_throwsDataException() {
        byte[] gz = gzip(images(pixels(1, 7)));
        gz[gz.length - 6] ^= 0x01; // CRC32 in the trailer
        Path f = write(tmp.resolve("crc.gz"), gz);
        DataException e = assertThrows(DataException.class, () -> IdxReader.readImages(f));
        assertMentions(e, f.toString(), "gzip");
    }

    @Test
    void readImages_missingFile_throwsNotFound() {
        Path f = tmp.resolve("nope");
        DataException e = assertThrows(DataException.class, () -> IdxReader.readImages(f));
        assertMentions(e, f.toString(), "not found");
    }
}
