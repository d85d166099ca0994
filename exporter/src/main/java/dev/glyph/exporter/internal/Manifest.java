package dev.glyph.exporter.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glyph.exporter.FileDigest;
import dev.glyph.trainer.MnistNet;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes and reads manifest.json (format_version 1, docs/model-folder.md).
 *
 * <p>Thread-safety: stateless.
 */
public final class Manifest {

    /** The manifest format written and read. */
    public static final int FORMAT_VERSION = 1;

    static final ObjectMapper JSON = new ObjectMapper();
    /** Indented objects, arrays of scalars on one line. */
    static final ObjectWriter PRETTY = JSON.writer(new DefaultPrettyPrinter()
            .withArrayIndenter(DefaultPrettyPrinter.FixedSpaceIndenter.instance));

    private static final List<String> MNIST_LABELS = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
    private static final List<String> FASHION_LABELS = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    private Manifest() {
    }

    /** Returns the class labels of {@code dataset}: digits for MNIST, class names for Fashion-MNIST. */
    public static List<String> labels(String dataset) {
        return "fashion-mnist".equals(dataset) ? FASHION_LABELS : MNIST_LABELS;
    }

    /**
     * Everything that goes into a manifest.
     *
     * @param name model name
     * @param version model version
     * @param created ISO-8601 UTC time
     * @param dataset data set name
     * @param files file name to digest
     * @param provenance the run's provenance
     * @param sourceRun the run folder as given
     * @param epochs epochs in the run's checkpoint
     * @param accuracy format to accuracy in percent
     * @param accuracyImages format to the number of test images the accuracy was computed on
     * @param parity the export-time parity report
     */
    public record Content(String name, String version, String created, String dataset, Map<String, FileDigest> files,
            JsonNode provenance, String sourceRun, int epochs, Map<String, Double> accuracy,
            Map<String, Integer> accuracyImages, JsonNode parity) {
    }

    /** Returns the manifest JSON text. */
    public static String toJson(Content c) {
        ObjectNode m = JSON.createObjectNode();
        m.put("format_version", FORMAT_VERSION);
        m.put("name", c.name());
        m.put("version", c.version());
        m.put("created", c.created());
        ObjectNode producer = m.putObject("producer");
        producer.put("name", OnnxWriter.PRODUCER_NAME);
        producer.put("version", Versions.glyph());
        ObjectNode files = m.putObject("files");
        c.files().forEach((k, v) -> files.putObject(k).put("sha256", v.sha256()).put("size", v.size()));
        ObjectNode input = m.putObject("input");
        input.put("name", OnnxWriter.INPUT);
        input.put("dtype", "float32");
        shape(input.putArray("shape"), -1, 1, MnistNet.IMAGE_SIZE, MnistNet.IMAGE_SIZE);
        input.put("layout", "NCHW");
        input.putArray("value_range").add(0.0).add(1.0);
        input.put("preprocessing", "pixel/255, 0 = background");
        ArrayNode outputs = m.putArray("outputs");
        for (String out : List.of(OnnxWriter.OUTPUT_LOG_PROBS, OnnxWriter.OUTPUT_PROBS)) {
            ObjectNode o = outputs.addObject();
            o.put("name", out);
            o.put("dtype", "float32");
            shape(o.putArray("shape"), -1, MnistNet.CLASSES);
        }
        ArrayNode labels = m.putArray("labels");
        labels(c.dataset()).forEach(labels::add);
        m.put("dataset", c.dataset());
        ObjectNode onnx = m.putObject("onnx");
        onnx.put("ir_version", OnnxWriter.IR_VERSION);
        onnx.put("opset", OnnxWriter.OPSET_VERSION);
        ObjectNode ts = m.putObject("torchscript");
        ts.put("file_format_version", TorchScriptWriter.FILE_FORMAT_VERSION);
        ts.put("output", OnnxWriter.OUTPUT_LOG_PROBS);
        ts.putArray("extra_files").add("provenance.json");
        ObjectNode src = m.putObject("source_run");
        src.put("dir", c.sourceRun());
        src.put("epochs", c.epochs());
        m.set("provenance", c.provenance());
        ObjectNode acc = m.putObject("accuracy");
        c.accuracy().forEach(acc::put);
        ObjectNode accN = m.putObject("accuracy_images");
        c.accuracyImages().forEach(accN::put);
        m.set("parity", c.parity());
        try {
            return PRETTY.writeValueAsString(m) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise the manifest: " + e.getMessage(), e);
        }
    }

