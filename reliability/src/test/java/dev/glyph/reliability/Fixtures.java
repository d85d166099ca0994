package dev.glyph.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.glyph.cli.GlyphCommand;
import dev.glyph.inferencesdk.DigitClassifier;
import dev.glyph.inferencesdk.DigitImage;
import dev.glyph.inferencesdk.Options;
import dev.glyph.inferencesdk.Prediction;
import dev.glyph.datasets.Dataset;
import dev.glyph.datasets.Datasets;
import dev.glyph.datasets.ImageSet;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Every fixture of the suite, in one place (to move into the test-fixtures module): a model folder
 * trained and exported through the real CLI (MNIST, 512 images, 1 epoch, Adam; built once per test
 * JVM), golden MNIST test digits with the SDK's in-process answers, a tiny Fashion-MNIST data
 * folder for the kill -9 training runs, the outside tools (python3 with grpcio, jcmd) and the
 * soak flag.
 */
final class Fixtures {

    /** {@code -Dglyph.soak=true}: the long versions (3-minute memory soak, 50 training kills). */
    static final boolean SOAK = Boolean.getBoolean("glyph.soak");
    /** The suite's seed ({@code -Dglyph.reliability.seed}, default 20261201). */
    static final long SEED = Long.getLong("glyph.reliability.seed", 20261201L);
    static final String PYTHON = "/usr/bin/python3";
    static final Path FASHION = Path.of("/usr/share/datasets/fashion-mnist");

    private static Path work;
    private static Path model;
    private static List<byte[]> golden;
    private static List<Prediction> goldenAnswers;

    private Fixtures() {
    }

