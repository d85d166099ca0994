package dev.glyph.cli;

import dev.glyph.datasets.DataException;
import dev.glyph.datasets.Dataset;
import dev.glyph.datasets.Datasets;
import dev.glyph.datasets.ImageSet;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glyph.inferencesdk.Device;
import dev.glyph.inferencesdk.DigitClassifier;
import dev.glyph.inferencesdk.DigitImage;
import dev.glyph.inferencesdk.ModelLoadException;
import dev.glyph.inferencesdk.Options;
import dev.glyph.inferencesdk.Prediction;
import java.io.IOException;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/**
 * {@code glyph classify}: classifies image files or an MNIST test split in-process through the
 * inference SDK.
 *
 * <pre>
 * glyph classify --model models/mnist/1 digit.png other.jpg      # file, label, confidence
 * glyph classify --model models/mnist/1 --mnist data/mnist --limit 1000 [--json]
 * glyph classify --server localhost:50051 digit.png                # same, on a running glyph serve
 * </pre>
 *
 * <p>Output: for files one {@code <file>\t<label>\t<confidence>} line each; for {@code --mnist} a
 * summary line with the accuracy. With {@code --json}: one JSON object per line ({@code file} or
 * {@code index}, {@code label}, {@code confidence}) and for {@code --mnist} a final
 * {@code {"count":N,"accuracy":A}} with the accuracy in percent. Exit 0 on success, 1 on a load or
 * input failure (one-line message, no stack trace), 2 on a usage error.
 *
 * <p>Extension hook: the classification goes through {@link #openBackend()}, which a remote
 * variant (for example a {@code --server host:port} option) can override or extend to return a
 * {@link Backend} that calls a server instead.
 *
 * <p>Thread-safety: a command instance serves one invocation.
 */
@Command(name = "classify", mixinStandardHelpOptions = true,
        description = "Classify image files (PNG/JPEG/BMP/GIF) or an MNIST test split with a model folder.")
public class ClassifyCommand extends GlyphSubcommand {

    /** Images per model call for {@code --mnist}. */
    static final int CHUNK = 256;

    /** Where predictions come from: the in-process SDK or (later) a server. */
    public interface Backend extends AutoCloseable {
        /** Classifies up to {@link #maxBatch()} images, results in order. */
        List<Prediction> classify(List<DigitImage> images) throws Exception;

        /**
         * Classifies the bytes of one image file (PNG/JPEG/BMP/GIF); the default decodes them here
         * with {@link DigitImage#ofEncoded}.
         *
         * @throws IllegalArgumentException if the bytes are not a readable image
         */
        default Prediction classifyEncoded(byte[] file) throws Exception {
            return classify(List.of(DigitImage.ofEncoded(file))).get(0);
        }

        /** Returns the largest batch {@link #classify} takes. */
        int maxBatch();

        /** Returns a short description for messages, e.g. the model folder and provider. */
        String describe();

        @Override
        void close();
    }

    @Option(names = "--model", paramLabel = "DIR", description = "Model folder with manifest.json and model.onnx, e.g. models/mnist/1.")
    protected Path model;

    @Mixin
    protected DeviceOption.CpuDefault device;

    @Option(names = "--cpu-fallback", description = "Run on the CPU (with a warning) if CUDA is unavailable.")
    protected boolean cpuFallback;

    @Parameters(paramLabel = "FILE", arity = "0..*", description = "Image files to classify.")
    protected List<Path> files = new ArrayList<>();

    @Option(names = "--mnist", paramLabel = "DIR", description = "Classify the test split of the IDX data set in DIR and print the accuracy.")
    protected Path mnist;

    @Mixin
    protected SharedOptions.DatasetName dataset;

    @Option(names = "--limit", paramLabel = "N", description = "Only the first N test images (with --mnist).")
    protected Integer limit;

    @Mixin
    protected SharedOptions.Json json;

    @Option(names = "--server", paramLabel = "HOST:PORT",
            description = "Classify on a running `glyph serve` instead of in-process (no --model then).")
    protected String server;

    @Override
    public Integer call() {
        PrintWriter out = out();
        PrintWriter err = err();
        boolean haveFiles = files != null && !files.isEmpty();
        if (haveFiles == (mnist != null)) {
            throw usage(
                    "give either image FILEs or --mnist DIR (found " + (haveFiles ? "both" : "neither") + ")");
        }
        if (limit != null && (mnist == null || limit < 1)) {
            throw usage(
                    mnist == null ? "--limit needs --mnist" : "--limit is " + limit + "; expected >= 1");
        }
        Device dev = device.value().forSdk();
        try (Backend backend = openBackend(dev)) {
            int rc = haveFiles ? classifyFiles(backend, out, err) : classifyDataset(backend, out);
            out.flush();
            return rc;
        } catch (ParameterException e) {
            throw e;
        } catch (Exception e) {
            return fail(Errors.oneLine(e).replace("Options.allowCpuFallback(true)", "--cpu-fallback"), 1);
        }
    }

