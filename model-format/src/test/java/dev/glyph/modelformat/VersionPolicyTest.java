package dev.glyph.modelformat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glyph.modelformat.triton.ModelConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VersionPolicyTest {

    @TempDir
    Path tmp;

    private static final List<Long> AVAILABLE = List.of(3L, 1L, 10L, 2L);

    private static VersionPolicy parsed(String policy) {
        return VersionPolicy.of(TritonConfig.parseStrict("name: \"m\"\n" + policy));
    }

    @Test
    void select_latest_takesTheHighestNumbers() {
        assertEquals(Set.of(10L), VersionPolicy.latest(1).select(AVAILABLE));
        assertEquals(Set.of(3L, 10L), VersionPolicy.latest(2).select(AVAILABLE));
        assertEquals(Set.of(1L, 2L, 3L, 10L), VersionPolicy.latest(9).select(AVAILABLE));
        assertEquals(Set.of(), VersionPolicy.latest(1).select(List.of()));
    }

    @Test
    void select_allAndSpecific_takeEveryOrTheListedAvailableOnes() {
        assertEquals(Set.of(1L, 2L, 3L, 10L), VersionPolicy.all().select(AVAILABLE));
        assertEquals(Set.of(1L, 3L), VersionPolicy.specific(List.of(3L, 1L, 7L)).select(AVAILABLE),
                "a listed version that is not there is left out");
    }

    @Test
    void select_badAvailable_throwsIllegalArgument() {
        assertThrows(IllegalArgumentException.class, () -> VersionPolicy.all().select(List.of(0L, 2L)));
        assertThrows(IllegalArgumentException.class, () -> VersionPolicy.all().select(Arrays.asList(1L, null)));
    }

    @Test
    void factories_badArguments_throwIllegalArgument() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> VersionPolicy.latest(0)).getMessage()
                .contains("num_versions is 0"));
        assertThrows(IllegalArgumentException.class, () -> VersionPolicy.specific(List.of()));
        assertThrows(IllegalArgumentException.class, () -> VersionPolicy.specific(List.of(0L)));
        assertThrows(IllegalArgumentException.class, () -> VersionPolicy.specific(Arrays.asList(1L, null)));
    }

    @Test
    void toString_eachKind_isReadable() {
        assertEquals("latest 1", VersionPolicy.latest(1).toString());
        assertEquals("all", VersionPolicy.all().toString());
        assertEquals("specific [1, 3]", VersionPolicy.specific(List.of(3L, 1L)).toString());
    }

    @Test
    void of_eachPolicyOfAConfig_readsItAndDefaultsToLatestOne() {
        assertEquals(VersionPolicy.latest(1), VersionPolicy.of(ModelConfig.getDefaultInstance()));
        assertEquals(VersionPolicy.latest(1), parsed("version_policy { }"));
        assertEquals(VersionPolicy.latest(3), parsed("version_policy { latest { num_versions: 3 } }"));
        assertEquals(VersionPolicy.all(), parsed("version_policy { all { } }"));
        assertEquals(VersionPolicy.specific(List.of(1L, 3L)), parsed("version_policy { specific { versions: [3, 1] } }"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> parsed("version_policy { latest { } }"));
        assertTrue(e.getMessage().contains("num_versions is 0"), e.getMessage());
    }

    @Test
    void toProto_eachKind_roundTripsThroughAConfig() {
        for (VersionPolicy p : List.of(VersionPolicy.latest(2), VersionPolicy.all(),
                VersionPolicy.specific(List.of(4L, 5L)))) {
            ModelConfig c = ModelConfig.newBuilder().setName("m").setVersionPolicy(p.toProto()).build();
            assertEquals(p, VersionPolicy.of(TritonConfig.parseStrict(TritonConfig.toText(c))));
        }
    }

    @Test
    void readFor_noConfig_isLatestOne() throws Exception {
        assertEquals(VersionPolicy.latest(1), VersionPolicy.readFor(tmp));
    }

    @Test
    void readFor_config_readsItsPolicy() throws Exception {
        Files.writeString(tmp.resolve("config.pbtxt"), "name: \"mnist\"\nversion_policy: { all: {} }\n");
        assertEquals(VersionPolicy.all(), VersionPolicy.readFor(tmp));
    }

    @Test
    void readFor_brokenConfigOrPolicy_throwsInsteadOfDefaulting() throws Exception {
        Path file = Files.writeString(tmp.resolve("config.pbtxt"), "name: \"mnist\"\nversion_policy { all }\n");
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> VersionPolicy.readFor(tmp));
        assertTrue(e.getMessage().startsWith(file + ":2:"), e.getMessage());
        Files.writeString(file, "version_policy { specific { } }\n");
        e = assertThrows(ModelFormatException.class, () -> VersionPolicy.readFor(tmp));
        assertTrue(e.getMessage().contains(file + ": specific versions is empty"), e.getMessage());
    }
}
