/**
 * Implementation of the evaluation module: pixel transforms, font rendering, JSON and the error grid drawing.
 * Not an API; may change without notice.
 */
package dev.glyph.evaluation.internal;
