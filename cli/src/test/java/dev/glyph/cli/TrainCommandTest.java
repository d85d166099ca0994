package dev.glyph.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glyph.datasets.Datasets;
import dev.glyph.trainer.Devices;
import dev.glyph.trainer.TrainedRun;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** End-to-end runs of {@code glyph train} through the real command line. */
class TrainCommandTest {

    static final Path DATA = Path.of("..", "data", "mnist");
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    record Run(int code, String out, String err) {
    }

    @BeforeAll
    static void data() throws Exception {
        Datasets.ensure("mnist", DATA);
    }

    static Run glyph(String... args) {
        GlyphCommand.Invocation r = GlyphCommand.invoke(args);
        return new Run(r.exitCode(), r.out(), r.err());
    }

    static List<String> trainArgs(Path out, String... extra) {
        List<String> a = new ArrayList<>(List.of("train", "--data", DATA.toString(), "--out", out.toString(),
                "--limit", "320", "--threads", "2", "--device", "cpu"));
        a.addAll(List.of(extra));
        if (!a.contains("--epochs")) {
            a.addAll(List.of("--epochs", "1"));
        }
        return a;
    }

    @Test
    void train_shortRun_writesEveryRunFileAndTheyParse() throws Exception {
        Path run = tmp.resolve("run");
        Run r = glyph(trainArgs(run).toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("test accuracy"), r.out());

        JsonNode metrics = JSON.readTree(run.resolve("metrics.json").toFile());
        assertEquals(1, metrics.size());
        for (String k : List.of("epoch", "train_loss", "train_acc", "val_loss", "val_acc", "seconds", "images_per_sec")) {
            assertTrue(metrics.get(0).has(k), "metrics.json lacks " + k);
        }
        List<String> csv = Files.readAllLines(run.resolve("metrics.csv"));
        assertEquals("epoch,train_loss,train_acc,val_loss,val_acc,seconds,images_per_sec", csv.get(0));
        assertEquals(2, csv.size());
        assertTrue(csv.get(1).startsWith("1,"));

        assertTrue(Files.readString(run.resolve("summary.txt")).contains("Total params: 1,199,882"));

        JsonNode prov = JSON.readTree(run.resolve("provenance.json").toFile());
        assertEquals(0, prov.get("seed").asLong());
        assertEquals(32, prov.at("/config/batch_size").asInt());
        assertEquals(0.01, prov.at("/config/lr").asDouble());
        assertEquals("sgd", prov.at("/config/optimizer").asText());
        assertEquals("ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
                prov.at("/dataset/sha256/train-images-idx3-ubyte").asText());
        assertEquals(4, prov.at("/dataset/sha256").size());
        assertEquals("cpu()", prov.get("device").asText());
        assertFalse(prov.at("/versions/djl").asText().isEmpty());
        assertFalse(prov.at("/versions/pytorch").asText().isEmpty());
        assertFalse(prov.at("/versions/java").asText().isEmpty());
        assertNotNull(prov.get("started"));
        assertNotNull(prov.get("finished"));
        assertEquals(metrics.get(0).get("val_acc").asDouble(), prov.get("test_accuracy").asDouble());
        assertEquals("reference/1", prov.at("/config/recipe").asText());
        assertEquals("none", prov.at("/config/augment").asText());
        assertFalse(prov.has("temperature_scaling"), "the reference recipe holds nothing out");
        assertEquals(1.0, prov.at("/ece_test/temperature").asDouble());
        assertTrue(prov.at("/ece_test/percent").asDouble() >= 0);

        for (String png : List.of("loss.png", "accuracy.png", "samples.png")) {
            BufferedImage img = ImageIO.read(run.resolve(png).toFile());
            assertNotNull(img, png + " is not a readable PNG");
            assertTrue(img.getWidth() > 100 && img.getHeight() > 100, png);
        }
        assertEquals(1, TrainedRun.open(run).epochs());
    }

