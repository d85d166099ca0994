package dev.glyph.inferencesdk.internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small strict JSON (RFC 8259) parser: objects become {@code LinkedHashMap<String,Object>},
 * arrays {@code List<Object>}, strings {@code String}, numbers {@code Long} when integral and
 * within range (no fraction or exponent) and {@code Double} otherwise, {@code true}/{@code false}
 * {@code Boolean}, and {@code null} {@link #NULL}. For the top-level object it also keeps each
 * member's raw source text, so sections such as {@code provenance} can be passed on verbatim.
 *
 * <p>Thread-safety: stateless static methods.
 */
public final class Json {

    /** The JSON {@code null} literal (maps cannot hold Java null in {@link Map#copyOf}). */
    public static final Object NULL = new Object() {
        @Override
        public String toString() {
            return "null";
        }
    };

    /** Nesting deeper than this is refused (protects the stack). */
    public static final int MAX_DEPTH = 256;

    /**
     * A parsed document.
     *
     * @param value the root value
     * @param rawMembers for a root object: each member's value as raw source text; otherwise empty
     */
    public record Parsed(Object value, Map<String, String> rawMembers) {
    }

    private final String s;
    private int pos;

    private Json(String s) {
        this.s = s;
    }

    /**
     * Parses {@code text}.
     *
     * @throws JsonException with the line, column and what was expected when the text is not JSON
     */
    public static Parsed parse(String text) {
        Json p = new Json(text);
        p.skipWs();
        Map<String, String> raw = new LinkedHashMap<>();
        Object v = p.value(0, raw);
        p.skipWs();
        if (p.pos != p.s.length()) {
            throw p.error("expected end of input");
        }
        return new Parsed(v, Collections.unmodifiableMap(raw));
    }

    /** Thrown for malformed JSON; the message has a 1-based line and column. */
    public static final class JsonException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        JsonException(String message) {
            super(message);
        }
    }

    private JsonException error(String what) {
        int line = 1;
        int col = 1;
        for (int i = 0; i < Math.min(pos, s.length()); i++) {
            if (s.charAt(i) == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
        String found = pos >= s.length() ? "end of input" : "'" + s.charAt(pos) + "'";
        return new JsonException("line " + line + ", column " + col + ": " + what + " but found " + found);
    }

    private void skipWs() {
        while (pos < s.length()) {
            char c = s.charAt(pos);
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                pos++;
            } else {
                break;
            }
        }
    }

    private Object value(int depth, Map<String, String> rawTop) {
        if (depth > MAX_DEPTH) {
            throw error("nesting deeper than " + MAX_DEPTH);
        }
        if (pos >= s.length()) {
            throw error("expected a value");
        }
        char c = s.charAt(pos);
        switch (c) {
            case '{':
                return object(depth, rawTop);
            case '[':
                return array(depth);
            case '"':
                return string();
            case 't':
                return literal("true", Boolean.TRUE);
            case 'f':
                return literal("false", Boolean.FALSE);
            case 'n':
                return literal("null", NULL);
            default:
                if (c == '-' || (c >= '0' && c <= '9')) {
                    return number();
                }
                throw error("expected a value (object, array, string, number, true, false or null)");
        }
    }

    private Object literal(String word, Object v) {
        if (s.startsWith(word, pos)) {
            pos += word.length();
            return v;
        }
        throw error("expected '" + word + "'");
    }

    private Map<String, Object> object(int depth, Map<String, String> rawTop) {
        pos++; // {
        Map<String, Object> m = new LinkedHashMap<>();
        skipWs();
        if (pos < s.length() && s.charAt(pos) == '}') {
            pos++;
            return m;
        }
        while (true) {
            skipWs();
            if (pos >= s.length() || s.charAt(pos) != '"') {
                throw error("expected a member name in double quotes");
            }
            String key = string();
            skipWs();
            if (pos >= s.length() || s.charAt(pos) != ':') {
                throw error("expected ':' after member name \"" + key + "\"");
            }
            pos++;
            skipWs();
            int start = pos;
            Object v = value(depth + 1, null);
            if (rawTop != null) {
                rawTop.put(key, s.substring(start, pos));
            }
            if (m.containsKey(key)) {
                throw error("duplicate member name \"" + key + "\"");
            }
            m.put(key, v);
            skipWs();
            if (pos < s.length() && s.charAt(pos) == ',') {
                pos++;
                continue;
            }
            if (pos < s.length() && s.charAt(pos) == '}') {
                pos++;
                return m;
            }
            throw error("expected ',' or '}' in object");
        }
    }

    private List<Object> array(int depth) {
        pos++; // [
        List<Object> a = new ArrayList<>();
        skipWs();
        if (pos < s.length() && s.charAt(pos) == ']') {
            pos++;
            return a;
        }
        while (true) {
            skipWs();
            a.add(value(depth + 1, null));
            skipWs();
            if (pos < s.length() && s.charAt(pos) == ',') {
                pos++;
                continue;
            }
            if (pos < s.length() && s.charAt(pos) == ']') {
                pos++;
                return a;
            }
            throw error("expected ',' or ']' in array");
        }
    }

    private String string() {
        pos++; // opening quote
        StringBuilder b = new StringBuilder();
        while (true) {
            if (pos >= s.length()) {
                throw error("expected closing '\"' of string");
            }
            char c = s.charAt(pos++);
            if (c == '"') {
                return b.toString();
            }
            if (c < 0x20) {
                pos--;
                throw error("expected an escaped control character in string");
            }
            if (c != '\\') {
                b.append(c);
                continue;
            }
            if (pos >= s.length()) {
                throw error("expected an escape character after '\\'");
            }
            char e = s.charAt(pos++);
            switch (e) {
                case '"' -> b.append('"');
                case '\\' -> b.append('\\');
                case '/' -> b.append('/');
                case 'b' -> b.append('\b');
                case 'f' -> b.append('\f');
                case 'n' -> b.append('\n');
                case 'r' -> b.append('\r');
                case 't' -> b.append('\t');
                case 'u' -> {
                    if (pos + 4 > s.length()) {
                        throw error("expected 4 hex digits after \\u");
                    }
                    int cp = 0;
                    for (int i = 0; i < 4; i++) {
                        int d = Character.digit(s.charAt(pos), 16);
                        if (d < 0) {
                            throw error("expected 4 hex digits after \\u");
                        }
                        cp = cp * 16 + d;
                        pos++;
                    }
                    b.append((char) cp);
                }
                default -> {
                    pos--;
                    throw error("expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u");
                }
            }
        }
    }

    private Object number() {
        int start = pos;
        if (s.charAt(pos) == '-') {
            pos++;
        }
        if (pos >= s.length()) {
            throw error("expected a digit");
        }
        if (s.charAt(pos) == '0') {
            pos++;
        } else if (isDigit()) {
            while (isDigit()) {
                pos++;
            }
        } else {
            throw error("expected a digit");
        }
        boolean integral = true;
        if (pos < s.length() && s.charAt(pos) == '.') {
            integral = false;
            pos++;
            if (!isDigit()) {
                throw error("expected a digit after '.'");
            }
            while (isDigit()) {
                pos++;
            }
        }
        if (pos < s.length() && (s.charAt(pos) == 'e' || s.charAt(pos) == 'E')) {
            integral = false;
            pos++;
            if (pos < s.length() && (s.charAt(pos) == '+' || s.charAt(pos) == '-')) {
                pos++;
            }
            if (!isDigit()) {
                throw error("expected a digit in exponent");
            }
            while (isDigit()) {
                pos++;
            }
        }
        String t = s.substring(start, pos);
        if (integral) {
            try {
                return Long.parseLong(t);
            } catch (NumberFormatException tooBig) {
                return Double.parseDouble(t);
            }
        }
        return Double.parseDouble(t);
    }

    private boolean isDigit() {
        return pos < s.length() && s.charAt(pos) >= '0' && s.charAt(pos) <= '9';
    }

    /** Quotes {@code text} as a JSON string literal. */
    public static String quote(String text) {
        StringBuilder b = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
