package dev.glyph.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glyph.modelformat.AtomicFiles;
import dev.glyph.trainer.CheckpointException;
import dev.glyph.trainer.EpochMetrics;
import dev.glyph.trainer.ModelWeights;
import dev.glyph.trainer.TrainedRun;
import java.nio.file.Files;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * kill -9 during checkpoint writes: a child JVM trains (tiny Fashion-MNIST, 2 epochs, Adam, so each
 * checkpoint is 14.4 MB), the test waits until the child's temporary checkpoint file appears and
 * sends SIGKILL after a seeded delay of 0-150 ms, in the first or (seeded) the second write of
 * a fresh run, so that kills land both before and after the temp file's rename. After every kill the checkpoint on disk must be complete and verified,
 * hold epoch e or e+1, and carry exactly the parameters and metrics of an uninterrupted e-epoch
 * run; the next child resumes from it, and every finished chain ends bit-identical to the
 * uninterrupted 2-epoch run. CI kills 5 times; {@code -Dglyph.soak=true} kills 50 times.
 */
class CheckpointKillTest {

    static final int EPOCHS = 2;
    static final int KILLS = Fixtures.SOAK ? 50 : 5;

    static List<String> trainArgs(Path data, Path out, int epochs, boolean resume) {
        List<String> a = new ArrayList<>(List.of("train", "--dataset", "fashion-mnist", "--data", data.toString(),
                "--out", out.toString(), "--epochs", Integer.toString(epochs), "--threads", "1", "--device", "cpu",
                "--optimizer", "adam", "--lr", "0.001", "--seed", "3"));
        if (resume) {
            a.add("--resume");
        }
        return a;
    }

