/**
 * Public API of Glyph's model format, the one implementation of docs/model-folder.md:
 * {@link dev.glyph.modelformat.ModelFolder} (layout, file checks, atomic folder replacement),
 * {@link dev.glyph.modelformat.Manifest} (the manifest.json schema as records, written with Jackson) and
 * {@link dev.glyph.modelformat.ManifestFile} (reading and validating it), {@link dev.glyph.modelformat.FileDigest}
 * and {@link dev.glyph.modelformat.Sha256} (digests), {@link dev.glyph.modelformat.SelfTest} (the manifest's fixed
 * images and the outputs expected for them), {@link dev.glyph.modelformat.TritonConfig} (Triton's config.pbtxt of
 * {@code models/<name>/}, in protobuf text format) and {@link dev.glyph.modelformat.VersionPolicy} (which numbered
 * versions are served), and {@link dev.glyph.modelformat.AtomicFiles} (the one crash-safe file write: unique temp
 * file, fsync, atomic rename, fsync of the folder).
 *
 * <p>Dependencies: Jackson databind, protobuf-java and the SLF4J API only. Errors:
 * {@link dev.glyph.modelformat.ModelFormatException} (an {@link java.io.IOException}) with a one-line message naming
 * the file, what was found and what was expected.
 *
 * <p>Implementation classes live in {@code dev.glyph.modelformat.internal} and are not part of the API.
 */
package dev.glyph.modelformat;
