package dev.glyph.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glyph.datasets.Datasets;
import dev.glyph.datasets.ImageSet;
import dev.glyph.trainer.internal.checkpoint.CheckpointStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Trains on small subsets through the real PyTorch engine (CPU, 2 threads). */
class TrainerTest {

    static final Path DATA = Path.of("..", "data", "mnist");

    @TempDir
    Path tmp;

    @BeforeAll
    static void data() throws Exception {
        Datasets.ensure("mnist", DATA);
    }

    static TrainConfig.Builder cfg(Path out) {
        return TrainConfig.builder(DATA, out).epochs(1).limit(640).lr(0.05).threads(2).device(DeviceChoice.CPU);
    }

    static TrainResult train(TrainConfig c) throws TrainingException {
        return Trainer.train(c, new TrainListener() { });
    }

    static void assertSameMetricsIgnoringTime(List<EpochMetrics> a, List<EpochMetrics> b) {
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            EpochMetrics x = a.get(i);
            EpochMetrics y = b.get(i);
            assertEquals(x.epoch(), y.epoch());
            assertEquals(x.trainLoss(), y.trainLoss(), 0.0, "train_loss of epoch " + x.epoch());
            assertEquals(x.trainAcc(), y.trainAcc(), 0.0);
            assertEquals(x.valLoss(), y.valLoss(), 0.0, "val_loss of epoch " + x.epoch());
            assertEquals(x.valAcc(), y.valAcc(), 0.0);
        }
    }

    @Test
    void train_sameSeedTwice_bitIdenticalParametersAndMetrics() throws Exception {
        TrainResult a = train(cfg(tmp.resolve("a")).build());
        TrainResult b = train(cfg(tmp.resolve("b")).build());
        assertEquals(a.weights(), b.weights());
        assertSameMetricsIgnoringTime(a.metrics(), b.metrics());
        assertTrue(a.last().valAcc() > 30, "640 images of SGD should beat chance (10 %) clearly, got " + a.last().valAcc());
    }

    @Test
    void train_otherSeed_differentParameters() throws Exception {
        TrainResult a = train(cfg(tmp.resolve("a")).build());
        TrainResult b = train(cfg(tmp.resolve("b")).seed(1).build());
        assertNotEquals(a.weights(), b.weights());
    }

    @Test
    void resume_afterOneOfTwoEpochs_equalsTwoStraightEpochs() throws Exception {
        TrainResult straight = train(cfg(tmp.resolve("straight")).epochs(2).build());
        train(cfg(tmp.resolve("split")).epochs(1).build());
        TrainResult resumed = train(cfg(tmp.resolve("split")).epochs(2).resume(true).build());
        assertEquals(straight.weights(), resumed.weights());
        assertSameMetricsIgnoringTime(straight.metrics(), resumed.metrics());
        TrainedRun run = TrainedRun.open(tmp.resolve("split"));
        assertEquals(2, run.epochs());
        assertEquals(straight.weights(), run.weights());
    }

    @Test
    void resume_withMomentumState_equalsStraightRun() throws Exception {
        TrainConfig.Builder m = cfg(tmp.resolve("m")).optimizer(OptimizerKind.MOMENTUM).lr(0.02);
        TrainResult straight = train(m.epochs(2).build());
        train(cfg(tmp.resolve("m2")).optimizer(OptimizerKind.MOMENTUM).lr(0.02).epochs(1).build());
        TrainResult resumed = train(cfg(tmp.resolve("m2")).optimizer(OptimizerKind.MOMENTUM).lr(0.02).epochs(2)
                .resume(true).build());
        assertEquals(straight.weights(), resumed.weights());
    }

    @Test
    void resume_momentumUnderStepSchedule_equalsStraightRun() throws Exception {
        // the learning rate changes at the epoch boundary, right where the resumed run starts
        TrainResult straight = train(cfg(tmp.resolve("s")).optimizer(OptimizerKind.MOMENTUM).schedule(LrSchedule.STEP)
                .lrGamma(0.5).epochs(2).build());
        train(cfg(tmp.resolve("r")).optimizer(OptimizerKind.MOMENTUM).schedule(LrSchedule.STEP).lrGamma(0.5)
                .epochs(1).build());
        TrainResult resumed = train(cfg(tmp.resolve("r")).optimizer(OptimizerKind.MOMENTUM).schedule(LrSchedule.STEP)
                .lrGamma(0.5).epochs(2).resume(true).build());
        assertEquals(straight.weights(), resumed.weights());
        assertSameMetricsIgnoringTime(straight.metrics(), resumed.metrics());
    }

    @Test
    void resume_corruptCheckpoint_refusedAndLeftUntouched() throws Exception {
        Path run = tmp.resolve("r");
        train(cfg(run).build());
        Path ck = run.resolve("checkpoint").resolve(CheckpointStore.FILE);
        byte[] b = Files.readAllBytes(ck);
        b[b.length - 100] ^= 1;
        Files.write(ck, b);
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> train(cfg(run).epochs(2).resume(true).build()));
        assertTrue(e.getMessage().contains("refusing corrupt or partial checkpoint"), e.getMessage());
        assertArrayEquals(b, Files.readAllBytes(ck));
    }

    @Test
    void resume_differentHyperparameters_refused() throws Exception {
        Path run = tmp.resolve("r");
        train(cfg(run).build());
        TrainingException e = assertThrows(TrainingException.class,
                () -> train(cfg(run).epochs(2).lr(0.1).resume(true).build()));
        assertTrue(e.getMessage().contains("lr="), e.getMessage());
    }

    @Test
    void train_existingRunWithoutResume_refused() throws Exception {
        Path run = tmp.resolve("r");
        train(cfg(run).build());
        TrainingException e = assertThrows(TrainingException.class, () -> train(cfg(run).build()));
        assertTrue(e.getMessage().contains("--resume"), e.getMessage());
    }

    @Test
    void train_eachOptimizer_learnsWithoutNaN() throws Exception {
        for (OptimizerKind k : new OptimizerKind[] {OptimizerKind.MOMENTUM, OptimizerKind.ADAM, OptimizerKind.ADADELTA}) {
            double lr = switch (k) {
                case ADAM -> 0.001;
                case ADADELTA -> 1.0;
                default -> 0.01;
            };
            TrainResult r = train(cfg(tmp.resolve(k.name())).optimizer(k).lr(lr).schedule(LrSchedule.STEP).build());
            assertFalse(Double.isNaN(r.last().trainLoss()), k + " gave NaN");
            assertTrue(r.last().valAcc() > 20, k + " reached only " + r.last().valAcc() + " %");
        }
    }

    @Test
    void train_normalize_foldedWeightsGiveSameAccuracyOnRawInput() throws Exception {
        TrainResult r = train(cfg(tmp.resolve("n")).normalize(true).build());
        ImageSet test = Datasets.load("mnist", DATA).test();
        int n = 2000;
        float[] x = new float[n * 784];
        for (int i = 0; i < x.length; i++) {
            x[i] = (test.images()[i] & 0xff) / 255f;
        }
        int correct = 0;
        try (DjlModel m = DjlModel.open(r.weights(), DeviceChoice.CPU)) {
            float[] lp = m.logProbs(x, n);
            for (int i = 0; i < n; i++) {
                int best = 0;
                for (int c = 1; c < 10; c++) {
                    if (lp[i * 10 + c] > lp[i * 10 + best]) {
                        best = c;
                    }
                }
                correct += best == test.labels()[i] ? 1 : 0;
            }
        }
        assertTrue(correct > n * 0.3, "folded weights on raw input reach only " + correct + "/" + n);
    }

    @Test
    void summary_layerShapesAndParameterCount_matchReference() throws Exception {
        Path run = tmp.resolve("s");
        train(cfg(run).build());
        List<String> lines = Files.readAllLines(run.resolve("summary.txt"));
        List<String> want = new ArrayList<>(List.of(
                "conv1 (Conv2d) [32, 32, 26, 26] 320",
                "relu1 (ReLU) [32, 32, 26, 26] 0",
                "conv2 (Conv2d) [32, 64, 24, 24] 18,496",
                "relu2 (ReLU) [32, 64, 24, 24] 0",
                "pool (MaxPool2d) [32, 64, 12, 12] 0",
                "dropout (Dropout2d) [32, 64, 12, 12] 0",
                "flatten (Flatten) [32, 9216] 0",
                "fc1 (Linear) [32, 128] 1,179,776",
                "relu3 (ReLU) [32, 128] 0",
                "fc2 (Linear) [32, 10] 1,290",
                "log_softmax (LogSoftmax) [32, 10] 0",
                "Total params: 1,199,882"));
        List<String> got = lines.stream().map(l -> l.trim().replaceAll("\\s{2,}", " ")).toList();
        for (String w : want) {
            assertTrue(got.contains(w), "summary.txt lacks '" + w + "':\n" + String.join("\n", lines));
        }
        assertEquals(MnistNet.PARAMETER_COUNT, TrainedRun.open(run).weights().parameterCount());
    }

    /** The pid of a process that has ended (for temporary files of a "killed" writer). */
    static long deadPid() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        return p.pid();
    }

    @Test
    void train_staleTemporaryCheckpointFilesOfKilledWriters_deletedWhenTheRunStartsAndWhenItResumes() throws Exception {
        Path run = tmp.resolve("r");
        Path dir = Files.createDirectories(run.resolve(Trainer.CHECKPOINT_DIR));
        Path torn = Files.write(dir.resolve(".last.ckpt.tmp-" + deadPid() + "-1"), new byte[4096]);
        Path unrelated = Files.writeString(dir.resolve("notes.txt"), "mine");
        train(cfg(run).build());
        assertFalse(Files.exists(torn), "the killed writer's temporary checkpoint is still there");
        assertTrue(Files.exists(unrelated));
        Path torn2 = Files.write(dir.resolve(".last.ckpt.tmp-" + deadPid() + "-2"), new byte[4096]);
        train(cfg(run).epochs(2).resume(true).build());
        assertFalse(Files.exists(torn2), "the killed writer's temporary checkpoint survived the resume");
        assertEquals(List.of("last.ckpt", "notes.txt"), dev.glyph.modelformat.ModelFolder.list(dir));
    }

    @Test
    void resume_checkpointWithoutProvenance_rewritesProvenanceSoTheRunOpensAndExports() throws Exception {
        // what a kill between the first checkpoint's rename and the first provenance.json leaves
        Path run = tmp.resolve("r");
        TrainResult one = train(cfg(run).build());
        Files.delete(run.resolve("provenance.json"));
        CheckpointException refused = assertThrows(CheckpointException.class, () -> TrainedRun.open(run));
        assertTrue(refused.getMessage().contains("--resume"), refused.getMessage());
        // the same --epochs: nothing to train, but --resume finishes the interrupted writes
        TrainResult again = train(cfg(run).resume(true).build());
        assertEquals(one.weights(), again.weights());
        TrainedRun opened = TrainedRun.open(run);
        assertEquals(1, opened.epochs());
        assertEquals(1, opened.provenance().path("epochs_completed").asInt());
        assertEquals(one.weights(), opened.weights());
        // now complete: a second --resume has nothing to do and says so
        TrainingException nothing = assertThrows(TrainingException.class, () -> train(cfg(run).resume(true).build()));
        assertTrue(nothing.getMessage().contains("nothing to resume"), nothing.getMessage());
        // a larger --epochs: provenance is written before the next epoch trains, and after it
        Files.delete(run.resolve("provenance.json"));
        TrainResult two = train(cfg(run).epochs(2).resume(true).build());
        assertEquals(2, TrainedRun.open(run).provenance().path("epochs_completed").asInt());
        assertEquals(two.weights(), TrainedRun.open(run).weights());
    }
}
