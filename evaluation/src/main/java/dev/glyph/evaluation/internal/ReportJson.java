package dev.glyph.evaluation.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * The shared Jackson mapper and number rounding of the JSON reports.
 *
 * <p>Thread-safety: the mapper is thread-safe once configured.
 */
public final class ReportJson {

    /** Pretty-printing mapper. */
    public static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ReportJson() {
    }

    /** Returns a new object node. */
    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    /** Puts {@code v} rounded to 4 decimals, or null when it is not finite. */
    public static void put(ObjectNode o, String field, double v) {
        if (Double.isFinite(v)) {
            o.put(field, BigDecimal.valueOf(v).setScale(4, RoundingMode.HALF_UP).doubleValue());
        } else {
            o.putNull(field);
        }
    }

    /** Adds {@code v} rounded to 4 decimals, or null when it is not finite. */
    public static void add(ArrayNode a, double v) {
        if (Double.isFinite(v)) {
            a.add(BigDecimal.valueOf(v).setScale(4, RoundingMode.HALF_UP).doubleValue());
        } else {
            a.addNull();
        }
    }

    /** Returns the node as pretty JSON with a final newline. */
    public static String write(ObjectNode o) {
        try {
            return MAPPER.writeValueAsString(o) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON: " + e.getMessage(), e);
        }
    }
}
