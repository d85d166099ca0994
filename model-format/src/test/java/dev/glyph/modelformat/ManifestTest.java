package dev.glyph.modelformat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ManifestTest {

    @TempDir
    Path tmp;

    static final byte[] ONNX = "pretend onnx bytes".getBytes(StandardCharsets.UTF_8);

    static Manifest sample() throws Exception {
        ObjectMapper json = new ObjectMapper();
        return Manifest.builder().identity("mnist", "1").created("2026-11-27T15:00:00Z")
                .producer("glyph", "0.1.0-SNAPSHOT").file(ModelFolder.ONNX, FileDigest.of(ONNX))
                .input(new TensorSpec("image", "float32", new long[] {-1, 1, 28, 28}, "NCHW", new double[] {0, 1},
                        "pixel/255, 0 = background"))
                .output(TensorSpec.of("log_probs", "float32", -1, 10)).output(TensorSpec.of("probs", "float32", -1, 10))
                .labels(Manifest.labelsFor("mnist")).dataset("mnist").onnx(8, 17)
                .torchscript(new Manifest.TorchScriptInfo(3, "log_probs", List.of("provenance.json")))
                .sourceRun("runs/first", 2).provenance(json.readTree("{\"seed\": 7, \"dataset\": {\"name\": \"mnist\"}}"))
                .accuracy("trained", 98.91, 10000).accuracy("onnx", 98.9, 1000)
                .parity(json.readTree("{\"passed\": true}")).selfTest(selfTest()).build();
    }

    /** Two cases: a blank image and a ramp, with made-up log-probabilities. */
    static SelfTest selfTest() {
        byte[] ramp = new byte[SelfTest.PIXELS];
        for (int i = 0; i < ramp.length; i++) {
            ramp[i] = (byte) (i % 256);
        }
        float[] a = new float[10];
        float[] b = new float[10];
        for (int k = 0; k < 10; k++) {
            a[k] = -2.3025851f + k * 1e-7f;
            b[k] = -k * 1.337f - 0.0001234f;
        }
        return new SelfTest(1e-4, List.of(new SelfTest.Case(new byte[SelfTest.PIXELS], a), new SelfTest.Case(ramp, b)));
    }

    private Path folder(String name, String manifestText) throws Exception {
        Path d = Files.createDirectories(tmp.resolve(name));
        Files.write(d.resolve(ModelFolder.ONNX), ONNX);
        Files.writeString(d.resolve(ModelFolder.MANIFEST), manifestText);
        return d;
    }

    private static void assertMessage(Exception e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "message lacks '" + p + "': " + e.getMessage());
        }
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
    }

    @Test
    void write_thenRead_roundTripsEveryMember() throws Exception {
        Manifest m = sample();
        m.write(tmp);
        ManifestFile read = ManifestFile.read(tmp);
        assertEquals(m, read.manifest());
        assertEquals(tmp.resolve("manifest.json"), read.path());
        assertEquals(Files.readString(tmp.resolve("manifest.json")), read.text());
    }

    @Test
    void toJson_layout_membersInDocumentOrderAndShapesOnOneLine() throws Exception {
        String text = sample().toJson();
        List<String> order = List.of("\"format_version\"", "\"name\"", "\"version\"", "\"created\"", "\"producer\"",
                "\"files\"", "\"input\"", "\"outputs\"", "\"labels\"", "\"dataset\"", "\"onnx\"", "\"torchscript\"",
                "\"source_run\"", "\"provenance\"", "\"accuracy\"", "\"accuracy_images\"", "\"parity\"",
                "\"self_test\"");
        int last = -1;
        for (String k : order) {
            int at = text.indexOf(k);
            assertTrue(at > last, k + " out of order in\n" + text);
            last = at;
        }
        assertTrue(text.contains("\"shape\": [-1, 1, 28, 28]"), text);
        assertTrue(text.contains("\"value_range\": [0.0, 1.0]"), text);
        assertTrue(text.contains("\"self_test\": {"), text);
        assertTrue(text.contains("\"tolerance\": 1.0E-4"), text);
        assertTrue(text.contains("\"gray8_base64\": \"" + Base64.getEncoder().encodeToString(new byte[784]) + "\""), text);
        assertTrue(text.endsWith("}\n"));
        assertFalse(text.contains("\"layout\": null"), "absent members are not written");
    }

    @Test
    void write_int8Version_roundTripsPrecisionAndOptimization() throws Exception {
        ObjectMapper json = new ObjectMapper();
        Manifest m = Manifest.builder().identity("mnist", "2").file(ModelFolder.ONNX, FileDigest.of(ONNX))
                .input(TensorSpec.of("image", "float32", -1, 1, 28, 28)).output(TensorSpec.of("log_probs", "float32", -1, 10))
                .labels(Manifest.labelsFor("mnist")).precision("int8")
                .optimization(json.readTree("{\"source\": {\"version\": \"1\"}, \"calibration\": {\"images\": 1000}}"))
                .build();
        m.write(tmp);
        Manifest read = ManifestFile.read(tmp).manifest();
        assertEquals(m, read);
        assertEquals("int8", read.precisionOrDefault());
        assertEquals(1000, read.optimization().path("calibration").path("images").asInt());
        String text = Files.readString(tmp.resolve("manifest.json"));
        assertTrue(text.indexOf("\"precision\": \"int8\"") < text.indexOf("\"optimization\""), text);
    }

    static final TemperatureScaling TS = new TemperatureScaling(1.7, "temperature", 5000, "ab".repeat(32), 0.071,
            0.052, 2.31, 0.64);

    @Test
    void write_withTemperatureScaling_roundTripsItLastAndExactly() throws Exception {
        ObjectMapper json = new ObjectMapper();
        Manifest m = Manifest.builder().identity("mnist", "2").file(ModelFolder.ONNX, FileDigest.of(ONNX))
                .input(TensorSpec.of("image", "float32", -1, 1, 28, 28)).output(TensorSpec.of("log_probs", "float32", -1, 10))
                .labels(Manifest.labelsFor("mnist")).precision("int8")
                .optimization(json.readTree("{\"source\": {\"version\": \"1\"}}")).temperatureScaling(TS).build();
        m.write(tmp);
        Manifest read = ManifestFile.read(tmp).manifest();
        assertEquals(m, read);
        assertEquals(TS, read.temperatureScaling());
        assertEquals(1.7, read.temperatureOrDefault());
        String text = Files.readString(tmp.resolve("manifest.json"));
        assertTrue(text.indexOf("\"optimization\"") < text.indexOf("\"temperature_scaling\": {"), text);
        assertTrue(text.contains("\"held_out\": 5000"), text);
        assertTrue(text.contains("\"nll_held_out_after\": 0.052"), text);
        assertTrue(text.contains("\"ece_test_after\": 0.64"), text);
    }

    @Test
    void write_withoutTemperatureScaling_writesNoMemberAndReadsTemperatureOne() throws Exception {
        Manifest m = sample();
        assertNull(m.temperatureScaling());
        assertFalse(m.toJson().contains("temperature_scaling"), "absent members are not written");
        m.write(tmp);
        Manifest read = ManifestFile.read(tmp).manifest();
        assertEquals(m, read);
        assertNull(read.temperatureScaling());
        assertEquals(1.0, read.temperatureOrDefault());
    }

    @Test
    void read_temperatureScalingWithoutOptionalFigures_readsNulls() throws Exception {
        String text = sample().toJson().replaceFirst("\n}\n$", ",\n  \"temperature_scaling\": {\"temperature\": 2, "
                + "\"held_out\": 100, \"nll_held_out_before\": 0.3, \"nll_held_out_after\": 0.2, \"x\": 1}\n}\n");
        TemperatureScaling t = ManifestFile.read(folder("minimal-ts", text)).manifest().temperatureScaling();
        assertEquals(new TemperatureScaling(2, "temperature", 100, null, 0.3, 0.2, null, null), t);
    }

    @Test
    void read_badTemperature_namesTheFileTheValueAndTheRange() throws Exception {
        String good = sample().toJson();
        int i = 0;
        for (String bad : List.of("0", "-1.5", "\"NaN\"", "20.5", "null, \"t\": 1", "\"2\"")) {
            String text = good.replaceFirst("\n}\n$", ",\n  \"temperature_scaling\": {\"temperature\": " + bad
                    + ", \"held_out\": 100, \"nll_held_out_before\": 0.3, \"nll_held_out_after\": 0.2}\n}\n");
            Path d = folder("badt" + i++, text);
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> ManifestFile.read(d), bad);
            String found = bad.startsWith("null") ? "null" : bad.startsWith("\"")
                    ? "the string " + bad : bad.equals("0") ? "0" : bad;
            assertMessage(e, d.resolve("manifest.json").toString(), "temperature_scaling.temperature is " + found + ";",
                    "expected a number in [0.05, 20.0]");
        }
        Path d = folder("badmethod", good.replaceFirst("\n}\n$", ",\n  \"temperature_scaling\": {\"temperature\": 2, "
                + "\"method\": \"platt\", \"held_out\": 1, \"nll_held_out_before\": 0.3, \"nll_held_out_after\": 0.2}\n}\n"));
        assertMessage(assertThrows(ModelFormatException.class, () -> ManifestFile.read(d)),
                "temperature_scaling.method is the string \"platt\"", "expected \"temperature\"");
        Path d2 = folder("notobject", good.replaceFirst("\n}\n$", ",\n  \"temperature_scaling\": 2\n}\n"));
        assertMessage(assertThrows(ModelFormatException.class, () -> ManifestFile.read(d2)),
                "temperature_scaling is 2", "expected an object");
        assertThrows(IllegalArgumentException.class, () -> new TemperatureScaling(0, null, 1, null, 0, 0, null, null));
        assertThrows(IllegalArgumentException.class,
                () -> new TemperatureScaling(Double.NaN, null, 1, null, 0, 0, null, null));
    }

    @Test
    void read_unknownPrecision_namesTheMemberFoundAndExpected() throws Exception {
        String sha = Sha256.hex(ONNX);
        Path d = folder("prec", """
            {"format_version": 1, "name": "mnist", "version": "2", "precision": "int4",
             "files": {"model.onnx": {"sha256": "%s", "size": %d}},
             "input": {"name": "image", "dtype": "float32", "shape": [-1, 1, 28, 28]},
             "outputs": [{"name": "log_probs", "dtype": "float32", "shape": [-1, 10]}],
             "labels": ["0","1","2","3","4","5","6","7","8","9"]}
            """.formatted(sha, ONNX.length));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> ManifestFile.read(d));
        assertMessage(e, "precision is the string \"int4\"", "expected one of [fp32, int8, fp16]");
        assertThrows(IllegalArgumentException.class, () -> Manifest.builder().precision("int4"));
    }

    @Test
    void read_minimalManifest_optionalMembersAbsent() throws Exception {
        String sha = Sha256.hex(ONNX);
        Path d = folder("min", """
            {"format_version": 1, "name": "mnist", "version": 3,
             "files": {"model.onnx": {"sha256": "%s", "size": %d}},
             "input": {"name": "image", "dtype": "float32", "shape": [-1, 1, 28, 28]},
             "outputs": [{"name": "log_probs", "dtype": "float32", "shape": [-1, 10]}],
             "labels": ["0","1","2","3","4","5","6","7","8","9"], "unknown_member": {"x": 1}}
            """.formatted(sha, ONNX.length));
        Manifest m = ManifestFile.read(d).manifest();
        assertEquals("3", m.version(), "an integer version is read as text");
        assertNull(m.provenance());
        assertNull(m.selfTest(), "folders written before self tests have none");
        assertNull(m.precision());
        assertEquals("fp32", m.precisionOrDefault(), "folders written before optimize are fp32");
        assertNull(m.optimization());
        assertNull(m.dataset());
        assertEquals("mnist", m.datasetOrDefault());
        assertEquals(new FileDigest(sha, ONNX.length), m.files().get("model.onnx"));
        assertArrayEquals(new long[] {-1, 10}, m.output("log_probs").shape());
    }

    @Test
    void read_badJson_givesLineAndColumn() throws Exception {
        Path d = folder("badjson", "{\"format_version\": 1,\n \"name\": }");
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> ManifestFile.read(d));
        assertMessage(e, "manifest.json is not valid JSON", "line 2");
    }

    @Test
    void read_truncatedJson_saysNotValidJson() throws Exception {
        Path d = folder("trunc", "{\"format_version\": 1, \"files\": ");
        assertMessage(assertThrows(ModelFormatException.class, () -> ManifestFile.read(d)), "is not valid JSON");
    }

    @Test
    void read_notUtf8_saysSo() throws Exception {
        Path d = folder("latin1", "");
        Files.write(d.resolve("manifest.json"), new byte[] {'{', (byte) 0xff, '}'});
        assertMessage(assertThrows(ModelFormatException.class, () -> ManifestFile.read(d)), "not UTF-8");
    }

    @Test
    void read_missingFolderOrManifest_namesWhatIsMissing() throws Exception {
        assertMessage(assertThrows(ModelFormatException.class, () -> ManifestFile.read(tmp.resolve("nope/1"))),
                "nope", "does not exist", "manifest.json");
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        assertMessage(assertThrows(ModelFormatException.class, () -> ManifestFile.read(empty)), "has no manifest.json");
        Path file = Files.writeString(tmp.resolve("plain.txt"), "x");
        assertMessage(assertThrows(ModelFormatException.class, () -> ManifestFile.read(file)), "is a file");
    }

    @Test
    void read_wrongFormatVersion_saysFoundAndExpected() throws Exception {
        Path d = folder("fv2", sample().toJson().replace("\"format_version\": 1", "\"format_version\": 2"));
        assertMessage(assertThrows(ModelFormatException.class, () -> ManifestFile.read(d)), "format_version is 2",
                "expected format_version 1");
    }

    @Test
    void read_missingOrMistypedMember_namesMemberFoundAndExpected() throws Exception {
        String good = sample().toJson();
        Path d1 = folder("nolabels", good.replace("\"labels\"", "\"labelz\""));
        assertMessage(assertThrows(ModelFormatException.class, () -> ManifestFile.read(d1)), "labels is missing",
                "expected an array");
        Path d2 = folder("badshape", good.replace("[-1, 10]", "[-1, \"ten\"]"));
        assertMessage(assertThrows(ModelFormatException.class, () -> ManifestFile.read(d2)),
                "outputs[0].shape[1] is the string \"ten\"", "expected an integer >= -1");
        Path d3 = folder("badsha", good.replace(Sha256.hex(ONNX), "ABC"));
        assertMessage(assertThrows(ModelFormatException.class, () -> ManifestFile.read(d3)),
                "files.model.onnx.sha256 is \"ABC\"", "64 lowercase hex");
        Path d4 = folder("escape", good.replace("\"model.onnx\":", "\"../model.onnx\":"));
        assertMessage(assertThrows(ModelFormatException.class, () -> ManifestFile.read(d4)),
                "files lists \"../model.onnx\"", "plain file names");
        Path d5 = folder("array", "[1, 2]");
        assertMessage(assertThrows(ModelFormatException.class, () -> ManifestFile.read(d5)), "holds an array",
                "expected a JSON object");
    }

    @Test
    void read_selfTest_roundTripsExactFloatsAndBytes() throws Exception {
        Manifest m = sample();
        m.write(tmp);
        SelfTest read = ManifestFile.read(tmp).manifest().selfTest();
        assertEquals(m.selfTest(), read);
        assertArrayEquals(selfTest().cases().get(1).logProbs(), read.cases().get(1).logProbs());
        assertArrayEquals(selfTest().cases().get(1).gray8(), read.cases().get(1).gray8());
        assertEquals(1.0f, read.cases().get(1).pixels()[255]);
    }

    @Test
    void read_selfTestWithWrongSizes_namesTheMemberFoundAndExpected() throws Exception {
        String good = sample().toJson();
        String blank = Base64.getEncoder().encodeToString(new byte[784]);
        Path d1 = folder("short", good.replace(blank, Base64.getEncoder().encodeToString(new byte[783])));
        assertMessage(assertThrows(ModelFormatException.class, () -> ManifestFile.read(d1)),
                "self_test.images[0].gray8_base64 holds 783 bytes", "expected 784");
        String nine = good.replaceFirst("\"log_probs\": \\[[^,]*, ", "\"log_probs\": [");
        Path d2 = folder("nine", nine);
        assertMessage(assertThrows(ModelFormatException.class, () -> ManifestFile.read(d2)),
                "self_test.images[0].log_probs has 9 values", "expected 10");
        Path d3 = folder("notb64", good.replace(blank, "***"));
        assertMessage(assertThrows(ModelFormatException.class, () -> ManifestFile.read(d3)),
                "self_test.images[0].gray8_base64 is not base64");
        Path d4 = folder("huge", nine.replaceFirst("\"log_probs\": \\[", "\"log_probs\": [1e39, "));
        assertMessage(assertThrows(ModelFormatException.class, () -> ManifestFile.read(d4)),
                "self_test.images[0].log_probs[0] is 1.0E39", "expected a finite number");
        Path d5 = folder("str", nine.replaceFirst("\"log_probs\": \\[", "\"log_probs\": [\"x\", "));
        assertMessage(assertThrows(ModelFormatException.class, () -> ManifestFile.read(d5)),
                "self_test.images[0].log_probs[0] is the string \"x\"", "expected a finite number");
        Path d6 = folder("tol", good.replace("\"tolerance\": 1.0E-4", "\"tolerance\": -1"));
        assertMessage(assertThrows(ModelFormatException.class, () -> ManifestFile.read(d6)),
                "self_test.tolerance is -1", "expected a finite number >= 0");
    }

    @Test
    void selfTestCase_wrongSizes_throwIllegalArgument() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new SelfTest.Case(new byte[783], new float[10]))
                .getMessage().contains("783 bytes; expected 784"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new SelfTest.Case(new byte[784], new float[9]))
                .getMessage().contains("9 values; expected 10"));
        float[] inf = new float[10];
        inf[3] = Float.NEGATIVE_INFINITY;
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new SelfTest.Case(new byte[784], inf))
                .getMessage().contains("log_probs[3] is -Infinity"));
        assertThrows(IllegalArgumentException.class, () -> new SelfTest(1e-4, List.of()));
        assertThrows(IllegalArgumentException.class, () -> new SelfTest(Double.NaN, selfTest().cases()));
    }

    @Test
    void selfTestCase_maxAbsDiff_measuresTheLargestDifferenceAndNaNAsInfinite() {
        SelfTest.Case c = selfTest().cases().get(1);
        float[] got = c.logProbs();
        assertEquals(0.0, c.maxAbsDiff(got));
        got[7] += 0.5f;
        assertEquals(0.5, c.maxAbsDiff(got), 1e-6);
        got[2] = Float.NaN;
        assertEquals(Double.POSITIVE_INFINITY, c.maxAbsDiff(got));
    }

    @Test
    void builder_missingRequiredMember_throwsIllegalArgument() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Manifest.builder().identity("m", "1").build());
        assertTrue(e.getMessage().contains("input"), e.getMessage());
    }

    @Test
    void labelsFor_fashion_givesClassNames() {
        assertEquals("Ankle boot", Manifest.labelsFor("fashion-mnist").get(9));
        assertEquals("9", Manifest.labelsFor("mnist").get(9));
    }
}
