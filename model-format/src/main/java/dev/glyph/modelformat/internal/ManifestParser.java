package dev.glyph.modelformat.internal;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.glyph.modelformat.FileDigest;
import dev.glyph.modelformat.Manifest;
import dev.glyph.modelformat.ManifestFile;
import dev.glyph.modelformat.ModelFolder;
import dev.glyph.modelformat.ModelFormatException;
import dev.glyph.modelformat.SelfTest;
import dev.glyph.modelformat.TemperatureScaling;
import dev.glyph.modelformat.TensorSpec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads manifest.json with Jackson and turns the tree into a {@link Manifest}, checking every member it needs.
 * Every message has the form {@code <file>: <member> is <what was found>; expected <what>}, on one line.
 *
 * <p>Thread-safety: stateless.
 */
public final class ManifestParser {

    private ManifestParser() {
    }

    /** Reads {@code dir/manifest.json}; see {@link ManifestFile#read}. */
    public static ManifestFile read(Path dir) throws ModelFormatException {
        if (!Files.exists(dir)) {
            throw new ModelFormatException("model folder " + dir + " does not exist; expected a folder with "
                    + ModelFolder.MANIFEST + " and " + ModelFolder.ONNX + " written by `./glyph export` (e.g. "
                    + "models/mnist/1)", null);
        }
        if (!Files.isDirectory(dir)) {
            throw new ModelFormatException(dir + " is a file, not a model folder; expected a folder with "
                    + ModelFolder.MANIFEST + " and " + ModelFolder.ONNX, null);
        }
        Path file = dir.resolve(ModelFolder.MANIFEST);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ModelFormatException("model folder " + dir + " has no " + ModelFolder.MANIFEST
                    + "; expected the manifest written by `./glyph export`", null);
        } catch (IOException e) {
            throw new ModelFormatException("cannot read " + file + ": " + e.getMessage(), e);
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new ModelFormatException(file + " is not UTF-8 text; expected a JSON manifest", null);
        }
        return new ManifestFile(file, text, parse(file.toString(), text));
    }

    /** Parses manifest text; {@code where} names the source in messages. */
    public static Manifest parse(String where, String text) throws ModelFormatException {
        JsonNode root;
        try {
            root = ManifestJson.MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            JsonLocation loc = e.getLocation();
            String at = loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
            throw new ModelFormatException(where + " is not valid JSON: "
                    + String.valueOf(e.getOriginalMessage()).replaceAll("\\s+", " ") + at, null);
        }
        Fields f = new Fields(where);
        if (root == null || root.isMissingNode() || !root.isObject()) {
            throw new ModelFormatException(where + " holds " + kind(root) + "; expected a JSON object (a manifest)", null);
        }
        JsonNode fv = root.get("format_version");
        if (fv == null || !fv.canConvertToInt() || !fv.isIntegralNumber() || fv.asInt() != Manifest.FORMAT_VERSION) {
            throw new ModelFormatException(where + ": format_version is " + kind(fv) + "; expected format_version "
                    + Manifest.FORMAT_VERSION + " (the only one this Glyph reads)", null);
        }
        String name = f.string(root, "name", "name");
        String version = f.version(root);
        Manifest.Producer producer = null;
        JsonNode p = objectOrNull(root, "producer");
        if (p != null) {
            producer = new Manifest.Producer(p.path("name").asText(""), p.path("version").asText(""));
        }
        Map<String, FileDigest> files = files(f, root);
        TensorSpec input = f.tensor(f.object(root, "input", "input"), "input");
        JsonNode outs = f.array(root, "outputs", "outputs");
        List<TensorSpec> outputs = new ArrayList<>();
        for (int i = 0; i < outs.size(); i++) {
            String path = "outputs[" + i + "]";
            if (!outs.get(i).isObject()) {
                throw f.wrong(path, outs.get(i), "an object with name, dtype and shape");
            }
            outputs.add(f.tensor(outs.get(i), path));
        }
        List<String> labels = new ArrayList<>();
        JsonNode labelArr = f.array(root, "labels", "labels");
        for (int i = 0; i < labelArr.size(); i++) {
            if (!labelArr.get(i).isTextual()) {
                throw f.wrong("labels[" + i + "]", labelArr.get(i), "a string");
            }
            labels.add(labelArr.get(i).asText());
        }
        Manifest.OnnxInfo onnx = null;
        JsonNode o = objectOrNull(root, "onnx");
        if (o != null) {
            onnx = new Manifest.OnnxInfo(o.path("ir_version").asLong(0), o.path("opset").asLong(0));
        }
        Manifest.TorchScriptInfo ts = null;
        JsonNode t = objectOrNull(root, "torchscript");
        if (t != null) {
            List<String> extra = null;
            JsonNode ef = arrayOrNull(t, "extra_files");
            if (ef != null) {
                extra = new ArrayList<>();
                for (JsonNode e : ef) {
                    extra.add(e.asText());
                }
            }
            ts = new Manifest.TorchScriptInfo(t.path("file_format_version").asLong(0),
                    t.hasNonNull("output") ? t.get("output").asText() : null, extra);
        }
        Manifest.SourceRun src = null;
        JsonNode s = objectOrNull(root, "source_run");
        if (s != null) {
            src = new Manifest.SourceRun(s.path("dir").asText(""), s.path("epochs").asInt(0));
        }
        Map<String, Double> accuracy = new LinkedHashMap<>();
        Map<String, Integer> accuracyImages = new LinkedHashMap<>();
        root.path("accuracy").fields().forEachRemaining(e -> {
            if (e.getValue().isNumber()) {
                accuracy.put(e.getKey(), e.getValue().asDouble());
            }
        });
        root.path("accuracy_images").fields().forEachRemaining(e -> {
            if (e.getValue().canConvertToInt()) {
                accuracyImages.put(e.getKey(), e.getValue().asInt());
            }
        });
        JsonNode prov = root.get("provenance");
        JsonNode parity = root.get("parity");
        String dataset = root.hasNonNull("dataset") ? root.get("dataset").asText() : null;
        SelfTest selfTest = root.hasNonNull("self_test") ? selfTest(f, root.get("self_test")) : null;
        String precision = null;
        if (root.hasNonNull("precision")) {
            JsonNode pr = root.get("precision");
            if (!pr.isTextual() || !Manifest.PRECISIONS.contains(pr.asText())) {
                throw f.wrong("precision", pr, "one of " + Manifest.PRECISIONS);
            }
            precision = pr.asText();
        }
        JsonNode optimization = root.get("optimization");
        if (optimization != null && !optimization.isNull() && !optimization.isObject()) {
            throw f.wrong("optimization", optimization, "an object");
        }
        TemperatureScaling temperatureScaling = null;
        if (root.hasNonNull("temperature_scaling")) {
            try {
                temperatureScaling = TemperatureScaling.fromJson(root.get("temperature_scaling"));
            } catch (IllegalArgumentException e) {
                throw new ModelFormatException(where + ": " + e.getMessage(), null);
            }
        }
        return new Manifest(Manifest.FORMAT_VERSION, name, version,
                root.hasNonNull("created") ? root.get("created").asText() : null, producer, files, input, outputs,
                labels, dataset, onnx, ts, src, prov == null || prov.isNull() ? null : prov, accuracy, accuracyImages,
                parity == null || parity.isNull() ? null : parity, selfTest, precision,
                optimization == null || optimization.isNull() ? null : optimization, temperatureScaling);
    }

    /** Reads {@code self_test}: a finite tolerance >= 0 and images of 784 base64 bytes with 10 finite log-probs. */
    private static SelfTest selfTest(Fields f, JsonNode node) throws ModelFormatException {
        if (!node.isObject()) {
            throw f.wrong("self_test", node, "an object with tolerance and images");
        }
        JsonNode tol = f.get(node, "tolerance", "self_test.tolerance", "a number >= 0");
        if (!tol.isNumber() || !(tol.asDouble() >= 0) || Double.isInfinite(tol.asDouble())) {
            throw f.wrong("self_test.tolerance", tol, "a finite number >= 0");
        }
        JsonNode images = f.array(node, "images", "self_test.images");
        if (images.isEmpty()) {
            throw new ModelFormatException(f.where + ": self_test.images is []; expected at least one image", null);
        }
        List<SelfTest.Case> cases = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            String path = "self_test.images[" + i + "]";
            JsonNode img = images.get(i);
            if (!img.isObject()) {
                throw f.wrong(path, img, "an object with gray8_base64 and log_probs");
            }
            String b64 = f.string(img, "gray8_base64", path + ".gray8_base64");
            byte[] gray8;
            try {
                gray8 = Base64.getDecoder().decode(b64);
            } catch (IllegalArgumentException e) {
                throw new ModelFormatException(f.where + ": " + path + ".gray8_base64 is not base64 ("
                        + e.getMessage() + "); expected " + SelfTest.PIXELS + " bytes in standard base64", null);
            }
            if (gray8.length != SelfTest.PIXELS) {
                throw new ModelFormatException(f.where + ": " + path + ".gray8_base64 holds " + gray8.length
                        + " bytes; expected " + SelfTest.PIXELS + " (a 28x28 gray8 image)", null);
            }
            JsonNode lp = f.array(img, "log_probs", path + ".log_probs");
            if (lp.size() != SelfTest.CLASSES) {
                throw new ModelFormatException(f.where + ": " + path + ".log_probs has " + lp.size()
                        + " values; expected " + SelfTest.CLASSES + " (one log-probability per class)", null);
            }
            float[] logProbs = new float[SelfTest.CLASSES];
            for (int k = 0; k < logProbs.length; k++) {
                JsonNode v = lp.get(k);
                if (!v.isNumber() || !Float.isFinite((float) v.asDouble())) {
                    throw f.wrong(path + ".log_probs[" + k + "]", v, "a finite number");
                }
                logProbs[k] = (float) v.asDouble();
            }
            cases.add(new SelfTest.Case(gray8, logProbs));
        }
        return new SelfTest(tol.asDouble(), cases);
    }

    private static Map<String, FileDigest> files(Fields f, JsonNode root) throws ModelFormatException {
        JsonNode filesNode = f.object(root, "files", "files");
        if (filesNode.isEmpty()) {
            throw new ModelFormatException(f.where + ": files is {}; expected an object listing "
                    + ModelFolder.ONNX + " (and " + ModelFolder.TORCHSCRIPT + ") with sha256 and size", null);
        }
        Map<String, FileDigest> files = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = filesNode.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String fname = e.getKey();
            String path = "files." + fname;
            if (fname.isEmpty() || fname.contains("/") || fname.contains("\\") || fname.startsWith(".")) {
                throw new ModelFormatException(f.where + ": files lists \"" + fname
                        + "\"; expected plain file names inside the model folder", null);
            }
            if (!e.getValue().isObject()) {
                throw f.wrong(path, e.getValue(), "an object {\"sha256\": \"<64 lowercase hex>\", \"size\": <bytes>}");
            }
            String sha = f.string(e.getValue(), "sha256", path + ".sha256");
            if (!sha.matches("[0-9a-f]{64}")) {
                throw new ModelFormatException(f.where + ": " + path + ".sha256 is \"" + sha
                        + "\"; expected 64 lowercase hex digits", null);
            }
            long size = f.integer(e.getValue(), "size", path + ".size");
            if (size < 0) {
                throw new ModelFormatException(f.where + ": " + path + ".size is " + size + "; expected >= 0", null);
            }
            files.put(fname, new FileDigest(sha, size));
        }
        return files;
    }

    private static JsonNode objectOrNull(JsonNode m, String key) {
        JsonNode v = m.get(key);
        return v != null && v.isObject() ? v : null;
    }

    private static JsonNode arrayOrNull(JsonNode m, String key) {
        JsonNode v = m.get(key);
        return v != null && v.isArray() ? v : null;
    }

    /** Describes a JSON value for a message. */
    static String kind(JsonNode v) {
        if (v == null || v.isMissingNode()) {
            return "missing";
        }
        if (v.isObject()) {
            return "an object";
        }
        if (v.isArray()) {
            return "an array";
        }
        if (v.isTextual()) {
            String s = v.asText();
            return "the string \"" + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "\"";
        }
        return v.toString();
    }

    /** Typed member access with uniform messages. */
    private record Fields(String where) {

        ModelFormatException missing(String path, String expected) {
            return new ModelFormatException(where + ": " + path + " is missing; expected " + expected, null);
        }

        ModelFormatException wrong(String path, JsonNode found, String expected) {
            return new ModelFormatException(where + ": " + path + " is " + kind(found) + "; expected " + expected, null);
        }

        JsonNode get(JsonNode m, String key, String path, String expected) throws ModelFormatException {
            JsonNode v = m.get(key);
            if (v == null || v.isNull()) {
                throw missing(path, expected);
            }
            return v;
        }

        String string(JsonNode m, String key, String path) throws ModelFormatException {
            JsonNode v = get(m, key, path, "a string");
            if (!v.isTextual()) {
                throw wrong(path, v, "a string");
            }
            return v.asText();
        }

        String version(JsonNode m) throws ModelFormatException {
            JsonNode v = get(m, "version", "version", "a string such as \"1\"");
            if (v.isTextual()) {
                return v.asText();
            }
            if (v.isIntegralNumber()) {
                return v.asText();
            }
            throw wrong("version", v, "a string such as \"1\"");
        }

        long integer(JsonNode m, String key, String path) throws ModelFormatException {
            JsonNode v = get(m, key, path, "an integer");
            if (v.isIntegralNumber() && v.canConvertToLong()) {
                return v.asLong();
            }
            if (v.isFloatingPointNumber() && v.asDouble() == Math.rint(v.asDouble()) && Math.abs(v.asDouble()) < 1e15) {
                return (long) v.asDouble();
            }
            throw wrong(path, v, "an integer");
        }

        JsonNode object(JsonNode m, String key, String path) throws ModelFormatException {
            JsonNode v = get(m, key, path, "an object");
            if (!v.isObject()) {
                throw wrong(path, v, "an object");
            }
            return v;
        }

        JsonNode array(JsonNode m, String key, String path) throws ModelFormatException {
            JsonNode v = get(m, key, path, "an array");
            if (!v.isArray()) {
                throw wrong(path, v, "an array");
            }
            return v;
        }

        TensorSpec tensor(JsonNode o, String path) throws ModelFormatException {
            String name = string(o, "name", path + ".name");
            String dtype = string(o, "dtype", path + ".dtype");
            JsonNode shapeArr = array(o, "shape", path + ".shape");
            long[] shape = new long[shapeArr.size()];
            for (int i = 0; i < shape.length; i++) {
                JsonNode d = shapeArr.get(i);
                if (!d.isIntegralNumber() || d.asLong() < -1) {
                    throw wrong(path + ".shape[" + i + "]", d, "an integer >= -1");
                }
                shape[i] = d.asLong();
            }
            double[] range = null;
            JsonNode r = arrayOrNull(o, "value_range");
            if (r != null) {
                range = new double[r.size()];
                for (int i = 0; i < range.length; i++) {
                    range[i] = r.get(i).asDouble();
                }
            }
            return new TensorSpec(name, dtype, shape, o.hasNonNull("layout") ? o.get("layout").asText() : null, range,
                    o.hasNonNull("preprocessing") ? o.get("preprocessing").asText() : null);
        }
    }
}
