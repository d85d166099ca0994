/**
 * Load generators for a running Glyph server, run through {@code glyph bench server}; they need
 * only the {@code client} module (no server, DJL or ONNX Runtime).
 *
 * <pre>{@code
 * ServerBenchmark.Result r = ServerBenchmark.run(new ServerBenchmark.Config("localhost:50051",
 *         List.of(1, 8, 32, 64), Duration.ofSeconds(2), Duration.ofSeconds(10), 1, Path.of("data/mnist"),
 *         "http://localhost:9464/metrics"), p -> System.out.println(p.text()));
 * System.out.print(r.table());
 * }</pre>
 *
 * <p>{@link dev.glyph.loadgen.ServerBenchmark} drives {@code glyph.v1.Classifier} in a closed
 * loop. Load generators print nothing themselves; results are records with text and JSON forms.
 * Load generators of further protocols (the Open Inference Protocol over gRPC and HTTP) belong here.
 */
package dev.glyph.loadgen;
