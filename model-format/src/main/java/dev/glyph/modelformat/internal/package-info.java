/**
 * Implementation of the model format: the Jackson configuration and the validating manifest parser.
 *
 * <p>Not a public API; types here may change without notice.
 */
package dev.glyph.modelformat.internal;
