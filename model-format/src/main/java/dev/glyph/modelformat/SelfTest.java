package dev.glyph.modelformat;

import java.util.List;

/** PLACEHOLDER until the export-triton branch is merged. */
public record SelfTest(double tolerance, List<Case> cases) {
    /** One image. */
    public record Case(byte[] gray8, float[] logProbs) {
    }
}
