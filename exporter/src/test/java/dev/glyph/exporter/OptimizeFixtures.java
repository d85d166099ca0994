package dev.glyph.exporter;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Optimised versions of the shared test model ({@link ExportFixtures#model()}), made once per JVM per set of
 * options, for the optimizer test classes. Calibration uses few images to keep the suite quick.
 */
final class OptimizeFixtures {

    /** Calibration images used by the shared int8 version. */
    static final int CALIBRATION_IMAGES = 200;

    private static final Map<String, OptimizeResult> MADE = new HashMap<>();

    private OptimizeFixtures() {
    }

    /** The default options of the test versions: small calibration subset, the repository's MNIST. */
    static OptimizeOptions.Builder options() {
        return OptimizeOptions.builder().calibrationImages(CALIBRATION_IMAGES).dataDir(ExportFixtures.DATA);
    }

    /** The shared int8 version {@code <root>/models/mnist/<version>}, made with {@code options} on first use. */
    static synchronized OptimizeResult version(String version, OptimizeOptions options) throws Exception {
        OptimizeResult r = MADE.get(version);
        if (r == null) {
            Path out = ExportFixtures.root().resolve("models").resolve("mnist").resolve(version);
            long t0 = System.nanoTime();
            r = Optimizer.optimize(ExportFixtures.model(), out, options);
            System.out.printf("optimised the shared test model to %s (%s) in %.1f s%n", version,
                    options.precision().id(), (System.nanoTime() - t0) / 1e9);
            System.out.print(r.gate().table());
            MADE.put(version, r);
        }
        return r;
    }

    /** The shared fp16 version 4. */
    static OptimizeResult fp16() throws Exception {
        return version("4", options().precision(Precision.FP16).build());
    }

    /** The shared int8 version 2 (default options but the small calibration subset). */
    static OptimizeResult int8() throws Exception {
        return version("2", options().build());
    }
}
