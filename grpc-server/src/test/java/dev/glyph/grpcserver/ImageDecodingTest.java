package dev.glyph.grpcserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.glyph.client.GlyphClient;
import dev.glyph.testfixtures.TestModels;
import dev.glyph.proto.v1.ClassifierGrpc;
import dev.glyph.proto.v1.ClassifyRequest;
import dev.glyph.proto.v1.ClassifyResponse;
import dev.glyph.proto.v1.Image;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Encoded images over Netty loopback: only the documented formats, every decoder failure
 * INVALID_ARGUMENT naming the image, and pixel bombs decoded off the transport threads with
 * subsampling, in this module's test JVM of {@code -Xmx512m} (see the pom).
 */
class ImageDecodingTest {

    @TempDir
    static Path tmp;
    static GlyphServer server;
    static ManagedChannel channel;
    static final List<byte[]> IMAGES = TestModels.gray8Images(1, 4);

    @BeforeAll
    static void start() throws Exception {
        Path model = TestModels.folder(tmp.resolve("mnist/1"), 6);
        server = GlyphServer.open(ServerConfig.builder(model).allowUnverified(true).host("127.0.0.1").port(0).metricsPort(-1)
                .intraOpThreads(1).decodeThreads(1).build());
        channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        server.close();
    }

    private static ClassifierGrpc.ClassifierBlockingStub stub() {
        return ClassifierGrpc.newBlockingStub(channel).withDeadlineAfter(120, TimeUnit.SECONDS);
    }

    private static Image encoded(byte[] b) {
        return Image.newBuilder().setEncoded(ByteString.copyFrom(b)).build();
    }

    private static ClassifyRequest request(Image... images) {
        return ClassifyRequest.newBuilder().addAllImages(List.of(images)).build();
    }

    private static Status status(ClassifyRequest r) {
        try {
            stub().classify(r);
            return Status.OK;
        } catch (StatusRuntimeException e) {
            return e.getStatus();
        }
    }

