package dev.glyph.reliability;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The figures of one check, written as {@code NAME.json} and {@code NAME.md} into the report
 * folder ({@code target/reliability} of the module by default, or {@code -Dglyph.reliability.out}).
 * RELIABILITY.md at the repository root is assembled from these files.
 *
 * <pre>{@code
 * Report r = new Report("queue-bound");
 * r.put("rejected", 5).line("| sent | rejected |").line("| 13 | 5 |").write();
 * }</pre>
 *
 * <p>Thread-safety: {@link #put} and {@link #line} are synchronized; write once at the end.
 */
public final class Report {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final String name;
    private final Map<String, Object> figures = new LinkedHashMap<>();
    private final StringBuilder markdown = new StringBuilder();

    /** A report named {@code name} (the file names). */
    public Report(String name) {
        this.name = name;
        figures.put("check", name);
        figures.put("started", Instant.now().toString());
    }

    /** Returns the report folder. */
    public static Path dir() {
        return Path.of(System.getProperty("glyph.reliability.out", "target/reliability"));
    }

    /** Records a figure. */
    public synchronized Report put(String key, Object value) {
        figures.put(key, value);
        return this;
    }

    /** Appends a markdown line. */
    public synchronized Report line(String text) {
        markdown.append(text).append('\n');
        return this;
    }

    /** Writes {@code NAME.json} and {@code NAME.md}; returns the JSON path. */
    public synchronized Path write() {
        figures.put("finished", Instant.now().toString());
        try {
            Files.createDirectories(dir());
            Path json = dir().resolve(name + ".json");
            JSON.writeValue(json.toFile(), figures);
            Files.writeString(dir().resolve(name + ".md"), markdown.toString(), StandardCharsets.UTF_8);
            return json;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
