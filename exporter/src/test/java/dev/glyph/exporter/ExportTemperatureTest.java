package dev.glyph.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glyph.modelformat.Manifest;
import dev.glyph.modelformat.ManifestFile;
import dev.glyph.modelformat.ModelFolder;
import dev.glyph.modelformat.TemperatureScaling;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The run's provenance {@code temperature_scaling} reaches the exported and the optimised manifest. */
class ExportTemperatureTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TemperatureScaling TS = new TemperatureScaling(1.6, "temperature", 64, "cd".repeat(32),
            0.41, 0.37, 3.2, 1.1);

    @TempDir
    Path tmp;

    /** Copies the shared run and adds {@code member} (raw JSON) as provenance.json's temperature_scaling. */
    private Path runWith(String member) throws Exception {
        Path src = ExportFixtures.run();
        Path dst = tmp.resolve("runs").resolve("calibrated");
        try (Stream<Path> all = Files.walk(src)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Path q = dst.resolve(src.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(q);
                } else {
                    Files.copy(p, q);
                }
            }
        }
        ObjectNode prov = (ObjectNode) JSON.readTree(Files.readString(dst.resolve("provenance.json")));
        prov.set("temperature_scaling", JSON.readTree(member));
        Files.writeString(dst.resolve("provenance.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(prov));
        return dst;
    }

    @Test
    void export_provenanceWithTemperatureScaling_copiesItIntoTheManifestAndOptimizeCarriesIt() throws Exception {
        Path run = runWith(JSON.writeValueAsString(TS));
        Path v1 = tmp.resolve("models").resolve("mnist").resolve("1");
        Exporter.export(run, v1, ExportOptions.defaults().withDataDir(ExportFixtures.DATA).withParityImages(100));
        Manifest m = ManifestFile.read(v1).manifest();
        assertEquals(TS, m.temperatureScaling());
        assertEquals(1.6, m.temperatureOrDefault());
        assertTrue(Files.readString(v1.resolve(ModelFolder.MANIFEST)).contains("\"temperature_scaling\": {"));

        Path v2 = tmp.resolve("models").resolve("mnist").resolve("2");
        Optimizer.optimize(v1, v2, OptimizeFixtures.options().precision(Precision.FP16).build());
        Manifest opt = ManifestFile.read(v2).manifest();
        assertEquals("fp16", opt.precision());
        assertEquals(TS, opt.temperatureScaling(), "glyph optimize carries the source's temperature");
    }

    @Test
    void export_runWithoutTemperatureScaling_manifestHasNone() throws Exception {
        Manifest m = ManifestFile.read(ExportFixtures.model()).manifest();
        assertNull(m.temperatureScaling());
        assertEquals(1.0, m.temperatureOrDefault());
        assertFalse(Files.readString(ExportFixtures.model().resolve(ModelFolder.MANIFEST)).contains("temperature_scaling"));
    }

    @Test
    void export_malformedTemperatureScaling_refusedNamingTheRunAndValueAndWritesNothing() throws Exception {
        Path run = runWith("{\"temperature\": -2, \"held_out\": 64, \"nll_held_out_before\": 0.4, "
                + "\"nll_held_out_after\": 0.3}");
        Path out = tmp.resolve("models").resolve("mnist").resolve("3");
        ExportException e = assertThrows(ExportException.class, () -> Exporter.export(run, out,
                ExportOptions.defaults().withDataDir(ExportFixtures.DATA).withParityImages(100)));
        assertTrue(e.getMessage().contains(run.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("temperature_scaling.temperature is -2; expected a number in [0.05, 20.0]"),
                e.getMessage());
        assertFalse(Files.exists(out), "nothing was written");
    }
}
