package dev.glyph.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glyph.testfixtures.TestModels;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ClassifyCommandTest {

    @TempDir
    static Path tmp;
    static Path model;
    static Path png;

    /** A model folder from seeded random weights, with a manifest per docs/model-folder.md. */
    static Path modelFolder(Path dir) throws Exception {
        return TestModels.folder(dir, 3);
    }

    @BeforeAll
    static void setUp() throws Exception {
        model = modelFolder(tmp.resolve("models/mnist/1"));
        png = inkPng(tmp.resolve("one.png"), 60, 80, 6, g -> g.drawLine(30, 10, 30, 70));
    }

    /** Writes a {@code w x h} PNG: black strokes {@code stroke} px wide, drawn by {@code ink}, on white. */
    static Path inkPng(Path file, int w, int h, int stroke, Consumer<Graphics2D> ink) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        g.setColor(Color.BLACK);
        g.setStroke(new BasicStroke(stroke));
        ink.accept(g);
        g.dispose();
        ImageIO.write(img, "png", file.toFile());
        return file;
    }

    record Run(int code, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new ClassifyCommand());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void call_imageFile_printsFileLabelConfidence() {
        Run r = run("--model", model.toString(), png.toString());
        assertEquals(0, r.code(), r.err());
        String[] cols = r.out().strip().split("\t");
        assertEquals(png.toString(), cols[0]);
        int label = Integer.parseInt(cols[1]);
        assertTrue(label >= 0 && label <= 9);
        double conf = Double.parseDouble(cols[2]);
        assertTrue(conf > 0 && conf <= 1);
    }

    @Test
    void call_modelWithTemperature_printsCalibratedConfidenceAndSameLabel() throws Exception {
        Path hot = TestModels.withTemperature(modelFolder(tmp.resolve("models/hot/1")), 2.0);
        Run plain = run("--model", model.toString(), png.toString());
        Run cal = run("--model", hot.toString(), png.toString());
        assertEquals(0, cal.code(), cal.err());
        String[] p = plain.out().strip().split("\t");
        String[] c = cal.out().strip().split("\t");
        assertEquals(p[1], c[1], "the label does not depend on the temperature");
        float[] probs;
        try (var sdk = dev.glyph.inferencesdk.DigitClassifier.open(hot)) {
            probs = sdk.classify(dev.glyph.inferencesdk.DigitImage.ofPng(Files.readAllBytes(png))).probabilitiesAt(2.0);
        }
        assertEquals(probs[Integer.parseInt(c[1])], Double.parseDouble(c[2]), 1e-4, "softmax(log_probs / 2)");
        assertTrue(Double.parseDouble(c[2]) <= Double.parseDouble(p[2]), "T = 2 never sharpens: " + p[2] + " vs " + c[2]);
    }

    @Test
    void call_jsonWithBadFile_printsGoodOnesAndExitsOne() throws Exception {
        Path bad = Files.writeString(tmp.resolve("bad.png"), "not an image");
        Run r = run("--model", model.toString(), "--json", png.toString(), bad.toString());
        assertEquals(1, r.code());
        assertTrue(r.out().startsWith("{\"file\":"), r.out());
        assertTrue(r.out().contains("\"label\":"), r.out());
        assertTrue(r.err().contains("bad.png"), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
    }

    @Test
    void call_missingModel_exitsOneWithOneLine() {
        Run r = run("--model", tmp.resolve("missing").toString(), png.toString());
        assertEquals(1, r.code());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("does not exist"), r.err());
    }

    @Test
    void call_neitherFilesNorMnist_isUsageError() {
        assertEquals(2, run("--model", model.toString()).code());
        assertEquals(2, run(png.toString()).code(), "--model is required for local classification");
        assertEquals(2, run("--model", model.toString(), "--device", "tpu", png.toString()).code());
    }

    @Test
    void call_mnistJson_printsPerImageLinesAndSummary() {
        Path data = ServerCommandsTest.mnist();
        Run r = run("--model", model.toString(), "--mnist", data.toString(), "--limit", "20", "--json");
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().strip().lines().toList();
        assertEquals(21, lines.size());
        assertTrue(lines.get(0).startsWith("{\"index\":0,\"label\":"), lines.get(0));
        assertTrue(lines.get(20).startsWith("{\"count\":20,\"accuracy\":"), lines.get(20));
    }
}
