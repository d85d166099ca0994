/**
 * Throughput benchmarks for training and the SDK, run through {@code glyph bench} (the gRPC load
 * generator behind {@code glyph bench server} is in the {@code loadgen} module).
 *
 * <pre>{@code
 * SdkBenchmark.Result r = SdkBenchmark.run(new SdkBenchmark.Config(Path.of("models/mnist/1"),
 *         Duration.ofSeconds(2), Duration.ofSeconds(5), 0, 32, 3));
 * System.out.print(r.table());
 * }</pre>
 *
 * <p>Benchmarks are plain classes with a public method returning a result record; they print nothing
 * themselves except through the returned record.
 */
package dev.glyph.benchmarks;