    private static void shape(ArrayNode a, long... dims) {
        for (long d : dims) {
            a.add(d);
        }
    }

    /**
     * What verify needs from a manifest.
     *
     * @param file the manifest file
     * @param name model name
     * @param version model version
     * @param dataset data set name ({@code dataset}, else {@code provenance.dataset.name}, else mnist)
     * @param files file name to digest
     * @param provenance the provenance object, or a missing node
     * @param root the whole manifest
     */
    public record Data(Path file, String name, String version, String dataset, Map<String, FileDigest> files,
            JsonNode provenance, JsonNode root) {
    }

    /**
     * Reads and checks {@code dir/manifest.json}.
     *
     * @throws IOException with a user-facing message if the folder or manifest is missing, not JSON, of
     *     another format version, or lacks {@code files}
     */
    public static Data read(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException("model folder " + dir + " does not exist; expected the --out folder of `./glyph "
                    + "export` (e.g. models/mnist/1)");
        }
        Path file = dir.resolve(ModelFolder.MANIFEST);
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(file, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            throw new IOException("model folder " + dir + " has no " + ModelFolder.MANIFEST
                    + "; expected the manifest written by `./glyph export`");
        } catch (JsonProcessingException e) {
            throw new IOException(file + " is not valid JSON: " + e.getOriginalMessage());
        } catch (java.nio.charset.MalformedInputException e) {
            throw new IOException(file + " is not UTF-8 text; expected a JSON manifest");
        }
        if (root == null || !root.isObject()) {
            throw new IOException(file + " is not a JSON object; expected a manifest");
        }
        JsonNode fv = root.get("format_version");
        if (fv == null || !fv.canConvertToInt() || fv.asInt() != FORMAT_VERSION) {
            throw new IOException(file + ": format_version is " + (fv == null ? "missing" : fv.toString())
                    + "; expected " + FORMAT_VERSION);
        }
        JsonNode filesNode = root.get("files");
        if (filesNode == null || !filesNode.isObject() || filesNode.isEmpty()) {
            throw new IOException(file + ": files is " + (filesNode == null ? "missing" : filesNode.toString())
                    + "; expected an object listing model.onnx and model.pt with sha256 and size");
        }
        Map<String, FileDigest> files = new LinkedHashMap<>();
        var it = filesNode.fields();
        while (it.hasNext()) {
            var e = it.next();
            JsonNode sha = e.getValue().get("sha256");
            JsonNode size = e.getValue().get("size");
            if (sha == null || !sha.isTextual() || !sha.asText().matches("[0-9a-f]{64}") || size == null
                    || !size.canConvertToLong() || size.asLong() < 0) {
                throw new IOException(file + ": files." + e.getKey() + " is " + e.getValue()
                        + "; expected {\"sha256\": \"<64 lowercase hex>\", \"size\": <bytes>}");
            }
            if (e.getKey().contains("/") || e.getKey().contains("\\") || e.getKey().startsWith(".")) {
                throw new IOException(file + ": files lists \"" + e.getKey()
                        + "\"; expected plain file names inside the model folder");
            }
            files.put(e.getKey(), new FileDigest(sha.asText(), size.asLong()));
        }
        JsonNode prov = root.path("provenance");
        String dataset = root.path("dataset").asText("");
        if (dataset.isEmpty()) {
            dataset = prov.path("dataset").path("name").asText("mnist");
        }
        return new Data(file, root.path("name").asText(""), root.path("version").asText(""), dataset, files, prov,
                root);
    }
}
