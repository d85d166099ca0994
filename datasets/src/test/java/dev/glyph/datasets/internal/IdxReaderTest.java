package dev.glyph.datasets.internal;

import static dev.glyph.datasets.IdxTestFiles.IMAGES_MAGIC;
import static dev.glyph.datasets.IdxTestFiles.assertMentions;
import static dev.glyph.datasets.IdxTestFiles.gzip;
import static dev.glyph.datasets.IdxTestFiles.idx;
import static dev.glyph.datasets.IdxTestFiles.images;
import static dev.glyph.datasets.IdxTestFiles.labels;
import static dev.glyph.datasets.IdxTestFiles.pixels;
import static dev.glyph.datasets.IdxTestFiles.sha256;
import static dev.glyph.datasets.IdxTestFiles.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glyph.datasets.DataException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class IdxReaderTest {

    @TempDir
    Path tmp;

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

    @ParameterizedTest(name = "{0}x{1}")
    @CsvSource({"27, 28", "28, 30"})
    void readImages_imageSizeNot28x28_throwsSizeFoundVsExpected(int rows, int cols) {
        Path f = write(tmp.resolve("size" + rows + "x" + cols),
                idx(IMAGES_MAGIC, new int[] {1, rows, cols}, new byte[rows * cols]));
        DataException e = assertThrows(DataException.class, () -> IdxReader.readImages(f));
        assertMentions(e, f.toString(), "found " + rows + "x" + cols, "expected 28x28");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"truncated, -100, false", "truncated.gz, -1, true", "trailing, 7, false", "trailing.gz, 7, true"})
    void readImages_wrongPayloadLength_throwsWithFileNameAndLengths(String name, int delta, boolean gz) {
        byte[] full = images(pixels(2, 3));
        byte[] cut = Arrays.copyOf(full, full.length + delta);
        Path f = write(tmp.resolve(name), gz ? gzip(cut) : cut);
        DataException e = assertThrows(DataException.class, () -> IdxReader.readImages(f));
        assertMentions(e, f.toString(), delta < 0 ? "truncated" : "trailing bytes", "2 images",
                "should be " + full.length, "found " + (full.length + delta),
                delta < 0 ? (-delta) + " missing" : delta + " extra");
        if (gz) {
            assertMentions(e, "uncompressed");
        }
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

    /** Ways to damage a gzip file, and what the message must then say beyond the file name. */
    static Stream<Arguments> damagedGzip() {
        UnaryOperator<byte[]> scramble = gz -> {
            byte[] corrupt = gz.clone();
            for (int i = 20; i < corrupt.length - 8; i += 3) {
                corrupt[i] ^= 0x5a;
            }
            return corrupt;
        };
        UnaryOperator<byte[]> cut = gz -> Arrays.copyOf(gz, gz.length / 2);
        UnaryOperator<byte[]> badCrc = gz -> {
            byte[] b = gz.clone();
            b[b.length - 6] ^= 0x01; // CRC32 in the trailer
            return b;
        };
        return Stream.of(Arguments.of("scrambled", scramble, 4, "gzip"),
                Arguments.of("cut", cut, 4, "corrupt or truncated gzip"),
                Arguments.of("bad-crc", badCrc, 1, "gzip"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("damagedGzip")
    void readImages_damagedGzip_throwsDataExceptionNamingGzip(String name, UnaryOperator<byte[]> damage, int images,
            String expected) {
        Path f = write(tmp.resolve(name + ".gz"), damage.apply(gzip(images(pixels(images, name.length())))));
        DataException e = assertThrows(DataException.class, () -> IdxReader.readImages(f));
        assertMentions(e, f.toString(), expected);
    }

    @Test
    void readImages_missingFile_throwsNotFound() {
        Path f = tmp.resolve("nope");
        DataException e = assertThrows(DataException.class, () -> IdxReader.readImages(f));
        assertMentions(e, f.toString(), "not found");
    }
}