    /** The module's scratch folder (under target/, so `mvn clean` removes it). */
    static synchronized Path work() throws IOException {
        if (work == null) {
            Files.createDirectories(Path.of("target"));
            work = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "reliability-work-");
        }
        return work;
    }

    static boolean ci() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /** Fails under CI=true, skips elsewhere, when an outside tool or data set is missing. */
    static void requireOutside(boolean present, String what) {
        if (!present) {
            if (ci()) {
                throw new AssertionError("CI=true but " + what + " is missing");
            }
            Assumptions.abort("skipped: " + what + " is missing");
        }
    }

    static Path mnist() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("data/mnist/t10k-images-idx3-ubyte"))
                    || Files.isRegularFile(p.resolve("data/mnist/t10k-images-idx3-ubyte.gz"))) {
                return p.resolve("data/mnist");
            }
        }
        requireOutside(false, "data/mnist (run ./glyph fetch)");
        return null;
    }

    /** Runs a glyph command in this JVM; fails with its stderr unless it exits 0. */
    static String glyph(String... args) {
        GlyphCommand.Invocation r = GlyphCommand.invoke(args);
        assertEquals(0, r.exitCode(), "glyph " + String.join(" ", args) + ":\n" + r.err() + r.out());
        return r.out();
    }

    /** The served model folder: MNIST, 512 images, 1 epoch (Adam), exported with parity checked. */
    static synchronized Path model() throws IOException {
        if (model == null) {
            Path run = work().resolve("runs/served");
            glyph("train", "--data", mnist().toString(), "--out", run.toString(), "--limit", "512", "--epochs", "1",
                    "--threads", "1", "--device", "cpu", "--optimizer", "adam", "--lr", "0.002", "--seed", "7");
            Path m = work().resolve("models/mnist/1");
            glyph("export", "--run", run.toString(), "--out", m.toString(), "--data", mnist().toString());
            // the server's load gate wants the export proven: parity.json from glyph verify
            glyph("verify", "--model", m.toString(), "--run", run.toString(), "--data", mnist().toString(), "--limit", "1000");
            model = m;
        }
        return model;
    }

    /** The first 32 MNIST test digits as gray8 (784 bytes each). */
    static synchronized List<byte[]> golden() throws Exception {
        if (golden == null) {
            ImageSet test = Datasets.load("mnist", mnist()).test();
            List<byte[]> g = new ArrayList<>();
            for (int i = 0; i < 32; i++) {
                g.add(Arrays.copyOfRange(test.images(), i * 784, (i + 1) * 784));
            }
            golden = List.copyOf(g);
        }
        return golden;
    }

    /** The SDK's in-process answers for {@link #golden()} on {@link #model()}: what the server must say. */
    static synchronized List<Prediction> goldenAnswers() throws Exception {
        if (goldenAnswers == null) {
            List<Prediction> out = new ArrayList<>();
            try (DigitClassifier c = DigitClassifier.open(model(), Options.defaults().intraOpThreads(1))) {
                for (byte[] b : golden()) {
                    out.add(c.classify(DigitImage.ofGray8(b)));
                }
            }
            goldenAnswers = List.copyOf(out);
        }
        return goldenAnswers;
    }

    /**
     * A Fashion-MNIST folder with the first {@code train} training and {@code test} test images of
     * Debian's dataset-fashion-mnist (so an epoch and its validation take a fraction of a second).
     */
    static Path tinyFashion(Path dir, int train, int test) throws Exception {
        requireOutside(Files.isDirectory(FASHION), FASHION + " (apt install dataset-fashion-mnist)");
        Dataset d = Datasets.load("fashion-mnist", FASHION);
        Files.createDirectories(dir);
        writeIdx(dir, "train", d.train().first(train));
        writeIdx(dir, "t10k", d.test().first(test));
        return dir;
    }

    private static void writeIdx(Path dir, String split, ImageSet s) throws IOException {
        ByteBuffer img = ByteBuffer.allocate(16 + s.images().length);
        img.putInt(0x803).putInt(s.count()).putInt(s.rows()).putInt(s.cols()).put(s.images());
        Files.write(dir.resolve(split + "-images-idx3-ubyte"), img.array());
        ByteBuffer lab = ByteBuffer.allocate(8 + s.labels().length);
        lab.putInt(0x801).putInt(s.count()).put(s.labels());
        Files.write(dir.resolve(split + "-labels-idx1-ubyte"), lab.array());
    }

    /** Golden digit 0 (a 7) as a 56x56 image, dark on light, for the encoded formats. */
    static java.awt.image.BufferedImage digitImage() throws Exception {
        return HostileImages.digit(golden().get(0));
    }

    /** Golden request {@code i}: one MNIST test digit as gray8, with probabilities. */
    static byte[] goldenRequest(int i) throws Exception {
        return dev.glyph.proto.v1.ClassifyRequest.newBuilder()
                .addImages(dev.glyph.proto.v1.Image.newBuilder()
                        .setGray8(com.google.protobuf.ByteString.copyFrom(golden().get(i % golden().size()))))
                .setReturnProbabilities(true).build().toByteArray();
    }

    /** Null when {@code o} is the right answer to {@link #goldenRequest(int)}, else what is wrong. */
    static String checkGolden(RawRpc.Outcome o, int i) {
        try {
            if (o.code() != io.grpc.Status.Code.OK) {
                return "golden " + i + ": " + o;
            }
            dev.glyph.proto.v1.ClassifyResponse r = dev.glyph.proto.v1.ClassifyResponse.parseFrom(o.first());
            Prediction want = goldenAnswers().get(i % golden().size());
            if (r.getPredictionsCount() != 1 || r.getPredictions(0).getLabel() != want.label()
                    || Math.abs(r.getPredictions(0).getConfidence() - want.confidence()) > 1e-5) {
                return "golden " + i + ": expected label " + want.label() + " confidence " + want.confidence()
                        + ", got " + r.getPredictionsList();
            }
            return null;
        } catch (Exception e) {
            return "golden " + i + ": " + e;
        }
    }

    /** Whether /usr/bin/python3 can import grpc (Debian's python3-grpcio). */
    static boolean pythonGrpc() {
        if (!Files.isExecutable(Path.of(PYTHON))) {
            return false;
        }
        try {
            Process p = new ProcessBuilder(PYTHON, "-c", "import grpc").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }
}
