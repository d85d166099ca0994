package dev.glyph.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import dev.glyph.benchmarks.internal.BlasProbe;
import dev.glyph.benchmarks.internal.ReferenceProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Which BLAS the PyTorch reference of {@code glyph bench train} runs on: {@code ref_train.py --probe-blas}
 * in the reference's interpreter (Debian's python3-torch by default) reports the libraries mapped after a
 * matmul and torch's build config, and {@link BlasProbe} decides. The netlib reference BLAS is not what a
 * PyTorch user trains with, so {@code bench train} refuses it and {@code glyph doctor} says what to install.
 *
 * <pre>{@code
 * ReferenceBlas b = ReferenceBlas.probe("/usr/bin/python3", Path.of("benchmarks/reference/ref_train.py"));
 * if (!b.optimised()) System.err.println("apt-get install " + ReferenceBlas.OPTIMISED_PACKAGE);
 * }</pre>
 *
 * <p>Thread-safety: immutable.
 *
 * @param python the interpreter
 * @param torch torch's version in it
 * @param kind the BLAS in use: {@code openblas}, {@code mkl}, {@code blis}, {@code atlas}, {@code netlib} or {@code unknown}
 * @param library the library (or build-config entry) that told, or null
 */
public record ReferenceBlas(String python, String torch, String kind, String library) {

    /** The Debian package that replaces the netlib reference BLAS behind {@code libblas.so.3}. */
    public static final String OPTIMISED_PACKAGE = BlasProbe.OPTIMISED_PACKAGE;

    /**
     * Runs the probe (about two seconds: the interpreter imports torch and runs one matmul).
     *
     * @throws IOException if the interpreter or script cannot run, or prints no header
     */
    public static ReferenceBlas probe(String python, Path script) throws IOException {
        try (ReferenceProcess p = ReferenceProcess.start(ReferenceProcess.command(python, script,
                List.of("--probe-blas")), Map.of())) {
            return fromHeader(python, p.header());
        }
    }

    /** Decides from the reference's header line. */
    static ReferenceBlas fromHeader(String python, JsonNode header) {
        List<String> maps = new ArrayList<>();
        header.path("blas").path("maps").forEach(n -> maps.add(n.asText()));
        List<String> config = new ArrayList<>();
        header.path("blas").path("config").forEach(n -> config.add(n.asText()));
        BlasProbe.Blas b = BlasProbe.parse(maps, config);
        return new ReferenceBlas(python, header.path("torch").asText(), b.kind().id(), b.library());
    }

    /** Returns true unless the reference runs on the netlib reference BLAS. */
    public boolean optimised() {
        return !BlasProbe.Kind.NETLIB.id().equals(kind);
    }
}