    @Test
    void train_recipeWithOverrides_provenanceRecordsTheRecipeAndTheOverrides() throws Exception {
        Path run = tmp.resolve("robust");
        Run r = glyph(trainArgs(run, "--recipe", "robust", "--holdout", "64", "--batch-size", "32")
                .toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        JsonNode prov = JSON.readTree(run.resolve("provenance.json").toFile());
        assertEquals("robust", prov.at("/recipe/name").asText());
        assertEquals("robust/1", prov.at("/config/recipe").asText());
        assertEquals(1, prov.at("/config/epochs").asInt(), "--epochs 1 overrides the recipe's 10");
        assertEquals(32, prov.at("/config/batch_size").asInt(), "--batch-size overrides the recipe's 64");
        assertEquals(0.05, prov.at("/config/lr").asDouble(), "the recipe's lr");
        assertEquals("momentum", prov.at("/config/optimizer").asText());
        assertTrue(prov.at("/config/normalize").asBoolean());
        assertTrue(prov.at("/config/augment").asText().contains("elastic=34:4:0.5"), prov.at("/config").toString());
        assertEquals(34.0, prov.at("/augmentation/elastic_alpha").asDouble());
        assertEquals(64, prov.at("/temperature_scaling/held_out").asInt());
        assertEquals(256, prov.at("/dataset/train_images").asInt(), "320 minus 64 held out");
        assertTrue(prov.at("/ece_test/percent").isNumber());
    }

    @Test
    void train_badRecipeOrAugment_exitsTwoNamingWhatWasFoundAndExpected() {
        Run r = glyph(trainArgs(tmp.resolve("x"), "--recipe", "fastest").toArray(String[]::new));
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--recipe must be one of reference, best, robust, found 'fastest'"), r.err());
        Run a = glyph(trainArgs(tmp.resolve("y"), "--augment", "rotate=400").toArray(String[]::new));
        assertEquals(2, a.code());
        assertTrue(a.err().contains("--augment rotate must be in [0, 90], found 400"), a.err());
        assertFalse(Files.exists(tmp.resolve("x")) || Files.exists(tmp.resolve("y")), "nothing written");
    }

    @Test
    void train_unknownOption_exitsTwoWithHint() {
        Run r = glyph("train", "--no-such-option");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--no-such-option"), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
    }

    @Test
    void train_zeroEpochs_exitsTwoNamingTheOption() {
        Run r = glyph(trainArgs(tmp.resolve("x"), "--epochs", "0").toArray(String[]::new));
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--epochs"), r.err());
    }

    @Test
    void train_gpuWithoutGpu_exitsTwoWithClearMessage() {
        assumeTrue(Devices.gpuCount() == 0, "this machine has a GPU");
        List<String> a = trainArgs(tmp.resolve("g"));
        a.set(a.indexOf("cpu"), "gpu");
        Run r = glyph(a.toArray(String[]::new));
        assertEquals(2, r.code());
        assertTrue(r.err().contains("no GPU"), r.err());
    }

    @Test
    void train_corruptDataFolder_exitsOneNamingTheFile() throws Exception {
        Path data = tmp.resolve("data");
        Files.createDirectories(data);
        for (String f : Datasets.FILES) {
            Files.copy(DATA.resolve(f), data.resolve(f));
        }
        Files.write(data.resolve("t10k-labels-idx1-ubyte"), new byte[] {0, 0, 8, 1, 0, 0});
        Run r = glyph("train", "--data", data.toString(), "--out", tmp.resolve("r").toString(), "--epochs", "1");
        assertEquals(1, r.code(), r.out());
        assertTrue(r.err().contains("t10k-labels-idx1-ubyte"), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
    }

    @Test
    void train_missingDataFolderWithoutFetch_exitsOneSayingHowToFetchAndCreatesNothing() {
        Path absent = tmp.resolve("nonexistent");
        Run r = glyph("train", "--data", absent.toString(), "--out", tmp.resolve("r").toString(), "--epochs", "1");
        assertEquals(1, r.code(), r.out());
        assertTrue(r.err().startsWith("glyph train: " + absent + ": does not exist, expected a mnist data folder"),
                r.err());
        assertTrue(r.err().contains("run `./glyph fetch --dataset mnist --dir " + absent + "` first"), r.err());
        assertTrue(r.err().contains("or add --fetch"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertFalse(Files.exists(absent), "the data folder was created");
        assertFalse(Files.exists(tmp.resolve("r")), "a run folder was created");
    }

    @Test
    void train_emptyDataFolderWithoutFetch_exitsOneAndLeavesItEmpty() throws Exception {
        Path empty = Files.createDirectory(tmp.resolve("empty"));
        Run r = glyph("train", "--dataset", "fashion-mnist", "--data", empty.toString(), "--out",
                tmp.resolve("r").toString());
        assertEquals(1, r.code(), r.out());
        assertTrue(r.err().contains(empty + ": holds none of the four IDX files, expected a fashion-mnist data folder"),
                r.err());
        assertTrue(r.err().contains("./glyph fetch --dataset fashion-mnist --dir " + empty), r.err());
        try (var s = Files.list(empty)) {
            assertEquals(0, s.count(), "the empty folder was filled");
        }
    }

    @Test
    void train_emptyDataFolderWithFetch_fetchesThenTrains() throws Exception {
        Path debian = Path.of("/usr/share/datasets/fashion-mnist");
        String why = debian + " is absent: `sudo apt-get install dataset-fashion-mnist`";
        if ("true".equals(System.getenv("CI"))) {
            assertTrue(Files.isDirectory(debian), why);
        }
        assumeTrue(Files.isDirectory(debian), why);
        Path empty = Files.createDirectory(tmp.resolve("fm"));
        Run r = glyph("train", "--dataset", "fashion-mnist", "--data", empty.toString(), "--fetch", "--out",
                tmp.resolve("r").toString(), "--epochs", "1", "--limit", "64", "--threads", "2", "--device", "cpu");
        assertEquals(0, r.code(), r.err());
        for (String f : Datasets.FILES) {
            assertTrue(Files.isRegularFile(empty.resolve(f + ".gz")), f + ".gz was not fetched");
        }
        assertEquals("fashion-mnist", JSON.readTree(tmp.resolve("r/provenance.json").toFile()).at("/dataset/name")
                .asText());
    }

    @Test
    void resume_afterKill9_equalsUninterruptedRun() throws Exception {
        Path straight = tmp.resolve("straight");
        assertEquals(0, glyph(trainArgs(straight, "--epochs", "3").toArray(String[]::new)).code());

        Path killed = tmp.resolve("killed");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(trainArgs(killed, "--epochs", "3"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("child.log").toFile()).start();
        Path metrics = killed.resolve("metrics.json");
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (System.nanoTime() < deadline && p.isAlive()
                && !(Files.exists(metrics) && JSON.readTree(metrics.toFile()).size() >= 1)) {
            Thread.sleep(20);
        }
        assertTrue(p.isAlive(), "the child finished before it could be killed: " + Files.readString(tmp.resolve("child.log")));
        p.destroyForcibly(); // SIGKILL
        p.waitFor(30, TimeUnit.SECONDS);
        int done = TrainedRun.open(killed).epochs();
        assertTrue(done >= 1 && done < 3, "checkpoint after kill holds epoch " + done);

        Run r = glyph(trainArgs(killed, "--epochs", "3", "--resume").toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        assertEquals(TrainedRun.open(straight).weights(), TrainedRun.open(killed).weights());
        JsonNode a = JSON.readTree(straight.resolve("metrics.json").toFile());
        JsonNode b = JSON.readTree(killed.resolve("metrics.json").toFile());
        assertEquals(3, b.size());
        for (int i = 0; i < 3; i++) {
            assertEquals(a.get(i).get("val_loss").asDouble(), b.get(i).get("val_loss").asDouble(), 0.0);
            assertEquals(a.get(i).get("train_loss").asDouble(), b.get(i).get("train_loss").asDouble(), 0.0);
        }
        try (var s = Files.list(killed.resolve("checkpoint"))) {
            assertEquals(List.of("last.ckpt"), s.map(f -> f.getFileName().toString()).toList());
        }
    }

    @Test
    void fetch_existingMnistFolder_verifiesAndPrintsHashes() {
        Run r = glyph("fetch", "--dir", DATA.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"), r.out());
    }

    @Test
    void help_everyCommand_exitsZero() {
        for (String c : List.of("fetch", "train", "export", "verify", "classify", "serve", "bench")) {
            Run r = glyph(c, "--help");
            assertEquals(0, r.code(), c + ": " + r.err());
            assertTrue(r.out().contains("Usage: glyph " + c), r.out());
        }
    }
}
