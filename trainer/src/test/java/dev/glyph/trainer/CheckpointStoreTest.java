package dev.glyph.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glyph.trainer.internal.checkpoint.CheckpointData;
import dev.glyph.trainer.internal.checkpoint.CheckpointStore;
import dev.glyph.trainer.internal.model.WeightInit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointStoreTest {

    @TempDir
    Path dir;

    private CheckpointData sample() {
        ModelWeights w = WeightInit.pytorchDefault(7);
        List<Tensor> state = List.of(new Tensor("fc2.bias#velocity", new long[] {10}, new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
        return new CheckpointData(3, 1234, 0.005f, Map.of("seed", 7, "dataset", "mnist"),
                List.of(new EpochMetrics(1, 0.5, 80, 0.4, 85, 1.5, 1000)), new double[] {0.13, 0.31}, w.tensors(), state);
    }

    @Test
    void read_afterWrite_returnsSameContent() throws Exception {
        Path f = dir.resolve("checkpoint").resolve("last.ckpt");
        CheckpointStore.write(f, sample());
        CheckpointData d = CheckpointStore.read(f);
        assertEquals(3, d.epoch());
        assertEquals(1234, d.optimizerSteps());
        assertEquals(0.005f, d.lastLr());
        assertEquals(sample().params(), d.params());
        assertEquals(sample().optimizerState(), d.optimizerState());
        assertEquals(sample().metrics(), d.metrics());
        assertArrayEquals(new double[] {0.13, 0.31}, d.normalization());
        assertEquals("mnist", d.identity().get("dataset"));
        try (var s = Files.list(f.getParent())) {
            assertEquals(List.of(f), s.toList(), "no temporary files may remain");
        }
    }

    @Test
    void read_truncatedFile_refusedAsPartial() throws Exception {
        Path f = dir.resolve("last.ckpt");
        CheckpointStore.write(f, sample());
        byte[] b = Files.readAllBytes(f);
        Files.write(f, Arrays.copyOf(b, b.length / 2));
        CheckpointException e = assertThrows(CheckpointException.class, () -> CheckpointStore.read(f));
        assertTrue(e.getMessage().contains("corrupt or partial"), e.getMessage());
    }

    @Test
    void read_flippedByte_refusedByChecksum() throws Exception {
        Path f = dir.resolve("last.ckpt");
        CheckpointStore.write(f, sample());
        byte[] b = Files.readAllBytes(f);
        b[b.length / 2] ^= 0x10;
        Files.write(f, b);
        CheckpointException e = assertThrows(CheckpointException.class, () -> CheckpointStore.read(f));
        assertTrue(e.getMessage().contains("SHA-256"), e.getMessage());
    }

    @Test
    void read_otherFile_refusedWithMagic() throws Exception {
        Path f = dir.resolve("last.ckpt");
        Files.writeString(f, "PK\3\4 this is a zip, not a checkpoint, padded to be long enough to pass the length check");
        CheckpointException e = assertThrows(CheckpointException.class, () -> CheckpointStore.read(f));
        assertTrue(e.getMessage().contains("GLYPHCKP"), e.getMessage());
    }

    @Test
    void read_missingFile_saysWhatIsExpected() {
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> CheckpointStore.read(dir.resolve("nope").resolve("last.ckpt")));
        assertTrue(e.getMessage().contains("./glyph train"), e.getMessage());
    }

    @Test
    void read_wrongParameterShapes_refusedAsOtherArchitecture() throws Exception {
        CheckpointData s = sample();
        List<Tensor> params = new java.util.ArrayList<>(s.params());
        params.set(7, new Tensor("fc2.bias", new long[] {5}, new float[5]));
        Path f = dir.resolve("last.ckpt");
        CheckpointStore.write(f, new CheckpointData(1, 1, Float.NaN, s.identity(), s.metrics(), null, params, List.of()));
        CheckpointException e = assertThrows(CheckpointException.class, () -> CheckpointStore.read(f));
        assertTrue(e.getMessage().contains("does not match MnistNet"), e.getMessage());
    }
}
