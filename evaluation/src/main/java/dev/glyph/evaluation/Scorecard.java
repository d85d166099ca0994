package dev.glyph.evaluation;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glyph.evaluation.internal.ReportJson;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Everything one evaluation of a model found, as a JSON report, a text table and files.
 *
 * <pre>{@code
 * Scorecard card = new Scorecard("models/mnist/1", Evaluation.ofFolder(c, folder), RobustnessSuite.run(c, test, o));
 * System.out.print(card.table());
 * List<Path> written = card.writeTo(Path.of("eval"));   // report.json, confusion.csv, errors.png, ...
 * }</pre>
 *
 * <p>Files: {@code report.json} ({@link #toJson()}); for each set evaluated ({@code images}, {@code fonts}, the
 * clean {@code mnist} of the shifts) {@code <set>-confusion.csv} and {@code <set>-errors.png}; and for the first of
 * them, in that order, also {@code confusion.csv}, {@code confusion.txt} and {@code errors.png}.
 *
 * <p>Thread-safety: immutable.
 *
 * @param model the model folder, as given
 * @param images the image folder's report, or null
 * @param robustness the robustness suite's report, or null
 */
public record Scorecard(String model, EvaluationReport images, RobustnessReport robustness) {

    /** Returns the set reports present: images, fonts, clean MNIST of the shifts, in that order. */
    public List<EvaluationReport> sets() {
        List<EvaluationReport> s = new ArrayList<>();
        if (images != null) {
            s.add(images);
        }
        if (robustness != null && robustness.fonts() != null) {
            s.add(robustness.fonts());
        }
        if (robustness != null && robustness.shifts() != null) {
            s.add(robustness.shifts().clean());
        }
        return s;
    }

    /** Returns a concise text summary: one line per set, per-class accuracy of the first, the shift table. */
    public String table() {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%-8s %7s %9s %8s %10s %9s%n", "set", "images",
                "accuracy", "ECE", "ECE at T", "rejected"));
        for (EvaluationReport r : sets()) {
            b.append(String.format(Locale.ROOT, "%-8s %7d %9s %8s %10s %9d%n", r.name(), r.count(),
                    EvaluationReport.percent(r.accuracy()), EvaluationReport.percent(r.ece()),
                    EvaluationReport.percent(r.eceAtTemperature()), r.rejected().size()));
        }
        if (!sets().isEmpty()) {
            b.append(String.format(Locale.ROOT, "(ECE: 15 bins, at T = 1; ECE at T: at the model's temperature %.4f, "
                    + "as the SDK's probabilities)%n", sets().get(0).temperature()));
        }
        List<EvaluationReport> sets = sets();
        if (!sets.isEmpty()) {
            EvaluationReport first = sets.get(0);
            b.append(first.name()).append(" per class:");
            double[] pc = first.perClassAccuracy();
            for (int d = 0; d < pc.length; d++) {
                b.append(Double.isNaN(pc[d]) ? String.format(Locale.ROOT, " %d:-", d)
                        : String.format(Locale.ROOT, " %d:%.1f", d, pc[d]));
            }
            b.append('\n');
            for (ImageFolder.Rejected x : first.rejected()) {
                b.append("undecodable: ").append(x.file()).append(": ").append(x.reason()).append('\n');
            }
        }
        if (robustness != null && robustness.fonts() != null && !robustness.fonts().groups().isEmpty()) {
            b.append("fonts by family:");
            robustness.fonts().groups().forEach((k, v) -> b.append(String.format(Locale.ROOT, " %s %.1f (%d);", k,
                    100.0 * v[0] / v[1], v[1])));
            b.setLength(b.length() - 1);
            b.append('\n');
        }
        if (robustness != null && robustness.shifts() != null) {
            b.append(robustness.shifts().table());
        }
        return b.toString();
    }

    /** Returns the report as pretty JSON. */
    public String toJson() {
        ObjectNode root = ReportJson.object();
        root.put("model", model);
        if (images != null) {
            root.set("images", set(images));
        }
        if (robustness != null && robustness.fonts() != null) {
            root.set("fonts", set(robustness.fonts()));
        }
        if (robustness != null && robustness.shifts() != null) {
            ShiftReport s = robustness.shifts();
            ObjectNode o = root.putObject("shifts");
            o.put("images", s.images());
            o.set("clean", set(s.clean()));
            ReportJson.put(o, "clean_error", s.cleanError());
            ReportJson.put(o, "mean_corruption_error", s.meanCorruptionError());
            ArrayNode curves = o.putArray("corruptions");
            for (ShiftReport.Curve c : s.curves()) {
                ObjectNode co = curves.addObject();
                co.put("name", c.corruption().id());
                co.put("unit", c.corruption().unit());
                ArrayNode pts = co.putArray("strengths");
                for (int i = 0; i < c.strengths().size(); i++) {
                    ObjectNode p = pts.addObject();
                    ReportJson.put(p, "strength", c.strengths().get(i));
                    ReportJson.put(p, "accuracy", c.accuracies().get(i));
                    ReportJson.put(p, "ece", c.eces().get(i));
                }
                ReportJson.put(co, "corruption_error", c.corruptionError());
            }
        }
        return ReportJson.write(root);
    }

    private static ObjectNode set(EvaluationReport r) {
        ObjectNode o = ReportJson.object();
        o.put("name", r.name());
        o.put("count", r.count());
        o.put("correct", r.correct());
        ReportJson.put(o, "accuracy", r.accuracy());
        ReportJson.put(o, "ece", r.ece());
        ReportJson.put(o, "temperature", r.temperature());
        ReportJson.put(o, "ece_at_temperature", r.eceAtTemperature());
        o.put("ece_bins", dev.glyph.modelformat.TemperatureScaling.ECE_BINS);
        ArrayNode pc = o.putArray("per_class_accuracy");
        for (double v : r.perClassAccuracy()) {
            ReportJson.add(pc, v);
        }
        ArrayNode cm = o.putArray("confusion");
        for (long[] row : r.confusion().counts()) {
            ArrayNode a = cm.addArray();
            for (long v : row) {
                a.add(v);
            }
        }
        if (!r.groups().isEmpty()) {
            ObjectNode g = o.putObject("groups");
            for (Map.Entry<String, long[]> e : r.groups().entrySet()) {
                ObjectNode x = g.putObject(e.getKey());
                x.put("count", e.getValue()[1]);
                ReportJson.put(x, "accuracy", 100.0 * e.getValue()[0] / e.getValue()[1]);
            }
        }
        ArrayNode rej = o.putArray("rejected");
        for (ImageFolder.Rejected x : r.rejected()) {
            rej.addObject().put("file", x.file().toString()).put("reason", x.reason());
        }
        ArrayNode err = o.putArray("errors");
        for (Misclassified m : r.errors()) {
            ObjectNode e = err.addObject();
            e.put("id", m.id());
            e.put("label", m.label());
            e.put("predicted", m.predicted());
            ReportJson.put(e, "confidence", m.confidence());
        }
        return o;
    }

    /**
     * Writes the files (see the class comment) into {@code dir}, creating it; each through a temporary file that is
     * renamed into place.
     *
     * @return the files written
     * @throws IOException if a file cannot be written
     */
    public List<Path> writeTo(Path dir) throws IOException {
        Files.createDirectories(dir);
        List<Path> written = new ArrayList<>();
        written.add(text(dir.resolve("report.json"), toJson()));
        List<EvaluationReport> sets = sets();
        for (int i = 0; i < sets.size(); i++) {
            EvaluationReport r = sets.get(i);
            written.add(text(dir.resolve(r.name() + "-confusion.csv"), r.confusion().toCsv()));
            Path png = dir.resolve(r.name() + "-errors.png");
            ErrorGrid.write(r.errors(), png);
            written.add(png);
            if (i == 0) {
                written.add(text(dir.resolve("confusion.csv"), r.confusion().toCsv()));
                written.add(text(dir.resolve("confusion.txt"), r.table()));
                ErrorGrid.write(r.errors(), dir.resolve("errors.png"));
                written.add(dir.resolve("errors.png"));
            }
        }
        return written;
    }

    private static Path text(Path file, String content) throws IOException {
        // not Files.createTempFile: its 0600 mode would stay on the renamed file
        Path tmp = file.toAbsolutePath().resolveSibling("." + file.getFileName() + "." + ProcessHandle.current().pid()
                + "." + Thread.currentThread().getId() + ".tmp");
        try {
            Files.writeString(tmp, content, StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return file;
    }
}
