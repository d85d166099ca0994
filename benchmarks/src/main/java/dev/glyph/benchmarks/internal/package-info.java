/**
 * Implementation of the benchmarks: the PyTorch reference process, the BLAS probe parser, the CPU
 * description and round statistics. Not part of the API; only {@code dev.glyph.benchmarks} uses it.
 */
package dev.glyph.benchmarks.internal;
