package dev.glyph.cli;

import dev.glyph.datasets.DataException;
import dev.glyph.datasets.Datasets;
import dev.glyph.datasets.ImageSet;
import dev.glyph.evaluation.Corruption;
import dev.glyph.evaluation.Evaluation;
import dev.glyph.evaluation.EvaluationReport;
import dev.glyph.evaluation.RobustnessOptions;
import dev.glyph.evaluation.RobustnessReport;
import dev.glyph.evaluation.RobustnessSuite;
import dev.glyph.evaluation.Scorecard;
import dev.glyph.inferencesdk.DigitClassifier;
import dev.glyph.inferencesdk.ModelLoadException;
import dev.glyph.inferencesdk.Options;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code glyph evaluate}: scores a model folder on a labelled image folder and on the robustness suite (digits
 * rendered from the machine's fonts, the MNIST test set under rotation, thickness, blur, noise, inversion,
 * translation and scale), through the inference SDK.
 *
 * <pre>
 * glyph evaluate --model models/mnist/1 --images my-digits --out eval      # LABEL/x.png or NNNN_LABEL.png
 * glyph evaluate --model models/mnist/1 --suite fonts,shifts [--data data/mnist] [--limit 2000] [--json]
 * </pre>
 *
 * <p>Without {@code --images} the suite defaults to {@code fonts,shifts}; with it, to none. Prints a concise table
 * (or, with {@code --json}, report.json) and with {@code --out DIR} writes report.json, confusion.csv,
 * confusion.txt, errors.png and per-set {@code <set>-confusion.csv}, {@code <set>-errors.png} there. Undecodable
 * files in the image folder are listed and counted, not fatal. Exit 0 on success, 1 on a model or data failure
 * (one line on stderr), 2 on a usage error.
 *
 * <p>Thread-safety: a command instance serves one invocation.
 */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Evaluate a model folder on a labelled image folder and/or the robustness suite (font-rendered "
                + "digits, shifted MNIST): accuracy, confusion matrix, per-class accuracy, ECE, error grid.")
public class EvaluateCommand extends GlyphSubcommand {

    /** The suite names {@code --suite} accepts. */
    static final List<String> SUITES = List.of("fonts", "shifts");

    @Mixin
    SharedOptions.ModelDir model;

    @Option(names = "--images", paramLabel = "FOLDER",
            description = "Labelled image folder: LABEL/xxx.png (LABEL 0-9) or NNNN_LABEL.png; PNG, JPEG, BMP, GIF.")
    Path images;

    @Option(names = "--suite", paramLabel = "LIST", split = ",",
            description = "Robustness suites: fonts, shifts, or none (default: fonts,shifts without --images, "
                    + "none with it).")
    List<String> suite;

    @Option(names = "--out", paramLabel = "DIR", description = "Write report.json, confusion.csv/.txt, errors.png here.")
    Path out;

    @Option(names = "--data", paramLabel = "DIR", defaultValue = "data/mnist",
            description = "MNIST folder for the shifts (default: ${DEFAULT-VALUE}; `./glyph fetch` fills it).")
    Path data;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "0",
            description = "Use the first N MNIST test images for the shifts (default: all).")
    int limit;

    @Option(names = "--fonts-per-digit", paramLabel = "N",
            defaultValue = "" + RobustnessOptions.DEFAULT_FONTS_PER_DIGIT,
            description = "Font-rendered images per digit (default: ${DEFAULT-VALUE}).")
    int fontsPerDigit;

    @Option(names = "--font-dir", paramLabel = "DIR",
            description = "Folder to search for fonts, repeatable (default: /usr/share/fonts).")
    List<Path> fontDirs = new ArrayList<>();

    @Option(names = "--corruptions", paramLabel = "LIST", split = ",",
            description = "Shifts to run (default: all): rotation, thickness, blur, noise, inversion, translation, scale.")
    List<String> corruptions;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "" + RobustnessOptions.DEFAULT_SEED,
            description = "Seed of the font draws and random shifts (default: ${DEFAULT-VALUE}).")
    long seed;

    @Mixin
    DeviceOption.CpuDefault device;

    @Mixin
    SharedOptions.Json json;

    @Override
    public Integer call() {
        Set<String> suites = suites();
        if (images == null && suites.isEmpty()) {
            throw usage("nothing to evaluate: give --images FOLDER or --suite fonts,shifts");
        }
        RobustnessOptions options = fromOptions(() -> {
            RobustnessOptions o = RobustnessOptions.defaults().withFonts(suites.contains("fonts"))
                    .withShifts(suites.contains("shifts")).withFontsPerDigit(fontsPerDigit).withMnistImages(limit)
                    .withSeed(seed).withCorruptions(corruptionSet());
            return fontDirs.isEmpty() ? o : o.withFontDirs(fontDirs);
        });
        PrintWriter stdout = out();
        try (DigitClassifier c = DigitClassifier.open(model.dir,
                Options.defaults().device(device.value().forSdk()).maxBatchSize(256))) {
            EvaluationReport folder = images == null ? null : Evaluation.ofFolder(c, images);
            RobustnessReport robustness = null;
            if (options.fonts() || options.shifts()) {
                ImageSet test = options.shifts() ? mnistTest() : null;
                robustness = RobustnessSuite.run(c, test, options);
            }
            Scorecard card = new Scorecard(model.dir.toString(), folder, robustness);
            List<Path> written = out == null ? List.of() : card.writeTo(out);
            if (json.on) {
                stdout.print(card.toJson());
            } else {
                stdout.print(card.table());
                if (out != null) {
                    stdout.println("wrote " + written.size() + " files into " + out + " (report.json, confusion.csv, "
                            + "errors.png, ...)");
                }
            }
            stdout.flush();
            return 0;
        } catch (ModelLoadException | DataException | IOException | IllegalArgumentException e) {
            return fail(e);
        } catch (RuntimeException e) {
            return fail("unexpected failure: " + Errors.oneLine(e), 1);
        }
    }

    /** The MNIST test split from {@code --data}; never fetched, so a mistyped folder is an error, not a download. */
    private ImageSet mnistTest() throws DataException {
        String hint = "; pass --data DIR (the folder with the mnist IDX files) or run `./glyph fetch`";
        if (!java.nio.file.Files.isDirectory(data)) {
            throw new DataException("no mnist data at " + data + hint);
        }
        try {
            return Datasets.load("mnist", data).test();
        } catch (DataException e) {
            throw new DataException(e.getMessage() + hint, e);
        }
    }

    private Set<String> suites() {
        Set<String> s = new LinkedHashSet<>();
        if (suite == null) {
            if (images == null) {
                s.addAll(SUITES);
            }
            return s;
        }
        for (String name : suite) {
            String n = name.trim().toLowerCase(Locale.ROOT);
            if (n.equals("none")) {
                continue;
            }
            if (!SUITES.contains(n)) {
                throw usage("--suite: '" + name + "' is not a suite; expected fonts, shifts or none");
            }
            s.add(n);
        }
        return s;
    }

    private Set<Corruption> corruptionSet() {
        if (corruptions == null) {
            return EnumSet.allOf(Corruption.class);
        }
        Set<Corruption> set = EnumSet.noneOf(Corruption.class);
        for (String name : corruptions) {
            try {
                set.add(Corruption.parse(name));
            } catch (IllegalArgumentException e) {
                throw usage("--corruptions: " + e.getMessage());
            }
        }
        return set;
    }
}
