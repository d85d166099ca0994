package dev.glyph.trainer;

/** Where training runs ({@code ./glyph train --device}). */
public enum DeviceChoice {
    /** A GPU if DJL's PyTorch engine sees one, else the CPU. */
    AUTO,
    /** Always the CPU. */
    CPU,
    /** The first GPU; an error when the engine sees none. */
    GPU
}
