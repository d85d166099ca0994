package dev.glyph.inferencesdk.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

    @Test
    void parse_allValueKinds_returnsJavaValues() {
        Json.Parsed p = Json.parse(" {\"a\": [1, -2.5e3, 0.125, true, false, null, \"x\"], \"b\": {}, \"c\": []} ");
        Map<?, ?> m = (Map<?, ?>) p.value();
        List<?> a = (List<?>) m.get("a");
        assertEquals(1L, a.get(0));
        assertEquals(-2500.0, a.get(1));
        assertEquals(0.125, a.get(2));
        assertEquals(Boolean.TRUE, a.get(3));
        assertEquals(Boolean.FALSE, a.get(4));
        assertSame(Json.NULL, a.get(5));
        assertEquals("x", a.get(6));
        assertEquals(Map.of(), m.get("b"));
        assertEquals(List.of(), m.get("c"));
    }

    @Test
    void parse_stringEscapes_decoded() {
        Map<?, ?> m = (Map<?, ?>) Json.parse("{\"s\": \"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t \\u00e9\\u20AC\"}").value();
        assertEquals("q\" b\\ s/ \b\f\n\r\t \u00e9\u20ac", m.get("s"));
    }

    @Test
    void parse_topLevelObject_keepsRawMemberText() {
        String prov = "{ \"run\" : \"r1\",\n \"x\": [1, 2] }";
        Json.Parsed p = Json.parse("{\"name\": \"m\", \"provenance\": " + prov + " , \"n\": 3}");
        assertEquals(prov, p.rawMembers().get("provenance"));
        assertEquals("\"m\"", p.rawMembers().get("name"));
        assertEquals("3", p.rawMembers().get("n"));
    }

    @Test
    void parse_hugeInteger_becomesDouble() {
        assertEquals(1e20, ((List<?>) Json.parse("[100000000000000000000]").value()).get(0));
    }

    @Test
    void parse_trailingComma_throwsWithPosition() {
        Json.JsonException e = assertThrows(Json.JsonException.class, () -> Json.parse("{\"a\": 1,\n}"));
        assertTrue(e.getMessage().startsWith("line 2, column 1"), e.getMessage());
    }

    @Test
    void parse_malformedInputs_throw() {
        for (String bad : List.of("", "{", "[1 2]", "{\"a\" 1}", "{a: 1}", "\"unterminated", "01", "1.", "-",
                "tru", "nul", "[1,]", "{\"a\":1} x", "\"bad \\x escape\"", "\"\\u12\"", "\"raw\ttab\"",
                "{\"a\":1,\"a\":2}", "1e", "[.5]")) {
            assertThrows(Json.JsonException.class, () -> Json.parse(bad), bad);
        }
    }

    @Test
    void parse_deepNesting_throwsInsteadOfStackOverflow() {
        String deep = "[".repeat(10_000) + "]".repeat(10_000);
        Json.JsonException e = assertThrows(Json.JsonException.class, () -> Json.parse(deep));
        assertTrue(e.getMessage().contains("nesting"), e.getMessage());
    }

    @Test
    void quote_specialCharacters_roundTrips() {
        String s = "a\"b\\c\nd\u0001";
        assertEquals(List.of(s), Json.parse("[" + Json.quote(s) + "]").value());
    }
}
