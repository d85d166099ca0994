package dev.glyph.reliability;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a process's resident memory is, from {@code /proc/PID/smaps} (Linux): the resident kB of its
 * mappings, grouped so that a growth can be attributed.
 *
 * <ul>
 *   <li>{@code java_heap}: the anonymous mapping with the most resident memory (the Java heap; fixed and pre-touched
 *       under {@code -Xms = -Xmx -XX:+AlwaysPreTouch});
 *   <li>{@code malloc_main_arena}: {@code [heap]}, glibc's brk heap;
 *   <li>{@code malloc_thread_arenas}: anonymous mappings that, with the inaccessible reserve after them,
 *       make up one of glibc's 64 MiB per-thread arena heaps;
 *   <li>{@code other_anonymous}: the rest of the anonymous memory (JIT code cache, metaspace, thread
 *       stacks, large mmap'd malloc blocks such as Netty's direct chunks and ONNX Runtime's arena);
 *   <li>{@code files}: file-backed mappings (the JDK, native libraries, the model).
 * </ul>
 *
 * <pre>{@code
 * Map<String, Long> kb = ResidentMemory.breakdownKb(server.pid());
 * }</pre>
 *
 * <p>Thread-safety: stateless.
 */
public final class ResidentMemory {

    /** glibc's HEAP_MAX_SIZE on 64-bit: 2 * 4 * 1024 * 1024 * sizeof(long), in kB. */
    private static final long ARENA_KB = 64 * 1024;
    private static final java.util.regex.Pattern HEADER = java.util.regex.Pattern.compile("[0-9a-f]+-[0-9a-f]+ ");

    private ResidentMemory() {
    }

    private record Mapping(long sizeKb, long rssKb, String perms, String name) {
    }

    /** Returns resident kB by group (see the class comment), plus {@code thread_arena_count}. */
    public static Map<String, Long> breakdownKb(long pid) throws IOException {
        List<Mapping> maps = new ArrayList<>();
        String perms = null;
        String name = null;
        long size = 0;
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "smaps"))) {
            if (HEADER.matcher(line).lookingAt()) {
                String[] f = line.trim().split("\\s+", 6);
                perms = f[1];
                name = f.length == 6 ? f[5] : "";
                String[] range = f[0].split("-");
                size = (Long.parseUnsignedLong(range[1], 16) - Long.parseUnsignedLong(range[0], 16)) / 1024;
            } else if (line.startsWith("Rss:") && perms != null) {
                maps.add(new Mapping(size, Long.parseLong(line.replaceAll("[^0-9]", "")), perms, name));
            }
        }
        int heap = -1;
        for (int i = 0; i < maps.size(); i++) {
            if (maps.get(i).name().isEmpty() && (heap < 0 || maps.get(i).rssKb() > maps.get(heap).rssKb())) {
                heap = i;
            }
        }
        Map<String, Long> kb = new LinkedHashMap<>();
        for (String k : List.of("java_heap", "malloc_main_arena", "malloc_thread_arenas", "other_anonymous", "files",
                "total", "thread_arena_count")) {
            kb.put(k, 0L);
        }
        for (int i = 0; i < maps.size(); i++) {
            Mapping m = maps.get(i);
            String group;
            if (i == heap) {
                group = "java_heap";
            } else if (m.name().equals("[heap]")) {
                group = "malloc_main_arena";
            } else if (m.name().startsWith("/")) {
                group = "files";
            } else if (m.name().isEmpty() && m.perms().startsWith("rw") && (m.sizeKb() == ARENA_KB
                    || (i + 1 < maps.size() && maps.get(i + 1).perms().startsWith("---")
                    && maps.get(i + 1).name().isEmpty() && m.sizeKb() + maps.get(i + 1).sizeKb() == ARENA_KB))) {
                group = "malloc_thread_arenas";
                kb.merge("thread_arena_count", 1L, Long::sum);
            } else {
                group = "other_anonymous";
            }
            kb.merge(group, m.rssKb(), Long::sum);
            kb.merge("total", m.rssKb(), Long::sum);
        }
        return kb;
    }
}
