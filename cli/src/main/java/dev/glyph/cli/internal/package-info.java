/**
 * Implementation of the command line, not an API: the library logging set-up that {@code Main} applies
 * before any logger exists ({@link dev.glyph.cli.internal.CliLogging}) and the probes and report of
 * {@code glyph doctor} ({@link dev.glyph.cli.internal.Doctor}, {@link dev.glyph.cli.internal.DoctorReport}).
 */
package dev.glyph.cli.internal;