    private static byte[] write(String format, int type) throws IOException {
        BufferedImage img = new BufferedImage(28, 28, type);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, 28, 28);
        g.setColor(Color.BLACK);
        g.fillRect(12, 4, 4, 20);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(img, format, out), "no ImageIO writer for " + format);
        return out.toByteArray();
    }

    @Test
    void classify_tiffAndWbmp_invalidArgumentNamingImageFoundAndAccepted() throws IOException {
        Image gray = GlyphClient.gray8(IMAGES.get(0));
        for (String[] c : new String[][] {{"tiff", "TIFF"}, {"wbmp", "WBMP"}}) {
            byte[] b = write(c[0], c[0].equals("wbmp") ? BufferedImage.TYPE_BYTE_BINARY : BufferedImage.TYPE_INT_RGB);
            Status s = status(request(gray, encoded(b)));
            assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode(), s.toString());
            String d = s.getDescription();
            assertTrue(d.startsWith("images[1].encoded: "), d);
            assertTrue(d.contains(c[1]), d);
            assertTrue(d.contains("expected one of PNG, JPEG, BMP, GIF"), d);
        }
    }

    /**
     * A small TIFF in the spirit of the report's 236-byte file (SamplesPerPixel 2, Photometric
     * RGB, SampleFormat float; ImageIO decoded it and then {@code BufferedImage.getRGB} threw):
     * refused by its magic bytes before any decoder runs.
     */
    @Test
    void classify_malformedTiffFromReport_invalidArgumentNotInternal() {
        byte[] tiff = java.util.HexFormat.of().parseHex("49492a00080000000c00000103000100000005000000010103000100"
                + "0000090000000201030002000000200020000301030001000000010000000601030001000000020000001101040001"
                + "000000b20000001501030001000000020000001601030001000000090000001701040001000000280000001c010300"
                + "01000000010000005301030002000000030003000000000000000000");
        Status s = status(request(encoded(Arrays.copyOf(tiff, 236))));
        assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode(), s.toString());
        assertTrue(s.getDescription().contains("images[0].encoded") && s.getDescription().contains("TIFF"),
                s.getDescription());
    }

    @Test
    void classify_everyAcceptedFormat_predicts() throws IOException {
        List<Image> imgs = new ArrayList<>();
        for (String f : List.of("png", "jpeg", "bmp", "gif")) {
            imgs.add(encoded(write(f, BufferedImage.TYPE_INT_RGB)));
        }
        ClassifyResponse r = stub().classify(ClassifyRequest.newBuilder().addAllImages(imgs).build());
        assertEquals(4, r.getPredictionsCount());
    }

    @Test
    void classify_truncatedAndCorruptPng_invalidArgument() throws IOException {
        byte[] png = write("png", BufferedImage.TYPE_INT_RGB);
        byte[] corrupt = png.clone();
        for (int i = 40; i < corrupt.length - 12; i++) {
            corrupt[i] ^= (byte) 0x5A;
        }
        for (byte[] b : List.of(Arrays.copyOf(png, 30), Arrays.copyOf(png, png.length / 2), corrupt)) {
            Status s = status(request(encoded(b)));
            assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode(), s.toString());
            assertTrue(s.getDescription().startsWith("images[0].encoded: "), s.getDescription());
        }
    }

    @Test
    void classify_pixelBombs_decodedSubsampledWhileHealthAnswers() throws Exception {
        byte[] gray6000 = Pngs.bomb(6000, 6000, false);
        byte[] rgba6324 = Pngs.bomb(6324, 6324, true);
        System.out.printf("bombs: 6000x6000 gray8 PNG %d bytes, 6324x6324 RGBA16 PNG %d bytes%n", gray6000.length,
                rgba6324.length);
        List<CompletableFuture<ClassifyResponse>> bombs = new ArrayList<>();
        List<ClassifyRequest> requests = List.of(request(encoded(gray6000)), request(encoded(rgba6324)),
                request(encoded(rgba6324), encoded(rgba6324), encoded(rgba6324)));
        for (ClassifyRequest r : requests) {
            bombs.add(CompletableFuture.supplyAsync(() -> stub().classify(r)));
        }
        HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel);
        ClassifyRequest light = request(GlyphClient.gray8(IMAGES.get(0)));
        List<Double> healthMs = new ArrayList<>();
        List<Double> lightMs = new ArrayList<>();
        while (!CompletableFuture.allOf(bombs.toArray(CompletableFuture[]::new)).isDone()) {
            long t0 = System.nanoTime();
            assertEquals(ServingStatus.SERVING, health.withDeadlineAfter(30, TimeUnit.SECONDS)
                    .check(HealthCheckRequest.getDefaultInstance()).getStatus());
            long t1 = System.nanoTime();
            assertEquals(1, stub().classify(light).getPredictionsCount());
            long t2 = System.nanoTime();
            healthMs.add((t1 - t0) / 1e6);
            lightMs.add((t2 - t1) / 1e6);
            Thread.sleep(5);
        }
        for (int i = 0; i < bombs.size(); i++) {
            assertEquals(requests.get(i).getImagesCount(), bombs.get(i).get().getPredictionsCount());
        }
        assertTrue(!healthMs.isEmpty());
        System.gc();
        Runtime rt = Runtime.getRuntime();
        System.out.printf("during bombs: %d health checks, median %.2f ms, max %.2f ms; light Classify median %.2f ms,"
                + " max %.2f ms; heap used after GC %d MiB of max %d MiB; RSS %s%n", healthMs.size(), median(healthMs),
                Collections.max(healthMs), median(lightMs), Collections.max(lightMs),
                (rt.totalMemory() - rt.freeMemory()) >> 20, rt.maxMemory() >> 20, rss());
    }

    private static double median(List<Double> v) {
        List<Double> s = new ArrayList<>(v);
        Collections.sort(s);
        return s.get(s.size() / 2);
    }

    private static String rss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return line.substring(6).trim();
                }
            }
        } catch (IOException e) {
            return "n/a (" + e.getMessage() + ")";
        }
        return "n/a (" + ManagementFactory.getRuntimeMXBean().getName() + ")";
    }
}