    /**
     * Opens where predictions come from. The default opens {@code --model} in-process; a remote
     * variant may override this (keep the {@code --model} check for the local case).
     *
     * @throws ParameterException if no model folder was given
     * @throws ModelLoadException if the folder cannot be loaded
     */
    protected Backend openBackend(Device dev) throws Exception {
        if (server != null) {
            if (model != null) {
                throw usage("give --model DIR or --server HOST:PORT, not both");
            }
            try {
                return RemoteBackend.connect(server);
            } catch (IllegalArgumentException e) {
                throw usage(e.getMessage());
            }
        }
        if (model == null) {
            throw usage("--model DIR (or --server HOST:PORT) is required");
        }
        return new LocalBackend(DigitClassifier.open(model, Options.defaults().device(dev).allowCpuFallback(cpuFallback)
                .maxBatchSize(CHUNK)));
    }

    /** The in-process SDK backend. */
    static final class LocalBackend implements Backend {
        private final DigitClassifier classifier;

        LocalBackend(DigitClassifier classifier) {
            this.classifier = classifier;
        }

        @Override
        public List<Prediction> classify(List<DigitImage> images) {
            return classifier.classifyBatch(images);
        }

        @Override
        public int maxBatch() {
            return classifier.maxBatchSize();
        }

        @Override
        public String describe() {
            return classifier.modelInfo().directory() + " on " + classifier.activeProvider();
        }

        @Override
        public void close() {
            classifier.close();
        }
    }

    private int classifyFiles(Backend backend, PrintWriter out, PrintWriter err) throws Exception {
        int failures = 0;
        for (Path f : files) {
            Prediction p;
            try {
                p = backend.classifyEncoded(Files.readAllBytes(f));
            } catch (NoSuchFileException e) {
                err.println(Errors.prefix(spec) + f + ": no such file");
                failures++;
                continue;
            } catch (IOException | IllegalArgumentException e) {
                err.println(Errors.prefix(spec) + f + ": " + Errors.oneLine(e));
                failures++;
                continue;
            }
            if (json.on) {
                out.println(JSON.createObjectNode().put("file", f.toString()).put("label", p.label())
                        .put("confidence", decimal(p.confidence(), 6)));
            } else {
                out.println(f + "\t" + p.label() + "\t" + String.format(Locale.ROOT, "%.4f", p.confidence()));
            }
        }
        err.flush();
        return failures == 0 ? 0 : 1;
    }

    private int classifyDataset(Backend backend, PrintWriter out) throws Exception {
        Dataset ds;
        try {
            ds = Datasets.load(dataset.name, mnist);
        } catch (DataException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
        ImageSet test = ds.test();
        if (test.rows() != DigitImage.SIZE || test.cols() != DigitImage.SIZE) {
            throw new IllegalArgumentException(mnist + " holds " + test.rows() + "x" + test.cols()
                    + " images; expected 28x28");
        }
        int n = limit == null ? test.count() : Math.min(limit, test.count());
        int correct = 0;
        int chunk = Math.min(CHUNK, backend.maxBatch());
        for (int start = 0; start < n; start += chunk) {
            int end = Math.min(n, start + chunk);
            List<DigitImage> imgs = new ArrayList<>(end - start);
            for (int i = start; i < end; i++) {
                imgs.add(DigitImage.ofGray8(test.images(), i * DigitImage.PIXELS));
            }
            List<Prediction> ps = backend.classify(imgs);
            for (int i = start; i < end; i++) {
                Prediction p = ps.get(i - start);
                if (p.label() == test.label(i)) {
                    correct++;
                }
                if (json.on) {
                    out.println(JSON.createObjectNode().put("index", i).put("label", p.label())
                            .put("confidence", decimal(p.confidence(), 6)));
                }
            }
        }
        double accuracy = n == 0 ? 0.0 : 100.0 * correct / n;
        if (json.on) {
            out.println(JSON.createObjectNode().put("count", n).put("accuracy", decimal(accuracy, 2)));
        } else {
            out.println(String.format(Locale.ROOT, "%s test: %d images, %d correct, accuracy %.2f%% (%s)",
                    ds.dataset(), n, correct, accuracy, backend.describe()));
        }
        return 0;
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Returns {@code v} rounded to {@code digits} decimals for JSON, or null when it is not finite. */
    static Double decimal(double v, int digits) {
        return Double.isFinite(v) ? BigDecimal.valueOf(v).setScale(digits, RoundingMode.HALF_UP).doubleValue() : null;
    }
}
