package dev.glyph.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glyph.proto.v1.Prediction;
import io.grpc.Status;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RemoteClassifierTest {

    static final Path MNIST = Path.of("..", "data", "mnist");

    @TempDir
    Path tmp;

    @Test
    void classifyPixels_150Images_callsOfAtMost64AndPredictionsInOrder() throws Exception {
        try (EchoServer server = new EchoServer();
                RemoteClassifier remote = RemoteClassifier.of(server.client())) {
            assertEquals("echo/7", remote.model());
            List<float[]> images = new ArrayList<>();
            for (int i = 0; i < 150; i++) {
                float[] px = new float[GlyphClient.PIXELS];
                px[0] = i / 255f;                                  // gray8 on the wire, label i % 10
                if (i == 149) {
                    px[1] = 0.001f;                                // not a multiple of 1/255: pixels
                }
                images.add(px);
            }
            List<Prediction> ps = remote.classifyPixels(images);
            assertEquals(List.of(64, 64, 22), server.sizes());
            assertEquals(150, ps.size());
            for (int i = 0; i < 149; i++) {
                assertEquals(i % 10, ps.get(i).getLabel(), "image " + i);
                assertEquals(0.25f, ps.get(i).getConfidence(), "image " + i + " went as gray8");
            }
            assertEquals(0.5f, ps.get(149).getConfidence(), "image 149 went as floats");
        }
    }

    @Test
    void classifyFile_png_sentEncoded() throws Exception {
        Path png = Files.write(tmp.resolve("a.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
        try (EchoServer server = new EchoServer();
                RemoteClassifier remote = RemoteClassifier.of(server.client())) {
            Prediction p = remote.classifyFile(png);
            assertEquals(7, p.getLabel());
            assertEquals(0.75f, p.getConfidence());
        }
    }

    @Test
    void classifyFile_notAnImageOrMissing_illegalArgumentOrIoNamingIt() throws Exception {
        Path txt = Files.writeString(tmp.resolve("a.txt"), "hello");
        try (EchoServer server = new EchoServer();
                RemoteClassifier remote = RemoteClassifier.of(server.client())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> remote.classifyFile(txt));
            assertEquals("not a PNG, JPEG, BMP or GIF file", e.getMessage(), "without the field prefix");
            assertThrows(NoSuchFileException.class, () -> remote.classifyFile(tmp.resolve("missing.png")));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> remote.classifyEncoded(new byte[0]))
                    .getMessage().contains("empty"));
        }
    }

    @Test
    void connect_nothingListening_clientExceptionWithUnavailable() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        ClientException e = assertThrows(ClientException.class, () -> RemoteClassifier.connect("127.0.0.1:" + port));
        assertEquals(Status.Code.UNAVAILABLE, e.code());
        assertTrue(e.getMessage().startsWith("server 127.0.0.1:" + port + ": UNAVAILABLE"), e.getMessage());
    }

    @Test
    void classifyTestImages_mnist_gray8OfEachImageInOrder() throws Exception {
        Assumptions.assumeTrue(Files.exists(MNIST.resolve("t10k-images-idx3-ubyte")),
                "skipped: MNIST IDX files are not in " + MNIST.toAbsolutePath().normalize());
        TestImages test = TestImages.load("mnist", MNIST, 100);
        assertEquals(100, test.count());
        assertEquals(7, test.label(0), "the first MNIST test digit is a 7");
        assertThrows(IndexOutOfBoundsException.class, () -> test.label(100));
        try (EchoServer server = new EchoServer();
                RemoteClassifier remote = RemoteClassifier.of(server.client())) {
            List<Prediction> ps = remote.classify(test, 10, 90);
            assertEquals(List.of(64, 16), server.sizes());
            for (int i = 10; i < 90; i++) {
                assertEquals(EchoServer.label(test.image(i)), ps.get(i - 10).getLabel(), "image " + i);
            }
        }
    }

    @Test
    void testImagesLoad_missingFolder_ioExceptionNamingIt() {
        IOException e = assertThrows(IOException.class, () -> TestImages.load("mnist", tmp.resolve("none"), 10));
        assertTrue(e.getMessage().contains("none"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TestImages.load("mnist", MNIST, 0));
    }
}
