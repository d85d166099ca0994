package dev.glyph.modelformat;

import java.nio.file.Path;
import java.util.Collection;
import java.util.SortedSet;
import java.util.TreeSet;

/** PLACEHOLDER until the export-triton branch is merged (it reads config.pbtxt). */
public record VersionPolicy(String kind, int latest, SortedSet<Long> versions) {

    public static VersionPolicy latest(int n) {
        return new VersionPolicy("latest", n, new TreeSet<>());
    }

    public static VersionPolicy all() {
        return new VersionPolicy("all", 0, new TreeSet<>());
    }

    public static VersionPolicy specific(Collection<Long> v) {
        return new VersionPolicy("specific", 0, new TreeSet<>(v));
    }

    public static VersionPolicy readFor(Path modelDir) throws ModelFormatException {
        return latest(1);
    }

    public SortedSet<Long> select(Collection<Long> available) {
        TreeSet<Long> a = new TreeSet<>(available);
        return switch (kind) {
            case "all" -> a;
            case "specific" -> {
                a.retainAll(versions);
                yield a;
            }
            default -> {
                TreeSet<Long> out = new TreeSet<>();
                for (Long v : a.descendingSet()) {
                    if (out.size() < latest) {
                        out.add(v);
                    }
                }
                yield out;
            }
        };
    }
}
