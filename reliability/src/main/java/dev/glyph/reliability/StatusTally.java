package dev.glyph.reliability;

import io.grpc.Status;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Status codes counted by category (e.g. {@code Classify mutations}), with the first description
 * seen for each (category, code) as an example.
 *
 * <pre>{@code
 * StatusTally t = new StatusTally();
 * t.add("Classify mutations", outcome.code(), outcome.description());
 * long bad = t.total(Status.Code.UNKNOWN) + t.total(Status.Code.INTERNAL);
 * }</pre>
 *
 * <p>Thread-safety: thread-safe.
 */
public final class StatusTally {

    private final Map<String, Map<Status.Code, LongAdder>> counts = new ConcurrentSkipListMap<>();
    private final Map<String, String> examples = new ConcurrentHashMap<>();

    /** Counts one call of {@code category} that ended with {@code code}. */
    public void add(String category, Status.Code code, String description) {
        counts.computeIfAbsent(category, k -> new ConcurrentHashMap<>()).computeIfAbsent(code, k -> new LongAdder())
                .increment();
        if (code != Status.Code.OK && description != null) {
            examples.putIfAbsent(category + " / " + code, description.length() > 300
                    ? description.substring(0, 300) + "..." : description);
        }
    }

    /** Counts one outcome. */
    public void add(String category, RawRpc.Outcome o) {
        add(category, o.code(), o.description());
    }

    /** Returns how many calls of all categories ended with {@code code}. */
    public long total(Status.Code code) {
        long n = 0;
        for (Map<Status.Code, LongAdder> m : counts.values()) {
            LongAdder a = m.get(code);
            n += a == null ? 0 : a.sum();
        }
        return n;
    }

    /** Returns the number of calls of {@code category}. */
    public long calls(String category) {
        Map<Status.Code, LongAdder> m = counts.get(category);
        return m == null ? 0 : m.values().stream().mapToLong(LongAdder::sum).sum();
    }

    /** Returns all counted calls. */
    public long calls() {
        return counts.keySet().stream().mapToLong(this::calls).sum();
    }

    /** Returns category to (code name to count), sorted. */
    public Map<String, Map<String, Long>> snapshot() {
        Map<String, Map<String, Long>> out = new LinkedHashMap<>();
        counts.forEach((cat, m) -> {
            Map<String, Long> byCode = new TreeMap<>();
            m.forEach((code, n) -> byCode.put(code.name(), n.sum()));
            out.put(cat, byCode);
        });
        return out;
    }

    /** Returns the first non-OK description per "category / CODE". */
    public Map<String, String> examples() {
        return new TreeMap<>(examples);
    }

    /** Returns a markdown table: category, calls, then one column per code seen. */
    public String markdown() {
        java.util.SortedSet<String> codes = new java.util.TreeSet<>();
        snapshot().values().forEach(m -> codes.addAll(m.keySet()));
        StringBuilder sb = new StringBuilder("| category | calls |");
        codes.forEach(c -> sb.append(' ').append(c).append(" |"));
        sb.append("\n|---|---:|");
        codes.forEach(c -> sb.append("---:|"));
        sb.append('\n');
        snapshot().forEach((cat, m) -> {
            sb.append("| ").append(cat).append(" | ").append(m.values().stream().mapToLong(Long::longValue).sum())
                    .append(" |");
            codes.forEach(c -> sb.append(' ').append(m.getOrDefault(c, 0L)).append(" |"));
            sb.append('\n');
        });
        return sb.toString();
    }
}
