package dev.glyph.exporter;

import java.util.Map;

/**
 * What {@link Verifier#check} found for a model folder, whatever its precision: the fp32 parity report
 * ({@link ParityReport}) or the optimised-versus-fp32 gate ({@link GateReport}). Both are written as parity.json,
 * which the server's load gate reads for {@code passed} and {@code files["model.onnx"]}.
 *
 * <pre>{@code
 * VerificationReport r = Verifier.check(Path.of("models/mnist/2"), VerifyOptions.defaults());
 * System.out.print(r.table());
 * if (!r.passed()) System.err.println(r.failureMessage());
 * }</pre>
 *
 * <p>Thread-safety: implementations are immutable.
 */
public interface VerificationReport {

    /** Whether every criterion holds. */
    boolean passed();

    /** File name to the SHA-256 of the file that was checked ({@code model.onnx} at least). */
    Map<String, String> files();

    /** One line saying why the check failed, or null if it passed. */
    String failureMessage();

    /** A short human-readable table of the figures. */
    String table();

    /** The report as indented JSON (the content of parity.json), ending in a newline. */
    String toJson();
}
