package dev.glyph.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glyph.testfixtures.TestModels;
import dev.glyph.testtools.OutsideTools;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class EvaluateCommandTest {

    @TempDir
    static Path tmp;
    static Path model;
    static Path folder;

    @BeforeAll
    static void setUp() throws Exception {
        model = TestModels.folder(tmp.resolve("models/mnist/1"), 3);
        folder = tmp.resolve("digits");
        for (int d = 0; d < 10; d++) {
            int k = d;
            Files.createDirectories(folder.resolve(String.valueOf(d)));
            ClassifyCommandTest.inkPng(folder.resolve(d + "/a.png"), 40, 50, 4,
                    g -> g.drawLine(20, 5, 12 + 2 * k, 45));
        }
        Files.write(folder.resolve("5/broken.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 0});
    }

    record Run(int code, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new EvaluateCommand());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void call_imagesAndFonts_printsTableAndWritesFiles() throws Exception {
        OutsideTools.requireData(Path.of("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
                "sudo apt-get install fonts-dejavu-core");
        Path out = tmp.resolve("eval");
        Run r = run("--model", model.toString(), "--images", folder.toString(), "--suite", "fonts",
                "--fonts-per-digit", "2", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("images") && r.out().contains("fonts"), r.out());
        assertTrue(r.out().contains("broken.png"), r.out());
        for (String f : new String[] {"report.json", "confusion.csv", "confusion.txt", "errors.png",
            "images-confusion.csv", "fonts-errors.png"}) {
            assertTrue(Files.isRegularFile(out.resolve(f)), f);
        }
        JsonNode json = new ObjectMapper().readTree(out.resolve("report.json").toFile());
        assertEquals(10, json.path("images").path("count").asInt());
        assertEquals(1, json.path("images").path("rejected").size());
        assertEquals(20, json.path("fonts").path("count").asInt());
        assertNotNull(ImageIO.read(out.resolve("errors.png").toFile()));
    }

    @Test
    void call_json_printsReport() throws Exception {
        Run r = run("--model", model.toString(), "--images", folder.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertEquals(10, json.path("images").path("confusion").size());
        assertTrue(json.path("fonts").isMissingNode());
    }

    @Test
    void call_shiftsOnMnist_printsCurves() {
        Path mnist = OutsideTools.requireMnist(Path.of("../data/mnist"));
        Run r = run("--model", model.toString(), "--suite", "shifts", "--data", mnist.toString(), "--limit", "30",
                "--corruptions", "rotation,noise");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("rotation") && r.out().contains("noise")
                && r.out().contains("mean corruption error"), r.out());
    }

    @Test
    void call_shiftsWithMissingDataFolder_exits1AndFetchesNothing() {
        Path typo = tmp.resolve("mnsit");
        Run r = run("--model", model.toString(), "--suite", "shifts", "--data", typo.toString());
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("no mnist data at " + typo) && r.err().contains("./glyph fetch"), r.err());
        assertFalse(Files.exists(typo), "a mistyped --data folder is reported, never created and filled");
    }

    @Test
    void call_badFolder_exits1WithOneLine() throws Exception {
        Path bad = tmp.resolve("bad");
        Files.createDirectories(bad.resolve("cats"));
        Files.writeString(bad.resolve("cats/x.png"), "x");
        Run r = run("--model", model.toString(), "--images", bad.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("glyph evaluate: ") && r.err().contains("cats"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    @Test
    void call_missingModel_exits1() {
        Run r = run("--model", tmp.resolve("nope").toString(), "--images", folder.toString());
        assertEquals(1, r.code(), r.err());
    }

    @Test
    void call_usageErrors_exit2() {
        assertEquals(2, run("--model", model.toString(), "--suite", "clouds").code());
        assertEquals(2, run("--model", model.toString(), "--corruptions", "fog").code());
        assertEquals(2, run("--model", model.toString(), "--suite", "none").code());
        assertEquals(2, run("--images", folder.toString()).code());
        assertEquals(2, run("--model", model.toString(), "--fonts-per-digit", "0").code());
    }
}
