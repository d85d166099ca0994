package dev.glyph.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glyph.exporter.CalibrationMethod;
import dev.glyph.exporter.OptimizeException;
import dev.glyph.exporter.OptimizeOptions;
import dev.glyph.exporter.OptimizeResult;
import dev.glyph.exporter.Optimizer;
import dev.glyph.exporter.Precision;
import dev.glyph.modelformat.FileDigest;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code glyph optimize}: makes an int8 (or fp16) version of an exported fp32 version, calibrated on a seeded
 * subset of the training split, and writes it only if it passes the accuracy gate on the whole test split (at most
 * 0.3 points of accuracy lost, at least 99.5 % argmax agreement with fp32).
 *
 * <pre>
 * glyph optimize --model models/mnist/1 --out models/mnist/2 [--precision int8|fp16] [--calibration-images 1000]
 *                [--calibration minmax|percentile|entropy] [--percentile 99.99] [--[no-]per-channel]
 *                [--[no-]reduce-range] [--seed 1] [--data data/mnist]
 *                [--calibration-dataset NAME --calibration-data DIR] [--force] [--json]
 * </pre>
 *
 * <p>Prints the source and its hash, the calibration and the scales, the files, the gate's figures with the
 * per-class change and the flipped images, and where flips.png is. Exit 0 when the version was written, 1 when it
 * was not (the gate refused, with its figures on stderr, or anything else failed; nothing is written), 2 on a
 * usage error.
 *
 * <p>Thread-safety: a command instance serves one invocation.
 */
@Command(name = "optimize", mixinStandardHelpOptions = true,
        description = "Make an int8 (or fp16) version of an fp32 model version: calibrate on training images, "
                + "quantise to a QDQ ONNX graph, and write it only if it passes the accuracy gate on the test set.")
