/**
 * Test-only helpers shared by every module's tests: {@link dev.glyph.testtools.OutsideTools} finds the outside
 * tools some tests need (Debian's python3 with torch, onnx or grpcio; data sets) and skips the test on a
 * developer box without them, but fails it when the environment has {@code CI=true}.
 *
 * <p>Use only with {@code <scope>test</scope>}.
 */
package dev.glyph.testtools;
