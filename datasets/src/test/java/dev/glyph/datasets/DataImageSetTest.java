package dev.glyph.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The value types ImageSet and Dataset. */
class DataImageSetTest {

    @Test
    void imageSet_wrongImagesLength_throwsWithFoundAndExpected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ImageSet(2, 28, 28, new byte[784], new byte[2]));
        assertTrue(e.getMessage().contains("784 bytes"), e.getMessage());
        assertTrue(e.getMessage().contains("1568"), e.getMessage());
    }

    @Test
    void imageSet_wrongLabelsLength_throws() {
        assertThrows(IllegalArgumentException.class, () -> new ImageSet(1, 28, 28, new byte[784], new byte[2]));
    }

    @Test
    void imageSet_labelOutOfRange_throwsWithIndex() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ImageSet(2, 1, 1, new byte[2], new byte[] {1, 12}));
        assertTrue(e.getMessage().contains("index 1 is 12"), e.getMessage());
    }

    @Test
    void imageSet_firstN_copiesPrefix() {
        ImageSet s = new ImageSet(3, 1, 2, new byte[] {1, 2, 3, 4, 5, 6}, new byte[] {7, 8, 9});
        ImageSet f = s.first(2);
        assertEquals(2, f.count());
        assertArrayEquals(new byte[] {1, 2, 3, 4}, f.images());
        assertEquals(8, f.label(1));
        assertEquals(2, s.pixelsPerImage());
        assertThrows(IllegalArgumentException.class, () -> s.first(4));
    }

    @Test
    void imageSet_equals_comparesContent() {
        ImageSet a = new ImageSet(1, 1, 2, new byte[] {1, 2}, new byte[] {3});
        ImageSet b = new ImageSet(1, 1, 2, new byte[] {1, 2}, new byte[] {3});
        ImageSet c = new ImageSet(1, 1, 2, new byte[] {1, 9}, new byte[] {3});
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertNotEquals(a, c);
    }

    @Test
    void dataset_sha256Map_isUnmodifiableCopy() {
        ImageSet s = new ImageSet(1, 1, 1, new byte[1], new byte[1]);
        java.util.HashMap<String, String> m = new java.util.HashMap<>(Map.of("a", "b"));
        Dataset d = new Dataset("mnist", s, s, m);
        m.put("c", "d");
        assertEquals(Map.of("a", "b"), d.sha256());
        assertThrows(UnsupportedOperationException.class, () -> d.sha256().put("x", "y"));
    }
}
