package dev.glyph.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glyph.exporter.ExportException;
import dev.glyph.exporter.ExportOptions;
import dev.glyph.exporter.ExportResult;
import dev.glyph.exporter.Exporter;
import dev.glyph.modelformat.FileDigest;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code glyph export}: writes a trained run as a model folder (model.pt, model.onnx, manifest.json) after a
 * parity check between the trained model and both files, and Triton's config.pbtxt next to it
 * ({@code models/<name>/config.pbtxt}).
 *
 * <pre>
 * glyph export --run runs/first --out models/mnist/1 [--force] [--name mnist] [--data data/mnist]
 *              [--parity-images 1000] [--max-batch-size 64] [--max-queue-delay-us 2000] [--json]
 * </pre>
 *
 * <p>Prints the files with size and SHA-256, where config.pbtxt is, the accuracies and the parity table (or, with
 * {@code --json}, one JSON object). Exit 0 on success, 1 if the export failed (one-line message; nothing is left behind), 2 on a
 * usage error.
 *
 * <p>Thread-safety: a command instance serves one invocation.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Export a trained run to TorchScript and ONNX (a model folder with manifest.json), "
                + "checked for parity with the trained model.")
public class ExportCommand extends GlyphSubcommand {

    @Option(names = "--run", required = true, paramLabel = "DIR", description = "Run folder written by `glyph train`.")
    Path run;

    @Option(names = "--out", required = true, paramLabel = "DIR",
            description = "Model folder to create, models/<name>/<version>, e.g. models/mnist/1.")
    Path out;

    @Option(names = "--force", description = "Replace an existing, non-empty model folder.")
    boolean force;

    @Option(names = "--name", paramLabel = "NAME",
            description = "Model name for the manifest (default: the parent folder of --out).")
    String name;

    @Option(names = "--data", paramLabel = "DIR",
            description = "Folder with the run's data set IDX files (default: data/<dataset>).")
    Path data;

    @Option(names = "--parity-images", paramLabel = "N", defaultValue = "" + ExportOptions.DEFAULT_PARITY_IMAGES,
            description = "Test images for the parity check (default: ${DEFAULT-VALUE}).")
    int parityImages;

    @Option(names = "--max-batch-size", paramLabel = "N", defaultValue = "" + ExportOptions.DEFAULT_MAX_BATCH_SIZE,
            description = "config.pbtxt's max_batch_size, the largest batch Triton forms (default: ${DEFAULT-VALUE}).")
    int maxBatchSize;

    @Option(names = "--max-queue-delay-us", paramLabel = "MICROS",
            defaultValue = "" + ExportOptions.DEFAULT_MAX_QUEUE_DELAY_MICROS,
            description = "Dynamic-batching queue delay of a new config.pbtxt, in microseconds (default: "
                    + "${DEFAULT-VALUE}; an existing file keeps its own).")
    long maxQueueDelayMicros;

    @Mixin
    SharedOptions.EngineDownload engineDownload;

    @Mixin
    SharedOptions.Json json;

    @Override
    public Integer call() {
        PrintWriter stdout = out();
        PrintWriter err = err();
        ExportOptions options = fromOptions(() -> ExportOptions.defaults().withForce(force).withName(name)
                .withDataDir(data).withParityImages(parityImages).withMaxBatchSize(maxBatchSize)
                .withMaxQueueDelayMicros(maxQueueDelayMicros));
        ExportResult r;
        try {
            r = Exporter.export(run, out, options);
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        } catch (ExportException e) {
            if (e.parity() != null) {
                err.print(e.parity().table());
            }
            return fail(e);
        } catch (RuntimeException e) {
            return fail("unexpected failure: " + Errors.oneLine(e), 1);
        }
        if (json.on) {
            stdout.println(toJson(r));
        } else {
            stdout.print(table(r));
        }
        stdout.flush();
        return 0;
    }

    /** The human-readable summary. */
    static String table(ExportResult r) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "exported to %s (name %s, version %s, dataset %s)%n", r.dir(), r.name(),
                r.version(), r.dataset()));
        sb.append(String.format(Locale.ROOT, "  %-12s %12s  %s%n", "file", "bytes", "sha256"));
        for (Map.Entry<String, FileDigest> e : r.files().entrySet()) {
            sb.append(String.format(Locale.ROOT, "  %-12s %,12d  %s%n", e.getKey(), e.getValue().size(),
                    e.getValue().sha256()));
        }
        sb.append(r.tritonConfig() != null ? "  triton config: " + r.tritonConfig()
                : "  triton config: not written (the version folder " + r.version() + " is not a number)")
                .append(System.lineSeparator());
        List<String> acc = new ArrayList<>();
        r.accuracy().forEach((f, a) -> acc.add(String.format(Locale.ROOT, "%s %.2f %% (%d images)", f, a,
                r.accuracyImages().get(f))));
        sb.append("  test accuracy: ").append(String.join(", ", acc)).append(System.lineSeparator());
        sb.append(r.parity().table());
        return sb.toString();
    }

    private static String toJson(ExportResult r) {
        ObjectMapper m = new ObjectMapper();
        ObjectNode o = m.createObjectNode();
        o.put("dir", r.dir().toString());
        o.put("name", r.name());
        o.put("version", r.version());
        o.put("dataset", r.dataset());
        ObjectNode files = o.putObject("files");
        r.files().forEach((k, v) -> files.putObject(k).put("sha256", v.sha256()).put("size", v.size()));
        o.put("triton_config", r.tritonConfig() == null ? null : r.tritonConfig().toString());
        ObjectNode acc = o.putObject("accuracy");
        r.accuracy().forEach(acc::put);
        ObjectNode accN = o.putObject("accuracy_images");
        r.accuracyImages().forEach(accN::put);
        o.set("parity", r.parity().toJsonNode());
        return o.toString();
    }
}
