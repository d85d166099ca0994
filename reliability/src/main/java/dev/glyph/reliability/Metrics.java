package dev.glyph.reliability;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One scrape of a server's Prometheus text ({@code /metrics}): series text (name plus labels, as
 * printed) to value.
 *
 * <pre>{@code
 * double executed = server.metrics().value("glyph_batch_size_sum");
 * double bad = server.metrics().sum("glyph_grpc_requests_total", "code=\"INVALID_ARGUMENT\"");
 * }</pre>
 *
 * <p>Thread-safety: immutable.
 *
 * @param series every sample line's series (e.g. {@code glyph_queue_depth} or
 *     {@code glyph_grpc_requests_total{code="OK",method="glyph.v1.Classifier/Classify"}}) and value
 */
public record Metrics(Map<String, Double> series) {

    /** Parses the text format (comments skipped). */
    public static Metrics parse(String text) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int cut = line.lastIndexOf(' ');
            if (cut < 0) {
                continue;
            }
            String key = line.substring(0, cut).trim();
            String v = line.substring(cut + 1).trim();
            // a sample may carry a timestamp: "name{...} value ts"
            if (key.indexOf(' ') > 0 && !key.endsWith("}")) {
                int c2 = key.lastIndexOf(' ');
                v = key.substring(c2 + 1);
                key = key.substring(0, c2);
            }
            try {
                m.put(key, Double.parseDouble(v));
            } catch (NumberFormatException e) {
                // not a sample line
            }
        }
        return new Metrics(Map.copyOf(m));
    }

    /** Returns the value of the series named exactly {@code seriesText}, or 0 when absent. */
    public double value(String seriesText) {
        return series.getOrDefault(seriesText, 0.0);
    }

    /**
     * Sums every series of metric {@code name} whose label text contains all of {@code labelParts}
     * (e.g. {@code code="UNKNOWN"}).
     */
    public double sum(String name, String... labelParts) {
        double s = 0;
        for (Map.Entry<String, Double> e : series.entrySet()) {
            String k = e.getKey();
            if (!(k.equals(name) || k.startsWith(name + "{"))) {
                continue;
            }
            boolean all = true;
            for (String p : labelParts) {
                all &= k.contains(p);
            }
            if (all) {
                s += e.getValue();
            }
        }
        return s;
    }

    /** Returns the {@code glyph_grpc_requests_total} counts of one method by status code name. */
    public Map<String, Long> callsByCode(String fullMethod) {
        Map<String, Long> out = new java.util.TreeMap<>();
        for (Map.Entry<String, Double> e : series.entrySet()) {
            String k = e.getKey();
            if (k.startsWith("glyph_grpc_requests_total{") && k.contains("method=\"" + fullMethod + "\"")) {
                int i = k.indexOf("code=\"") + 6;
                out.merge(k.substring(i, k.indexOf('"', i)), Math.round(e.getValue()), Long::sum);
            }
        }
        return out;
    }
}
