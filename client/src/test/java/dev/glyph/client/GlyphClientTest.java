package dev.glyph.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glyph.proto.v1.ClassifyResponse;
import dev.glyph.proto.v1.Image;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class GlyphClientTest {

    @Test
    void lossless_multiplesOf255_gray8WithTheSameBytes() {
        float[] px = new float[GlyphClient.PIXELS];
        px[5] = 1f;
        px[6] = 128 / 255f;
        Image img = GlyphClient.lossless(px);
        assertTrue(img.hasGray8());
        assertEquals((byte) 255, img.getGray8().byteAt(5));
        assertEquals((byte) 128, img.getGray8().byteAt(6));
        assertEquals(0, img.getGray8().byteAt(7));
    }

    @Test
    void lossless_otherFloats_pixelsKeptExactly() {
        float[] px = new float[GlyphClient.PIXELS];
        px[3] = 0.3f;
        Image img = GlyphClient.lossless(px);
        assertTrue(img.hasPixels());
        assertEquals(0.3f, img.getPixels().getValues(3));
        assertEquals(GlyphClient.PIXELS, img.getPixels().getValuesCount());
    }

    @Test
    void gray8_offsetIntoBuffer_784BytesFromThere() {
        byte[] two = new byte[2 * GlyphClient.PIXELS];
        two[GlyphClient.PIXELS] = 9;
        Image img = GlyphClient.gray8(two, GlyphClient.PIXELS);
        assertEquals(GlyphClient.PIXELS, img.getGray8().size());
        assertEquals(9, img.getGray8().byteAt(0));
    }

    @Test
    void classifyAndModelInfo_inProcessServer_answersInOrder() throws Exception {
        try (EchoServer server = new EchoServer(); GlyphClient client = server.client()) {
            byte[] a = new byte[GlyphClient.PIXELS];
            a[0] = 3;
            ClassifyResponse r = client.classify(List.of(GlyphClient.gray8(a), GlyphClient.encoded(new byte[] {
                (byte) 0x89, 'P', 'N', 'G', 0})), true);
            assertEquals(3, r.getPredictions(0).getLabel());
            assertEquals(5, r.getPredictions(1).getLabel());
            assertEquals("echo", client.modelInfo().getName());
        }
    }

    @Test
    void of_badArguments_throwNamingThem() {
        assertThrows(IllegalArgumentException.class, () -> GlyphClient.of(null, Duration.ofSeconds(1), false));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GlyphClient.connect("localhost:1", Duration.ZERO));
        assertTrue(e.getMessage().contains("PT0S"), e.getMessage());
    }
}
