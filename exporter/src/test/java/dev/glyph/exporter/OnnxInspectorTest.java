package dev.glyph.exporter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.glyph.exporter.internal.OnnxInspector;
import dev.glyph.exporter.internal.OnnxWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link OnnxInspector} on files that are not valid models. */
class OnnxInspectorTest {

    @TempDir
    Path dir;

    @Test
    void inspect_truncatedFile_throwsWithFileNameAndProtobufCause() throws IOException {
        byte[] full = OnnxWriter.toBytes(OnnxTestSupport.randomWeights(3), Map.of("dataset", "mnist"));
        Path out = dir.resolve("truncated.onnx");
        Files.write(out, Arrays.copyOf(full, full.length / 2));

        IOException e = assertThrows(IOException.class, () -> OnnxInspector.inspect(out));

        assertTrue(e.getMessage().startsWith(out + ": not a valid ONNX file (" + full.length / 2 + " bytes)"),
                e.getMessage());
        assertInstanceOf(InvalidProtocolBufferException.class, e.getCause());
        assertTrue(e.getMessage().contains("ended unexpectedly"), e.getMessage());
    }

    @Test
    void inspect_emptyFile_throwsNotAnOnnxModel() throws IOException {
        Path out = dir.resolve("empty.onnx");
        Files.write(out, new byte[0]);

        IOException e = assertThrows(IOException.class, () -> OnnxInspector.inspect(out));

        assertEquals(out + ": not an ONNX model (0 bytes): no ir_version field, no graph field", e.getMessage());
    }

    @Test
    void inspect_textFile_throwsWithFileName() throws IOException {
        Path out = dir.resolve("notes.onnx");
        Files.writeString(out, "this is not a model\n", StandardCharsets.UTF_8);

        IOException e = assertThrows(IOException.class, () -> OnnxInspector.inspect(out));

        assertTrue(e.getMessage().startsWith(out.toString() + ": not"), e.getMessage());
    }

    @Test
    void inspect_missingFile_throwsNoSuchFile() {
        Path out = dir.resolve("absent.onnx");

        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> OnnxInspector.inspect(out));

        assertEquals(out.toString(), e.getFile());
    }
}
