/**
 * Glyph's data sets: fetching, verifying and reading the MNIST and Fashion-MNIST IDX files
 * ({@link dev.glyph.datasets.Datasets}) into plain Java values ({@link dev.glyph.datasets.Dataset},
 * {@link dev.glyph.datasets.ImageSet}). No DJL, no native code: SLF4J and commons-compress only, so a
 * load generator or a CLI command that only reads images stays small.
 *
 * <pre>{@code
 * Dataset mnist = Datasets.ensure("mnist", Path.of("data/mnist"));   // fetches on first use
 * ImageSet test = mnist.test();
 * }</pre>
 */
package dev.glyph.datasets;
