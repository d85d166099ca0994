/**
 * Implementation of the data layer: IDX parsing, the npm and Debian fetchers, npm tarball reading
 * (commons-compress) and atomic file helpers. Not a public API: nothing outside the {@code data}
 * module imports it.
 */
package dev.glyph.datasets.internal;
