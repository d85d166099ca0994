/**
 * The {@code ./glyph} command line: picocli subcommands (fetch, train, export, verify, classify,
 * serve, bench) over the trainer, exporter, SDK and server. Commands are thin: the work is done by
 * plain methods of those modules, which tests call directly.
 */
package dev.glyph.cli;
