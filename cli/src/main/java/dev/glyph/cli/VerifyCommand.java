package dev.glyph.cli;

import dev.glyph.exporter.VerificationReport;
import dev.glyph.exporter.Verifier;
import dev.glyph.exporter.VerifyException;
import dev.glyph.exporter.VerifyOptions;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code glyph verify}: checks a model folder's files against manifest.json (size and SHA-256), then runs the
 * trained model (DJL), model.pt (DJL) and model.onnx (ONNX Runtime) on the test split and compares them:
 * max |Δ log-prob| at most 1e-4 for every pair, 100 % argmax agreement, identical accuracy. Writes parity.json
 * into the model folder. An int8 or fp16 version (written by {@code glyph optimize}) is checked instead for its
 * hashes, its self test, and the accuracy gate against the fp32 version it was made from (found through the
 * manifest, or {@code --source}).
 *
 * <pre>
 * glyph verify --model models/mnist/1 --data data/mnist [--run runs/first] [--json] [--limit N] [--no-write]
 * glyph verify --model models/mnist/2 [--source models/mnist/1]
 * </pre>
 *
 * <p>Exit 0 if parity holds, 1 if it does not (naming the first diverging test image and the pair of formats)
 * or the folder cannot be verified (a changed file, a file that does not load, missing data), 2 on a usage
 * error.
 *
 * <p>Thread-safety: a command instance serves one invocation.
 */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Verify a model folder: file hashes, then parity of the trained model, model.pt and "
                + "model.onnx on the test set (for an int8/fp16 version: its accuracy gate against its fp32 source); "
                + "writes parity.json.")
public class VerifyCommand extends GlyphSubcommand {

    @Mixin
    SharedOptions.ModelDir model;

    @Option(names = "--data", paramLabel = "DIR",
            description = "Folder with the data set's IDX files (default: data/<dataset of the model>).")
    Path data;

    @Option(names = "--run", paramLabel = "DIR",
            description = "Run folder of the trained model (default: the run named in the provenance, if present; "
                    + "otherwise only the two files are compared).")
    Path run;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "0",
            description = "Compare only the first N test images (default: all).")
    int limit;

    @Option(names = "--no-write", description = "Do not write parity.json into the model folder.")
    boolean noWrite;

    @Option(names = "--source", paramLabel = "DIR",
            description = "For an int8/fp16 version: the fp32 version it was made from (default: as its manifest "
                    + "records).")
    Path source;

    @Mixin
    SharedOptions.EngineDownload engineDownload;

    @Mixin
    SharedOptions.Json json;

    @Override
    public Integer call() {
        PrintWriter out = out();
        VerifyOptions options = fromOptions(() -> VerifyOptions.defaults().withDataDir(data).withRunDir(run)
                .withImages(limit).withWriteReport(!noWrite).withSourceDir(source));
        VerificationReport r;
        try {
            r = Verifier.check(model.dir, options);
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        } catch (VerifyException e) {
            return fail(e);
        } catch (RuntimeException e) {
            return fail("unexpected failure: " + Errors.oneLine(e), 1);
        }
        if (json.on) {
            out.print(r.toJson());
        } else {
            out.println("files: " + String.join(", ", r.files().keySet()) + " match manifest.json (size, SHA-256)");
            out.print(r.table());
            if (!noWrite) {
                out.println("wrote " + model.dir.resolve("parity.json"));
            }
        }
        out.flush();
        if (!r.passed()) {
            return fail(r.failureMessage(), 1);
        }
        return 0;
    }
}