public class OptimizeCommand extends GlyphSubcommand {

    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "The fp32 version to optimise, e.g. models/mnist/1.")
    Path model;

    @Option(names = "--out", required = true, paramLabel = "DIR",
            description = "The version folder to create, e.g. models/mnist/2.")
    Path out;

    @Option(names = "--precision", paramLabel = "P", defaultValue = "int8",
            description = "int8 or fp16 (default: ${DEFAULT-VALUE}; fp16 is for GPUs: its accuracy is checked on the "
                    + "CPU, its speed can only be measured where a GPU exists).")
    String precision;

    @Option(names = "--calibration", paramLabel = "METHOD", defaultValue = "percentile",
            description = "minmax, percentile or entropy (default: ${DEFAULT-VALUE}).")
    String calibration;

    @Option(names = "--calibration-images", paramLabel = "N",
            defaultValue = "" + OptimizeOptions.DEFAULT_CALIBRATION_IMAGES,
            description = "Training images to calibrate on, chosen with --seed (default: ${DEFAULT-VALUE}).")
    int calibrationImages;

    @Option(names = "--percentile", paramLabel = "P", defaultValue = "" + OptimizeOptions.DEFAULT_PERCENTILE,
            description = "The percentile of percentile calibration (default: ${DEFAULT-VALUE}).")
    double percentile;

    @Option(names = "--per-channel", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "One weight scale per output channel (default); --no-per-channel: one per tensor.")
    boolean perChannel;

    @Option(names = "--reduce-range", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "7-bit weights (default), which x86 CPUs without VNNI multiply without int16 saturation; "
                    + "--no-reduce-range: 8-bit weights, for CPUs with VNNI.")
    boolean reduceRange;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "" + OptimizeOptions.DEFAULT_SEED,
            description = "Seed of the calibration subset (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--data", paramLabel = "DIR",
            description = "Folder with the model's data set IDX files (default: data/<dataset>).")
    Path data;

    @Option(names = "--calibration-dataset", paramLabel = "NAME",
            description = "Calibrate on another data set's training split (default: the model's own).")
    String calibrationDataset;

    @Option(names = "--calibration-data", paramLabel = "DIR",
            description = "Folder with the calibration data set (default: --data, or data/<calibration dataset>).")
    Path calibrationData;

    @Option(names = "--force", description = "Replace an existing, non-empty --out folder.")
    boolean force;

    @Mixin
    SharedOptions.Json json;

    @Override
    public Integer call() {
        PrintWriter stdout = out();
        OptimizeOptions options = fromOptions(() -> OptimizeOptions.builder().precision(Precision.parse(precision))
                .calibration(CalibrationMethod.parse(calibration)).calibrationImages(calibrationImages)
                .percentile(percentile).perChannel(perChannel).reduceRange(reduceRange).seed(seed).dataDir(data)
                .calibrationData(calibrationDataset, calibrationData).force(force).build());
        OptimizeResult r;
        try {
            r = optimize(model, out, options);
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        } catch (OptimizeException e) {
            if (e.gate() != null) {
                err().print(e.gate().table());
            }
            return fail(e);
        } catch (RuntimeException e) {
            return fail("unexpected failure: " + Errors.oneLine(e), 1);
        }
        stdout.print(json.on ? toJson(r) + System.lineSeparator() : table(r));
        stdout.flush();
        return 0;
    }

    /** The work of the command, for tests: {@link Optimizer#optimize}. */
    static OptimizeResult optimize(Path model, Path out, OptimizeOptions options) throws OptimizeException {
        return Optimizer.optimize(model, out, options);
    }

    /** The human-readable summary. */
    static String table(OptimizeResult r) {
        StringBuilder sb = new StringBuilder();
        String nl = System.lineSeparator();
        sb.append(String.format(Locale.ROOT, "wrote %s version %s of %s to %s%n", r.precision().id(), r.version(),
                r.name(), r.dir()));
        sb.append("  source: ").append(r.source()).append(" (model.onnx SHA-256 ").append(r.sourceOnnxSha256())
                .append(')').append(nl);
        OptimizeResult.Calibration c = r.calibration();
        if (c != null) {
            sb.append(String.format(Locale.ROOT, "  calibration: %s on %d %s training images (seed %d, indices "
                    + "SHA-256 %s)%n", c.method().id(), c.images(), c.dataset(), c.seed(), c.indicesSha256()));
            sb.append(String.format(Locale.ROOT, "  %-12s %12s %5s %12s %12s%n", "tensor", "scale", "zp",
                    "observed max", "range max"));
            c.scales().forEach((t, s) -> sb.append(String.format(Locale.ROOT, "  %-12s %12.6g %5d %12.4f %12.4f%n", t,
                    s.scale(), s.zeroPoint(), s.observedMax(), s.rangeMax())));
        } else {
            sb.append("  fp16: accuracy checked on the CPU with ONNX Runtime; its speed is measured only where a GPU "
                    + "exists (this machine's CPU gains nothing from fp16)").append(nl);
        }
        for (Map.Entry<String, FileDigest> e : r.files().entrySet()) {
            sb.append(String.format(Locale.ROOT, "  %-12s %,12d  %s%n", e.getKey(), e.getValue().size(),
                    e.getValue().sha256()));
        }
        sb.append(r.gate().table());
        sb.append(r.flips() != null ? "  flipped images: " + r.flips() : "  no test image flipped; no flips.png")
                .append(nl);
        return sb.toString();
    }

    private static String toJson(OptimizeResult r) {
        ObjectMapper m = new ObjectMapper();
        ObjectNode o = m.createObjectNode();
        o.put("dir", r.dir().toString());
        o.put("name", r.name());
        o.put("version", r.version());
        o.put("precision", r.precision().id());
        o.put("source", r.source().toString());
        o.put("source_onnx_sha256", r.sourceOnnxSha256());
        ObjectNode files = o.putObject("files");
        r.files().forEach((k, v) -> files.putObject(k).put("sha256", v.sha256()).put("size", v.size()));
        if (r.calibration() != null) {
            ObjectNode c = o.putObject("calibration");
            c.put("method", r.calibration().method().id());
            c.put("dataset", r.calibration().dataset());
            c.put("images", r.calibration().images());
            c.put("seed", r.calibration().seed());
            c.put("indices_sha256", r.calibration().indicesSha256());
            ObjectNode s = c.putObject("scales");
            r.calibration().scales().forEach((t, v) -> s.putObject(t).put("scale", v.scale())
                    .put("zero_point", v.zeroPoint()));
        }
        o.set("gate", r.gate().toJsonNode());
        o.put("flips", r.flips() == null ? null : r.flips().toString());
        return o.toString();
    }
}
