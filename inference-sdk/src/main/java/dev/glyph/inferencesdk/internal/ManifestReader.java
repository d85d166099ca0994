package dev.glyph.inferencesdk.internal;

import dev.glyph.inferencesdk.ModelInfo;
import dev.glyph.inferencesdk.ModelLoadException;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and validates a model folder's {@code manifest.json} (format_version 1, see
 * docs/model-folder.md) into a {@link ModelInfo}. Pure Java; no native code.
 *
 * <p>Thread-safety: stateless static methods.
 */
public final class ManifestReader {

    /** The manifest file name. */
    public static final String MANIFEST = "manifest.json";
    /** The ONNX file name. */
    public static final String ONNX_FILE = "model.onnx";
    /** The only manifest format this SDK reads. */
    public static final int FORMAT_VERSION = 1;

    private ManifestReader() {
    }

    /**
     * Reads {@code dir/manifest.json}.
     *
     * @throws ModelLoadException if the folder or file is missing, not UTF-8 JSON, or lacks a field
     */
    public static ModelInfo read(Path dir) throws ModelLoadException {
        if (!Files.exists(dir)) {
            throw new ModelLoadException("model folder " + dir + " does not exist; expected a folder with "
                    + MANIFEST + " and " + ONNX_FILE + " (e.g. models/mnist/1)");
        }
        if (!Files.isDirectory(dir)) {
            throw new ModelLoadException(dir + " is a file, not a model folder; expected a folder with "
                    + MANIFEST + " and " + ONNX_FILE);
        }
        Path file = dir.resolve(MANIFEST);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ModelLoadException("model folder " + dir + " has no " + MANIFEST
                    + "; expected the manifest written by `glyph export`");
        } catch (IOException e) {
            throw new ModelLoadException("cannot read " + file + ": " + e.getMessage(), e);
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new ModelLoadException(file + " is not UTF-8 text; expected a JSON manifest");
        }
        return parse(dir.toAbsolutePath().normalize(), file.toString(), text);
    }

    /**
     * Parses manifest text; {@code where} names the source in messages.
     *
     * @throws ModelLoadException if the text is not JSON or lacks a field
     */
    public static ModelInfo parse(Path dir, String where, String text) throws ModelLoadException {
        Json.Parsed parsed;
        try {
            parsed = Json.parse(text);
        } catch (Json.JsonException e) {
            throw new ModelLoadException(where + " is not valid JSON (" + e.getMessage() + ")");
        }
        if (!(parsed.value() instanceof Map<?, ?> root)) {
            throw new ModelLoadException(where + " holds " + kind(parsed.value())
                    + "; expected a JSON object");
        }
        Fields f = new Fields(where, root);
        long format = f.integer(root, "format_version", "format_version");
        if (format != FORMAT_VERSION) {
            throw new ModelLoadException(where + ": format_version is " + format + "; this SDK reads format_version "
                    + FORMAT_VERSION);
        }
        String name = f.string(root, "name", "name");
        String version = f.versionString(root);
        String created = f.optionalString(root, "created");
        String producer = "";
        Object prod = root.get("producer");
        if (prod instanceof Map<?, ?> pm) {
            String pn = f.optionalString(pm, "name");
            String pv = f.optionalString(pm, "version");
            producer = (pn + " " + pv).trim();
        }

        Map<?, ?> filesObj = f.object(root, "files", "files");
        Map<String, ModelInfo.FileDigest> files = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : filesObj.entrySet()) {
            String fname = (String) e.getKey();
            String path = "files." + fname;
            if (!(e.getValue() instanceof Map<?, ?> fo)) {
                throw f.wrong(path, e.getValue(), "an object with sha256 and size");
            }
            String sha = f.string(fo, "sha256", path + ".sha256");
            if (!sha.matches("[0-9a-f]{64}")) {
                throw new ModelLoadException(where + ": " + path + ".sha256 is \"" + sha
                        + "\"; expected 64 lowercase hex digits");
            }
            long size = f.integer(fo, "size", path + ".size");
            if (size < 0) {
                throw new ModelLoadException(where + ": " + path + ".size is " + size + "; expected >= 0");
            }
            files.put(fname, new ModelInfo.FileDigest(sha, size));
        }
        if (!files.containsKey(ONNX_FILE)) {
            throw new ModelLoadException(where + ": files has " + files.keySet() + "; expected an entry for "
                    + ONNX_FILE);
        }

        ModelInfo.TensorSpec input = f.tensor(f.object(root, "input", "input"), "input");
        List<?> outs = f.array(root, "outputs", "outputs");
        List<ModelInfo.TensorSpec> outputs = new ArrayList<>();
        for (int i = 0; i < outs.size(); i++) {
            String path = "outputs[" + i + "]";
            if (!(outs.get(i) instanceof Map<?, ?> o)) {
                throw f.wrong(path, outs.get(i), "an object with name, dtype and shape");
            }
            outputs.add(f.tensor(o, path));
        }

        List<String> labels = new ArrayList<>();
        List<?> labelArr = f.array(root, "labels", "labels");
        for (int i = 0; i < labelArr.size(); i++) {
            if (!(labelArr.get(i) instanceof String l)) {
                throw f.wrong("labels[" + i + "]", labelArr.get(i), "a string");
            }
            labels.add(l);
        }

        Map<String, Double> accuracy = new LinkedHashMap<>();
        if (root.get("accuracy") instanceof Map<?, ?> acc) {
            for (Map.Entry<?, ?> e : acc.entrySet()) {
                if (e.getValue() instanceof Number n) {
                    accuracy.put((String) e.getKey(), n.doubleValue());
                }
            }
        }
        String provenance = parsed.rawMembers().getOrDefault("provenance", "null");
        return new ModelInfo(dir, (int) format, name, version, created, producer, files, input, outputs, labels,
                accuracy, provenance, text);
    }

    private static String kind(Object v) {
        if (v instanceof Map) {
            return "an object";
        }
        if (v instanceof List) {
            return "an array";
        }
        if (v instanceof String str) {
            return "the string \"" + (str.length() > 40 ? str.substring(0, 40) + "..." : str) + "\"";
        }
        if (v instanceof Number || v instanceof Boolean) {
            return v.toString();
        }
        if (v == Json.NULL) {
            return "null";
        }
        return "nothing";
    }

    /** Typed member access with uniform error messages. */
    private record Fields(String where, Map<?, ?> root) {

        ModelLoadException missing(String path, String expected) {
            return new ModelLoadException(where + ": " + path + " is missing; expected " + expected);
        }

        ModelLoadException wrong(String path, Object found, String expected) {
            return new ModelLoadException(where + ": " + path + " is " + kind(found) + "; expected " + expected);
        }

        Object get(Map<?, ?> m, String key, String path, String expected) throws ModelLoadException {
            Object v = m.get(key);
            if (v == null) {
                throw missing(path, expected);
            }
            return v;
        }

        String string(Map<?, ?> m, String key, String path) throws ModelLoadException {
            Object v = get(m, key, path, "a string");
            if (!(v instanceof String str)) {
                throw wrong(path, v, "a string");
            }
            return str;
        }

        String optionalString(Map<?, ?> m, String key) {
            Object v = m.get(key);
            return v instanceof String str ? str : "";
        }

        String versionString(Map<?, ?> m) throws ModelLoadException {
            Object v = get(m, "version", "version", "a string such as \"1\"");
            if (v instanceof String str) {
                return str;
            }
            if (v instanceof Long l) {
                return Long.toString(l);
            }
            throw wrong("version", v, "a string such as \"1\"");
        }

        long integer(Map<?, ?> m, String key, String path) throws ModelLoadException {
            Object v = get(m, key, path, "an integer");
            if (v instanceof Long l) {
                return l;
            }
            if (v instanceof Double d && d == Math.rint(d) && Math.abs(d) < 1e15) {
                return d.longValue();
            }
            throw wrong(path, v, "an integer");
        }

        Map<?, ?> object(Map<?, ?> m, String key, String path) throws ModelLoadException {
            Object v = get(m, key, path, "an object");
            if (!(v instanceof Map<?, ?> o)) {
                throw wrong(path, v, "an object");
            }
            return o;
        }

        List<?> array(Map<?, ?> m, String key, String path) throws ModelLoadException {
            Object v = get(m, key, path, "an array");
            if (!(v instanceof List<?> a)) {
                throw wrong(path, v, "an array");
            }
            return a;
        }

        ModelInfo.TensorSpec tensor(Map<?, ?> o, String path) throws ModelLoadException {
            String name = string(o, "name", path + ".name");
            String dtype = string(o, "dtype", path + ".dtype");
            List<?> shapeArr = array(o, "shape", path + ".shape");
            long[] shape = new long[shapeArr.size()];
            for (int i = 0; i < shape.length; i++) {
                if (!(shapeArr.get(i) instanceof Long l) || l < -1) {
                    throw wrong(path + ".shape[" + i + "]", shapeArr.get(i), "an integer >= -1");
                }
                shape[i] = l;
            }
            return new ModelInfo.TensorSpec(name, dtype, shape);
        }
    }

    /** Formats a shape like {@code [?,1,28,28]} ({@code ?} for a symbolic dimension). */
    public static String shapeText(long[] shape) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) {
                b.append(',');
            }
            b.append(shape[i] < 0 ? "?" : Long.toString(shape[i]));
        }
        return b.append(']').toString();
    }

    /** Returns whether {@code actual} matches {@code expected}, where -1 in expected means "symbolic". */
    public static boolean shapeMatches(long[] expected, long[] actual) {
        if (expected.length != actual.length) {
            return false;
        }
        for (int i = 0; i < expected.length; i++) {
            if (expected[i] == -1 ? actual[i] != -1 : actual[i] != expected[i]) {
                return false;
            }
        }
        return true;
    }

    static String arrays(long[] a) {
        return Arrays.toString(a);
    }
}
