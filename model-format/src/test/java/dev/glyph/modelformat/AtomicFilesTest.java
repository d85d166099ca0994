package dev.glyph.modelformat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {

    @TempDir
    Path tmp;

    private List<String> entries() throws IOException {
        return ModelFolder.list(tmp);
    }

    @Test
    void write_newFile_createsFolderAndContent() throws Exception {
        Path f = tmp.resolve("a/b/c.txt");
        AtomicFiles.writeString(f, "hello");
        assertEquals("hello", Files.readString(f));
        assertEquals(List.of("c.txt"), ModelFolder.list(f.getParent()));
    }

    @Test
    void write_existingFile_replacesIt() throws Exception {
        Path f = tmp.resolve("x.bin");
        AtomicFiles.write(f, new byte[] {1, 2, 3});
        AtomicFiles.write(f, new byte[] {4});
        assertArrayEquals(new byte[] {4}, Files.readAllBytes(f));
        assertEquals(List.of("x.bin"), entries());
    }

    @Test
    void write_contentThrowsIOException_keepsOldFileAndLeavesNoTempFile() throws Exception {
        Path f = tmp.resolve("model.onnx");
        AtomicFiles.writeString(f, "old content");
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(f, out -> {
            out.write(new byte[100_000]);
            throw new IOException("disk full (simulated)");
        }));
        assertEquals("disk full (simulated)", e.getMessage());
        assertEquals("old content", Files.readString(f));
        assertEquals(List.of("model.onnx"), entries(), "no temporary file is left behind");
    }

    @Test
    void write_contentThrowsRuntimeException_keepsOldFileAndLeavesNoTempFile() throws Exception {
        Path f = tmp.resolve("manifest.json");
        AtomicFiles.writeString(f, "{}");
        assertThrows(IllegalArgumentException.class, () -> AtomicFiles.write(f, out -> {
            out.write('x');
            throw new IllegalArgumentException("bad weights");
        }));
        assertEquals("{}", Files.readString(f));
        assertEquals(List.of("manifest.json"), entries());
    }

    @Test
    void write_targetIsAFolder_failsAndLeavesNoTempFile() throws Exception {
        Path d = Files.createDirectories(tmp.resolve("taken"));
        Files.writeString(d.resolve("inside"), "x");
        assertThrows(IOException.class, () -> AtomicFiles.writeString(d, "text"));
        assertEquals(List.of("taken"), entries());
        assertEquals("x", Files.readString(d.resolve("inside")));
    }

    @Test
    void write_twoConcurrentWritersOfOneTarget_neverCollideAndTheFileIsAlwaysWhole() throws Exception {
        Path f = tmp.resolve("model.onnx");
        int size = 64 * 1024;
        int iterations = 200;
        AtomicFiles.write(f, filled(size, (byte) 0));
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Integer>> writers = new ArrayList<>();
            for (int t = 1; t <= 2; t++) {
                byte mark = (byte) t;
                writers.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < iterations; i++) {
                        AtomicFiles.write(f, filled(size, mark));
                    }
                    return iterations;
                }));
            }
            Future<Integer> reader = pool.submit(() -> {
                start.await();
                int torn = 0;
                while (!writers.get(0).isDone() || !writers.get(1).isDone()) {
                    byte[] b = Files.readAllBytes(f);
                    if (b.length != size || !uniform(b)) {
                        torn++;
                    }
                }
                return torn;
            });
            start.countDown();
            for (Future<Integer> w : writers) {
                assertEquals(iterations, w.get(), "every write succeeded");
            }
            assertEquals(0, reader.get(), "reads that saw a partial or mixed file");
        } finally {
            pool.shutdownNow();
        }
        byte[] last = Files.readAllBytes(f);
        assertEquals(size, last.length);
        assertTrue(last[0] == 1 || last[0] == 2, "the last rename wins: " + last[0]);
        assertTrue(uniform(last));
        assertEquals(List.of("model.onnx"), entries(), "no temporary file is left behind");
    }

    private static byte[] filled(int n, byte b) {
        byte[] a = new byte[n];
        Arrays.fill(a, b);
        return a;
    }

    private static boolean uniform(byte[] b) {
        for (byte x : b) {
            if (x != b[0]) {
                return false;
            }
        }
        return true;
    }

    @Test
    void writeString_unicode_isUtf8() throws Exception {
        Path f = tmp.resolve("t.txt");
        AtomicFiles.writeString(f, "é€");
        assertArrayEquals("é€".getBytes(StandardCharsets.UTF_8), Files.readAllBytes(f));
    }

    @Test
    void temporaryFileWriter_duringAWrite_namesTheTempFileAndThisProcess() throws Exception {
        Path f = tmp.resolve("last.ckpt");
        List<Path> seen = new ArrayList<>();
        AtomicFiles.write(f, out -> {
            seen.addAll(AtomicFiles.temporaryFiles(f));
            out.write(1);
        });
        assertEquals(1, seen.size(), "one temporary file while writing: " + seen);
        assertEquals(ProcessHandle.current().pid(), AtomicFiles.temporaryFileWriter(f, seen.get(0)).getAsLong());
        assertEquals(List.of(), AtomicFiles.temporaryFiles(f));
        assertTrue(AtomicFiles.temporaryFileWriter(f, f).isEmpty());
        assertTrue(AtomicFiles.temporaryFileWriter(f, tmp.resolve(".other.tmp-1-1")).isEmpty());
    }

    @Test
    void deleteStaleTemporaryFiles_deadAndLiveWriters_deletesOnlyTheDeadWritersFilesOfThatTarget() throws Exception {
        Process dead = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-version").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        dead.waitFor();
        long me = ProcessHandle.current().pid();
        Path f = tmp.resolve("last.ckpt");
        Files.writeString(f, "kept");
        Path stale = Files.writeString(tmp.resolve(".last.ckpt.tmp-" + dead.pid() + "-7"), "torn");
        Path live = Files.writeString(tmp.resolve(".last.ckpt.tmp-" + me + "-3"), "being written");
        Path otherTarget = Files.writeString(tmp.resolve(".metrics.json.tmp-" + dead.pid() + "-1"), "x");
        Path lookalike = Files.writeString(tmp.resolve(".last.ckpt.tmp-" + dead.pid()), "x");
        assertEquals(List.of(stale), AtomicFiles.deleteStaleTemporaryFiles(f));
        assertTrue(Files.exists(live) && Files.exists(otherTarget) && Files.exists(lookalike));
        assertEquals("kept", Files.readString(f));
        assertEquals(List.of(live), AtomicFiles.temporaryFiles(f));
    }
}
