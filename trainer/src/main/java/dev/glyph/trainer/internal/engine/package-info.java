/**
 * The engine layer: the one class that calls DJL's undocumented PyTorch JNI ({@link dev.glyph.trainer.internal.engine.Torch}),
 * libtorch's global flags that DJL does not expose, and the process-wide setup (offline mode, malloc tuning). Not a
 * public API.
 */
package dev.glyph.trainer.internal.engine;
