package dev.glyph.grpcserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glyph.testfixtures.TestModels;
import dev.glyph.testtools.OutsideTools;
import dev.glyph.inferencesdk.DigitClassifier;
import dev.glyph.inferencesdk.DigitImage;
import dev.glyph.inferencesdk.Options;
import dev.glyph.inferencesdk.Prediction;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An outside client: Python stubs generated from classifier.proto at test time with Debian's
 * grpc_tools (/usr/bin/python3), talking to a Netty server on a loopback port.
 */
class PythonClientTest {

    @TempDir
    Path tmp;

    private static String run(Path dir, List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + cmd);
        }
        if (p.exitValue() != 0) {
            throw new AssertionError(cmd + " exited with " + p.exitValue() + ":\n" + out);
        }
        return out;
    }

    private static void copyResource(String name, Path to) throws IOException {
        try (InputStream in = PythonClientTest.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("resource " + name + " missing from the classpath");
            }
            Files.createDirectories(to.getParent());
            Files.copy(in, to);
        }
    }

    @Test
    void pythonClient_generatedStubs_classifyAndErrorsLikeJava() throws Exception {
        String python = OutsideTools.requirePython("grpc", "grpc_tools.protoc").toString();
        Path protoDir = tmp.resolve("proto");
        copyResource("/glyph/v1/classifier.proto", protoDir.resolve("glyph/v1/classifier.proto"));
        Path stubs = Files.createDirectories(tmp.resolve("stubs"));
        run(tmp, List.of(python, "-m", "grpc_tools.protoc", "-I" + protoDir, "--python_out=" + stubs,
                "--grpc_python_out=" + stubs, "glyph/v1/classifier.proto"));
        Path script = tmp.resolve("glyph_client.py");
        copyResource("/python/glyph_client.py", script);

        Path model = TestModels.folder(tmp.resolve("models/mnist/1"), 555);
        List<byte[]> images = TestModels.gray8Images(12, 4);
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        images.forEach(all::writeBytes);
        Path imagesFile = tmp.resolve("images.gray8");
        Files.write(imagesFile, all.toByteArray());
        List<Prediction> expected = new ArrayList<>();
        try (DigitClassifier c = DigitClassifier.open(model, Options.defaults().intraOpThreads(1))) {
            for (byte[] b : images) {
                expected.add(c.classify(DigitImage.ofGray8(b)));
            }
        }

        try (GlyphServer server = GlyphServer.open(ServerConfig.builder(model).allowUnverified(true).host("127.0.0.1").port(0)
                .metricsPort(-1).intraOpThreads(1).build())) {
            String out = run(tmp, List.of(python, script.toString(), stubs.toString(), "127.0.0.1:" + server.port(),
                    imagesFile.toString()));
            List<String> lines = out.lines().filter(l -> !l.isBlank()).toList();
            assertEquals("model mnist 1", lines.get(0), out);
            for (int i = 0; i < images.size(); i++) {
                String[] f = lines.get(1 + i).split(" ");
                assertEquals(Integer.toString(i), f[0], out);
                assertEquals(expected.get(i).label(), Integer.parseInt(f[1]), "image " + i + ":\n" + out);
                assertEquals(expected.get(i).confidence(), Double.parseDouble(f[2]), 1e-5, "image " + i);
                assertEquals(1.0, Double.parseDouble(f[3]), 1e-3, "probabilities sum");
            }
            String err = lines.get(1 + images.size());
            assertTrue(err.startsWith("error INVALID_ARGUMENT images[1].gray8: expected 784 bytes"), err);
            assertTrue(err.endsWith("found 100"), err);
        }
    }
}
