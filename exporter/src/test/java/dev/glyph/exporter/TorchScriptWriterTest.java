package dev.glyph.exporter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glyph.exporter.internal.TorchScriptWriter;
import dev.glyph.trainer.MnistNet;
import dev.glyph.trainer.ModelWeights;
import dev.glyph.trainer.Tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Archive-level checks of {@link TorchScriptWriter} that need no torch runtime. */
class TorchScriptWriterTest {

    @TempDir
    Path dir;

    private static byte[] entry(ZipFile zip, String name) throws IOException {
        ZipEntry e = zip.getEntry(name);
        if (e == null) {
            throw new AssertionError("missing entry " + name);
        }
        try (var in = zip.getInputStream(e)) {
            return in.readAllBytes();
        }
    }

    @Test
    void write_randomWeights_archiveHasExpectedEntriesUnderOneTopFolder() throws IOException {
        ModelWeights w = TorchScriptFixtures.randomWeights(11);
        byte[] provenance = "{\"run\":\"abc\"}".getBytes(StandardCharsets.UTF_8);
        Path pt = dir.resolve("model.pt");
        TorchScriptWriter.write(w, Map.of("provenance.json", provenance), pt);

        try (ZipFile zip = new ZipFile(pt.toFile())) {
            List<String> names = new ArrayList<>();
            zip.stream().forEach(e -> names.add(e.getName()));
            for (String n : names) {
                assertTrue(n.startsWith("archive/"), n);
            }
            assertEquals("3\n", new String(entry(zip, "archive/version"), StandardCharsets.US_ASCII));
            assertArrayEquals(new byte[] {(byte) 0x80, 2, ')', '.'}, entry(zip, "archive/constants.pkl"));
            assertArrayEquals(provenance, entry(zip, "archive/extra/provenance.json"));
            String root = new String(entry(zip, "archive/code/__torch__.py"), StandardCharsets.US_ASCII);
            assertTrue(root.startsWith("class MnistNet(Module):"), root);
            assertFalse(root.contains("dropout"), root);
            entry(zip, "archive/code/__torch__/torch/nn/modules/conv.py");
            entry(zip, "archive/code/__torch__/torch/nn/modules/linear.py");
            byte[] pkl = entry(zip, "archive/data.pkl");
            assertEquals((byte) 0x80, pkl[0]);
            assertEquals(2, pkl[1]);
            assertEquals('.', pkl[pkl.length - 1]);
            for (int i = 0; i < w.tensors().size(); i++) {
                Tensor t = w.tensors().get(i);
                byte[] data = entry(zip, "archive/data/" + i);
                assertEquals(t.size() * 4L, data.length, t.name());
                float[] back = new float[t.size()];
                ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(back);
                assertArrayEquals(t.data(), back, t.name());
            }
            for (ZipEntry e : zip.stream().toList()) {
                assertEquals(ZipEntry.STORED, e.getMethod(), e.getName());
            }
        }
    }

    @Test
    void write_sameWeightsTwice_byteIdenticalFiles() throws IOException {
        Map<String, byte[]> extrasA = new LinkedHashMap<>();
        extrasA.put("provenance.json", "{}".getBytes(StandardCharsets.UTF_8));
        extrasA.put("notes/a.txt", "a".getBytes(StandardCharsets.UTF_8));
        Map<String, byte[]> extrasB = new LinkedHashMap<>();
        extrasB.put("notes/a.txt", "a".getBytes(StandardCharsets.UTF_8));
        extrasB.put("provenance.json", "{}".getBytes(StandardCharsets.UTF_8));
        Path a = dir.resolve("a.pt");
        Path b = dir.resolve("b.pt");
        TorchScriptWriter.write(TorchScriptFixtures.randomWeights(12), extrasA, a);
        TorchScriptWriter.write(TorchScriptFixtures.randomWeights(12), extrasB, b);
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
    }

    @Test
    void write_differentWeights_differentBytes() throws IOException {
        Path a = dir.resolve("a.pt");
        Path b = dir.resolve("b.pt");
        TorchScriptWriter.write(TorchScriptFixtures.randomWeights(12), Map.of(), a);
        TorchScriptWriter.write(TorchScriptFixtures.randomWeights(13), Map.of(), b);
        assertFalse(java.util.Arrays.equals(Files.readAllBytes(a), Files.readAllBytes(b)));
    }

    @Test
    void write_nullExtraFiles_writesNoExtraEntries() throws IOException {
        Path pt = dir.resolve("m.pt");
        TorchScriptWriter.write(TorchScriptFixtures.randomWeights(1), null, pt);
        try (ZipFile zip = new ZipFile(pt.toFile())) {
            assertTrue(zip.stream().noneMatch(e -> e.getName().startsWith("archive/extra/")));
            assertEquals(MnistNet.PARAMETERS.size(),
                    zip.stream().filter(e -> e.getName().startsWith("archive/data/")).count());
        }
    }

    @Test
    void write_badExtraFileName_throwsIllegalArgumentNamingIt() {
        ModelWeights w = TorchScriptFixtures.randomWeights(1);
        for (String bad : List.of("", "/abs.json", "../up.json", "a//b", "a\\b", "dir/", "x\u0000y")) {
            Map<String, byte[]> extras = new HashMap<>();
            extras.put(bad, new byte[1]);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> TorchScriptWriter.write(w, extras, dir.resolve("bad.pt")), bad);
            assertTrue(e.getMessage().contains("extra file name"), e.getMessage());
        }
    }

    @Test
    void write_nullExtraFileContent_throwsIllegalArgument() {
        Map<String, byte[]> extras = new HashMap<>();
        extras.put("provenance.json", null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TorchScriptWriter.write(TorchScriptFixtures.randomWeights(1), extras, dir.resolve("x.pt")));
        assertTrue(e.getMessage().contains("provenance.json"), e.getMessage());
    }

    @Test
    void write_missingParentDirectory_throwsIOException() {
        assertThrows(IOException.class, () -> TorchScriptWriter.write(TorchScriptFixtures.randomWeights(1),
                Map.of(), dir.resolve("no/such/dir/m.pt")));
    }
}
