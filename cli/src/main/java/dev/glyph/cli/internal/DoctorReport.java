package dev.glyph.cli.internal;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Locale;

/**
 * What {@code glyph doctor} found: the facts (one JSON object) and one finding per check, each problem with
 * one line saying what to do.
 *
 * <pre>{@code
 * DoctorReport r = Doctor.run(settings, Doctor.Probes.system());
 * System.out.print(r.text());           // or r.json()
 * int exit = r.ok() ? 0 : 1;
 * }</pre>
 *
 * <p>Thread-safety: not thread-safe (the facts object is mutable JSON); use from one thread.
 *
 * @param facts everything probed, as {@code --json} prints it (without {@code findings} and {@code ok})
 * @param findings the checks in the order printed
 * @param gpuRequested whether {@code --device gpu} made the GPU checks required
 */
public record DoctorReport(ObjectNode facts, List<Finding> findings, boolean gpuRequested) {

    /** How a check came out. */
    public enum Status {
        /** Present and usable. */
        OK,
        /** A fact that needs no action for what was asked. */
        INFO,
        /** Works, but something is worse than it should be (only {@code bench train} or speed affected). */
        WARN,
        /** Something the requested job needs is missing: exit 1. */
        FAIL;

        String tag() {
            return switch (this) {
                case OK -> "[ok]  ";
                case INFO -> "[info]";
                case WARN -> "[warn]";
                case FAIL -> "[FAIL]";
            };
        }
    }

    /**
     * One check.
     *
     * @param check what was checked, e.g. {@code libtorch}, {@code data}
     * @param status how it came out
     * @param detail what was found, one line
     * @param fix what to do, one line; null for {@link Status#OK} and {@link Status#INFO}
     */
    public record Finding(String check, Status status, String detail, String fix) {
    }

    /** Copies. */
    public DoctorReport {
        findings = List.copyOf(findings);
    }

    /** Returns whether no check failed: what the default job (and, with {@code --device gpu}, the GPU) needs is present. */
    public boolean ok() {
        return findings.stream().noneMatch(f -> f.status() == Status.FAIL);
    }

    /** Returns the findings that need action (WARN and FAIL). */
    public List<Finding> problems() {
        return findings.stream().filter(f -> f.status() == Status.WARN || f.status() == Status.FAIL).toList();
    }

    /** Returns the human-readable report: one line per check, a {@code ->} line under each problem, a summary. */
    public String text() {
        StringBuilder b = new StringBuilder();
        for (Finding f : findings) {
            b.append(f.status().tag()).append(' ').append(f.check()).append(": ").append(f.detail()).append('\n');
            if (f.fix() != null) {
                b.append("       -> ").append(f.fix()).append('\n');
            }
        }
        long fails = findings.stream().filter(f -> f.status() == Status.FAIL).count();
        long warns = findings.stream().filter(f -> f.status() == Status.WARN).count();
        if (fails == 0) {
            b.append("ready: CPU training, export and offline serving have what they need")
                    .append(gpuRequested ? ", and so has the GPU" : "")
                    .append(warns == 0 ? "" : String.format(Locale.ROOT, " (%d warning%s above)", warns, warns == 1 ? "" : "s"))
                    .append('\n');
        } else {
            b.append(String.format(Locale.ROOT, "%d problem%s: %s; do what the -> line%s say%s%n", fails,
                    fails == 1 ? "" : "s", gpuRequested ? "what the requested job (and the GPU) needs is missing"
                    : "the default job (CPU training, export, offline serving) cannot run", fails == 1 ? "" : "s",
                    fails == 1 ? "s" : ""));
        }
        return b.toString();
    }

    /** Returns the whole report as one JSON object on one line: the facts, {@code findings} and {@code ok}. */
    public String json() {
        ObjectNode o = facts.deepCopy();
        ArrayNode a = o.putArray("findings");
        for (Finding f : findings) {
            a.addObject().put("check", f.check()).put("status", f.status().name().toLowerCase(Locale.ROOT))
                    .put("detail", f.detail()).put("fix", f.fix());
        }
        o.put("ok", ok());
        return o.toString();
    }
}
