package dev.glyph.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glyph.datasets.Datasets;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Training with augmentation and a held-out slice through the real PyTorch engine (CPU, 2 threads). */
class AugmentedTrainingTest {

    static final String STRONG = "rotate=15,scale=0.15,shear=10,translate=3,elastic=34:4:0.5,stroke=0.4,blur=0.2,"
            + "contrast=0.3";

    @TempDir
    Path tmp;

    @BeforeAll
    static void data() throws Exception {
        Datasets.ensure("mnist", TrainerTest.DATA);
    }

    private static TrainConfig.Builder cfg(Path out) {
        return TrainerTest.cfg(out).limit(768).holdout(128).augment(Augmentation.parse(STRONG));
    }

    @Test
    void train_augmentedSameSeedTwice_bitIdenticalAndTheTemperatureIsRecorded() throws Exception {
        TrainResult a = TrainerTest.train(cfg(tmp.resolve("a")).build());
        TrainResult b = TrainerTest.train(cfg(tmp.resolve("b")).build());
        assertEquals(a.weights(), b.weights());
        TrainerTest.assertSameMetricsIgnoringTime(a.metrics(), b.metrics());
        TrainResult plain = TrainerTest.train(cfg(tmp.resolve("c")).augment(Augmentation.NONE).build());
        assertNotEquals(a.weights(), plain.weights(), "augmentation must change what the model sees");

        JsonNode p = new ObjectMapper().readTree(Files.readString(tmp.resolve("a").resolve("provenance.json")));
        assertEquals(640, p.path("dataset").path("train_images").asInt(), "768 images minus 128 held out");
        JsonNode t = p.path("temperature_scaling");
        assertEquals(128, t.path("held_out").asInt());
        double temperature = t.path("temperature").asDouble();
        assertTrue(temperature > 0.05 && temperature < 20, "temperature " + temperature);
        assertTrue(t.path("nll_held_out_after").asDouble() <= t.path("nll_held_out_before").asDouble(),
                "the fit minimises the held-out NLL: " + t);
        assertEquals(64, t.path("held_out_sha256").asText().length());
        assertEquals(t.path("held_out_sha256").asText(), new ObjectMapper().readTree(Files.readString(
                tmp.resolve("c").resolve("provenance.json"))).path("temperature_scaling").path("held_out_sha256").asText(),
                "the held-out images depend on the seed only");
        assertTrue(p.path("ece_test").path("percent").asDouble() >= 0);
        assertEquals(STRONG, p.path("config").path("augment").asText());
        assertEquals("reference/1", p.path("config").path("recipe").asText());
        // samples.png pairs 16 originals with their augmented forms: 32 captioned cells
        BufferedImage png = ImageIO.read(tmp.resolve("a").resolve("samples.png").toFile());
        assertTrue(png.getWidth() > 0 && png.getHeight() > 0);
    }

    @Test
    void resume_augmentedWithHoldout_equalsStraightRun() throws Exception {
        TrainResult straight = TrainerTest.train(cfg(tmp.resolve("s")).epochs(2).build());
        TrainerTest.train(cfg(tmp.resolve("r")).epochs(1).build());
        TrainResult resumed = TrainerTest.train(cfg(tmp.resolve("r")).epochs(2).resume(true).build());
        assertEquals(straight.weights(), resumed.weights());
        TrainerTest.assertSameMetricsIgnoringTime(straight.metrics(), resumed.metrics());
        // resuming with another augmentation would silently change the run: refused, naming the option
        TrainingException e = assertThrows(TrainingException.class, () -> TrainerTest.train(
                cfg(tmp.resolve("r")).augment(Augmentation.parse("rotate=5")).epochs(3).resume(true).build()));
        assertTrue(e.getMessage().contains("augment"), e.getMessage());
        TrainingException off = assertThrows(TrainingException.class, () -> TrainerTest.train(
                cfg(tmp.resolve("r")).augment(Augmentation.NONE).epochs(3).resume(true).build()));
        assertTrue(off.getMessage().contains("augment=" + STRONG) && off.getMessage().contains("default"),
                off.getMessage());
    }

    @Test
    void holdout_largerThanTheTrainingSet_refusedWithTheCounts() {
        TrainingException e = assertThrows(TrainingException.class,
                () -> TrainerTest.train(TrainerTest.cfg(tmp.resolve("h")).limit(100).holdout(100).build()));
        assertTrue(e.getMessage().contains("--holdout 100") && e.getMessage().contains("100 images"), e.getMessage());
    }
}
