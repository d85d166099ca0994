package dev.glyph.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class RecipeTest {

    private static TrainConfig.Builder b() {
        return TrainConfig.builder(Path.of("d"), Path.of("o"));
    }

    @Test
    void reference_equalsTheTutorialDefaults() {
        TrainConfig plain = b().build();
        TrainConfig ref = b().recipe(Recipe.REFERENCE).build();
        assertEquals(plain, ref);
        assertEquals(2, ref.epochs());
        assertEquals(32, ref.batchSize());
        assertEquals(0.01, ref.lr());
        assertEquals(OptimizerKind.SGD, ref.optimizer());
        assertEquals(Augmentation.NONE, ref.augment());
        assertEquals(0, ref.holdout());
    }

    @Test
    void recipe_explicitOptionAfterIt_overridesOnlyThatOption() {
        TrainConfig best = b().recipe(Recipe.BEST).build();
        TrainConfig over = b().recipe(Recipe.BEST).epochs(3).build();
        assertEquals(3, over.epochs());
        assertEquals(best.lr(), over.lr());
        assertEquals(best.augment(), over.augment());
        assertEquals(Recipe.BEST, over.recipe());
        assertEquals("best/1", over.toMap().get("recipe"));
    }

    @Test
    void robust_augmentsMoreThanBest() {
        Augmentation best = b().recipe(Recipe.BEST).build().augment();
        Augmentation robust = b().recipe(Recipe.ROBUST).build().augment();
        assertTrue(robust.rotation() > best.rotation());
        assertTrue(robust.elastic() && !best.elastic());
        assertTrue(Recipe.ROBUST.settings().containsKey("augment"));
    }

    @Test
    void parse_unknownName_listsTheRecipes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Recipe.parse("fast"));
        assertEquals("--recipe must be one of reference, best, robust, found 'fast'", e.getMessage());
        assertEquals(Recipe.ROBUST, Recipe.parse(" Robust "));
    }
}
