/**
 * The reliability harness: a real {@code glyph serve} process on loopback ({@link dev.glyph.reliability.ServerProcess}),
 * raw-byte calls of every RPC ({@link dev.glyph.reliability.RawRpc}), seeded message mutations
 * ({@link dev.glyph.reliability.Mutator}), hostile images ({@link dev.glyph.reliability.HostileImages}), a JDWP hold
 * on the batcher worker ({@link dev.glyph.reliability.WorkerHold}), memory probes ({@link dev.glyph.reliability.HeapProbe},
 * {@link dev.glyph.reliability.ServerProcess#residentBytes()}), status counts and reports. The checks themselves are
 * the module's tests; see reliability/README.md and RELIABILITY.md.
 */
package dev.glyph.reliability;
