package dev.glyph.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glyph.testtools.OutsideTools;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glyph.exporter.internal.OnnxWriter;
import dev.glyph.trainer.ModelWeights;
import dev.glyph.trainer.Tensor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outside reader: Debian's python3-onnx (1.12) loads the written file and its checker accepts it with
 * {@code full_check=True} (schema checks plus strict shape inference). Skipped if no Python with {@code onnx} is
 * found. The interpreter is taken from the system property {@code glyph.python}, else {@code /usr/bin/python3}
 * (Debian's, which has the apt package), else {@code python3} on the PATH.
 */
class OnnxCheckerTest {

    private static final String SCRIPT = String.join("\n",
            "import json, sys",
            "import onnx",
            "from onnx import numpy_helper",
            "m = onnx.load(sys.argv[1])",
            "onnx.checker.check_model(m, full_check=True)",
            "def shape(v):",
            "    return [d.dim_param if d.HasField('dim_param') else d.dim_value for d in v.type.tensor_type.shape.dim]",
            "print(json.dumps({",
            "    'onnx_version': onnx.__version__,",
            "    'ir_version': m.ir_version,",
            "    'opsets': {o.domain: o.version for o in m.opset_import},",
            "    'producer': [m.producer_name, m.producer_version],",
            "    'graph': m.graph.name,",
            "    'inputs': {v.name: shape(v) for v in m.graph.input},",
            "    'outputs': {v.name: shape(v) for v in m.graph.output},",
            "    'metadata': {p.key: p.value for p in m.metadata_props},",
            "    'sums': {t.name: float(numpy_helper.to_array(t).astype('float64').sum()) for t in m.graph.initializer},",
            "    'shapes': {t.name: list(numpy_helper.to_array(t).shape) for t in m.graph.initializer},",
            "}))",
            "");

    private static final Logger LOG = LoggerFactory.getLogger(OnnxCheckerTest.class);

    private static String python;

    @TempDir
    Path dir;

    @BeforeAll
    static void findPython() {
        python = OutsideTools.requirePython("onnx").toString();
    }

    private record Outcome(int exitCode, String stdout, String stderr) {
    }

    private static Outcome run(List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).start();
        p.getOutputStream().close();
        try {
            // Drain both pipes before waiting so a chatty child cannot block.
            var err = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    return "<stderr unreadable: " + e + ">";
                }
            });
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            // A guard against a hung interpreter, not a performance assertion.
            if (!p.waitFor(5, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IOException("python did not finish: " + command);
            }
            return new Outcome(p.exitValue(), out, err.join());
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + command, e);
        }
    }

    @Test
    void checkModel_fullCheck_acceptsWrittenModelAndReadsSameContent() throws IOException {
        ModelWeights weights = OnnxTestSupport.randomWeights(99);
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("provenance", "{\"run\": \"r1\", \"note\": \"caf\u00e9 \\u00e9\"}");
        metadata.put("dataset", "mnist");
        metadata.put("test_accuracy", "98.91");
        metadata.put(OnnxWriter.META_PRODUCER_VERSION, "0.1.0-test");
        Path model = dir.resolve("model.onnx");
        OnnxWriter.write(weights, metadata, model);
        Path script = dir.resolve("check.py");
        Files.writeString(script, SCRIPT, StandardCharsets.UTF_8);

        Outcome r = run(List.of(python, script.toString(), model.toString()));

        assertEquals(0, r.exitCode, "onnx checker rejected the model:\n" + r.stderr + r.stdout);
        JsonNode j = new ObjectMapper().readTree(r.stdout);
        LOG.info("onnx {} ({}) check_model(full_check=True): ok", j.get("onnx_version").asText(), python);
        assertEquals(8, j.get("ir_version").asInt());
        assertEquals(17, j.get("opsets").get("").asInt());
        assertEquals(1, j.get("opsets").size());
        assertEquals("[\"glyph\",\"0.1.0-test\"]", j.get("producer").toString());
        assertEquals("mnistnet", j.get("graph").asText());
        assertEquals("{\"image\":[\"batch\",1,28,28]}", j.get("inputs").toString());
        assertEquals("{\"log_probs\":[\"batch\",10],\"probs\":[\"batch\",10]}", j.get("outputs").toString());
        Map<String, String> read = new LinkedHashMap<>();
        j.get("metadata").fields().forEachRemaining(e -> read.put(e.getKey(), e.getValue().asText()));
        assertEquals(metadata, read);
        for (Tensor t : weights.tensors()) {
            double sum = 0;
            for (float v : t.data()) {
                sum += v;
            }
            double pySum = j.get("sums").get(t.name()).asDouble();
            assertTrue(Math.abs(pySum - sum) <= 1e-9 * Math.max(1, Math.abs(sum)),
                    t.name() + ": numpy sum " + pySum + ", Java sum " + sum);
            assertEquals(java.util.Arrays.toString(t.shape()).replace(" ", ""),
                    j.get("shapes").get(t.name()).toString());
        }
    }
}