    /** Loss and accuracy per epoch, bit for bit (seconds and img/s naturally differ). */
    static boolean sameLosses(List<EpochMetrics> a, List<EpochMetrics> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            EpochMetrics x = a.get(i);
            EpochMetrics y = b.get(i);
            if (x.epoch() != y.epoch() || Double.compare(x.trainLoss(), y.trainLoss()) != 0
                    || Double.compare(x.trainAcc(), y.trainAcc()) != 0 || Double.compare(x.valLoss(), y.valLoss()) != 0
                    || Double.compare(x.valAcc(), y.valAcc()) != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether the child {@code pid} has a temporary file of {@code target} open for writing right now: the
     * name comes from {@link AtomicFiles}, which writes every checkpoint.
     */
    static boolean writing(Path target, long pid) {
        try {
            return AtomicFiles.temporaryFiles(target).stream()
                    .anyMatch(f -> AtomicFiles.temporaryFileWriter(target, f).orElse(-1) == pid);
        } catch (IOException e) {
            return false; // the folder is being created; the next poll sees it
        }
    }

    @Test
    void kill9DuringCheckpointWrites_resumeAdoptsOnlyCompleteCheckpointsAndEndsBitIdentical() throws Exception {
        Path work = Files.createDirectories(Fixtures.work().resolve("checkpoint-kills"));
        Path data = Fixtures.tinyFashion(work.resolve("fashion-tiny"), 256, 64);
        List<ModelWeights> ref = new ArrayList<>();
        List<List<EpochMetrics>> refMetrics = new ArrayList<>();
        ref.add(null);
        refMetrics.add(List.of());
        for (int e = 1; e <= EPOCHS; e++) {
            Path r = work.resolve("reference-" + e);
            Fixtures.glyph(trainArgs(data, r, e, false).toArray(String[]::new));
            TrainedRun run = TrainedRun.open(r);
            ref.add(run.weights());
            refMetrics.add(run.metrics());
        }

        SplittableRandom rnd = new SplittableRandom(Fixtures.SEED);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<Map<String, Object>> kills = new ArrayList<>();
        List<String> wrong = new ArrayList<>();
        List<String> unreadableByRun = new ArrayList<>();
        int chain = 0;
        Path run = work.resolve("chain-0");
        int epochsOnDisk = 0;
        int landedInWrite = 0;
        int completedChains = 0;
        long t0 = System.nanoTime();
        for (int k = 0; k < KILLS; k++) {
            List<String> cmd = new ArrayList<>(List.of(java, "-Dai.djl.offline=true", "-cp",
                    System.getProperty("java.class.path"), "dev.glyph.cli.Main"));
            cmd.addAll(trainArgs(data, run, EPOCHS, epochsOnDisk > 0));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(work.resolve("child-" + k + ".log").toFile());
            pb.environment().put("OMP_WAIT_POLICY", "PASSIVE");
            Process p = pb.start();
            Path ckpt = run.resolve("checkpoint").resolve("last.ckpt");
            long pid = p.pid();
            // a fresh run writes two checkpoints: kill in the first or (after it is renamed) the second
            int target = epochsOnDisk == 0 ? 1 + rnd.nextInt(EPOCHS) : 1;
            long giveUp = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
            for (int w = 1; w <= target; w++) {
                while (!writing(ckpt, pid) && p.isAlive() && System.nanoTime() < giveUp) {
                    LockSupport.parkNanos(300_000);
                }
                while (w < target && writing(ckpt, pid) && p.isAlive() && System.nanoTime() < giveUp) {
                    LockSupport.parkNanos(300_000);
                }
            }
            boolean sawTmp = writing(ckpt, pid);
            long delayMicros = rnd.nextLong(150_000);
            if (sawTmp) {
                LockSupport.parkNanos(delayMicros * 1000);
            }
            p.destroyForcibly(); // SIGKILL
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child " + k + " did not die");
            boolean tmpLeft = writing(ckpt, pid);
            landedInWrite += tmpLeft ? 1 : 0;
            Map<String, Object> rec = new LinkedHashMap<>();
            rec.put("kill", k);
            rec.put("chain", chain);
            rec.put("epochs_before", epochsOnDisk);
            rec.put("killed_in_write", epochsOnDisk + target);
            rec.put("delay_us_after_temp_file", sawTmp ? delayMicros : null);
            rec.put("landed_before_rename", tmpLeft);
            int now;
            boolean present = Files.exists(run.resolve("checkpoint").resolve("last.ckpt"));
            if (present) {
                try {
                    TrainedRun tr = TrainedRun.open(run);
                    now = tr.epochs();
                    if (now < epochsOnDisk || now > EPOCHS) {
                        wrong.add("kill " + k + ": checkpoint holds epoch " + now + " after epoch " + epochsOnDisk);
                    } else if (!tr.weights().equals(ref.get(now))) {
                        wrong.add("kill " + k + ": epoch-" + now + " checkpoint parameters differ from the uninterrupted run");
                    } else if (!sameLosses(tr.metrics(), refMetrics.get(now))) {
                        wrong.add("kill " + k + ": epoch-" + now + " losses differ from the uninterrupted run");
                    }
                } catch (CheckpointException e) {
                    if (e.getMessage().contains("no provenance.json")) {
                        // killed between the first checkpoint's rename and the first provenance.json: the
                        // checkpoint is complete, --resume reads it and first rewrites provenance.json, so
                        // this can only follow a fresh run, never a resumed one
                        unreadableByRun.add("kill " + k + ": " + e.getMessage());
                        if (epochsOnDisk > 0) {
                            wrong.add("kill " + k + ": a resumed run left its checkpoint without provenance.json: "
                                    + e.getMessage());
                        }
                        now = Math.max(1, epochsOnDisk);
                    } else {
                        wrong.add("kill " + k + ": torn or unreadable checkpoint left behind: " + e.getMessage());
                        now = -1;
                    }
                }
            } else {
                now = 0;
                if (epochsOnDisk > 0) {
                    wrong.add("kill " + k + ": the epoch-" + epochsOnDisk + " checkpoint disappeared");
                }
            }
            rec.put("epochs_after", now);
            rec.put("child_exit", p.exitValue());
            kills.add(rec);
            if (now < 0) {
                break;
            }
            if (!sawTmp && p.exitValue() != 137 && p.exitValue() != 0) {
                wrong.add("kill " + k + ": the child failed before its checkpoint write (exit " + p.exitValue()
                        + "), see child-" + k + ".log");
            }
            epochsOnDisk = now;
            if (epochsOnDisk == EPOCHS) {
                completedChains++;
                chain++;
                run = work.resolve("chain-" + chain);
                epochsOnDisk = 0;
            }
        }
        // finish the last chain uninterrupted (a resume, or a fresh run where no checkpoint was left) and
        // compare with the straight run; either also deletes the chain's stale temporary files
        if (wrong.isEmpty() && (epochsOnDisk > 0 || Files.exists(run))) {
            Fixtures.glyph(trainArgs(data, run, EPOCHS, epochsOnDisk > 0).toArray(String[]::new));
            TrainedRun tr = TrainedRun.open(run);
            if (!tr.weights().equals(ref.get(EPOCHS)) || !sameLosses(tr.metrics(), refMetrics.get(EPOCHS))) {
                wrong.add("chain " + chain + ": resumed to " + EPOCHS + " epochs, parameters or metrics differ");
            }
            completedChains++;
        }
        List<String> stale = new ArrayList<>();
        for (int c = 0; c <= chain; c++) {
            Path dir = work.resolve("chain-" + c).resolve("checkpoint");
            if (Files.isDirectory(dir)) {
                try (var s = Files.list(dir)) {
                    s.map(f -> f.getFileName().toString()).filter(n -> !n.equals("last.ckpt"))
                            .forEach(n -> stale.add(dir.getParent().getFileName() + "/checkpoint/" + n));
                }
            }
        }
        new Report("checkpoint-kills").put("kills", KILLS).put("soak", Fixtures.SOAK).put("seed", Fixtures.SEED)
                .put("epochs_per_run", EPOCHS).put("train_images", 256).put("test_images", 64)
                .put("landed_before_rename", landedInWrite).put("chains_completed_bit_identical", completedChains)
                .put("problems", wrong).put("stale_temp_files_left", stale.size())
                .put("complete_checkpoint_without_provenance", unreadableByRun.size())
                .put("complete_checkpoint_without_provenance_examples", unreadableByRun.stream().limit(3).toList())
                .put("stale_temp_file_examples", stale.stream().limit(5).toList())
                .put("seconds", Math.round((System.nanoTime() - t0) / 1e8) / 10.0).put("kill_log", kills).write();
        assertEquals(List.of(), wrong);
        assertEquals(List.of(), stale, "temporary checkpoint files of killed writers left behind after the runs resumed");
        assertTrue(landedInWrite > 0, "no kill landed inside a checkpoint write: " + kills);
        assertTrue(completedChains > 0, "no killed run was ever resumed to the end: " + kills);
    }
}
