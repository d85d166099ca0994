package dev.glyph.evaluation;

import java.util.Optional;

/**
 * What {@link RobustnessSuite#run} found: the font-rendered digits' report and the shifted-MNIST report, each
 * present when its suite ran.
 *
 * <p>Thread-safety: immutable.
 *
 * @param fonts the font digits' report, or null when that suite did not run
 * @param shifts the shifts' report, or null when that suite did not run
 */
public record RobustnessReport(EvaluationReport fonts, ShiftReport shifts) {

    /** Returns the font digits' report, if that suite ran. */
    public Optional<EvaluationReport> fontReport() {
        return Optional.ofNullable(fonts);
    }

    /** Returns the shifts' report, if that suite ran. */
    public Optional<ShiftReport> shiftReport() {
        return Optional.ofNullable(shifts);
    }
}
