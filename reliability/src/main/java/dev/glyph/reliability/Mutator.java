package dev.glyph.reliability;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Seeded mutations of valid protobuf messages: bit flips, byte overwrites with random and boundary
 * values, inserted, deleted and duplicated ranges, truncation, overlong varints, appended random
 * fields, splices of two seeds, and pure random bytes. The same (seed, index) always gives the same
 * bytes, whatever thread asks.
 *
 * <pre>{@code
 * Mutator m = new Mutator(List.of(validRequestBytes), 42);
 * byte[] bad = m.mutation(17);
 * }</pre>
 *
 * <p>Thread-safety: immutable; {@link #mutation(long)} may be called from any thread.
 */
public final class Mutator {

    /** Names of the operators, by index, for reports. */
    public static final List<String> OPERATORS = List.of("bit-flip", "random-byte", "boundary-byte", "insert",
            "delete", "truncate", "duplicate", "overlong-varint", "append-field", "random-bytes", "splice");

    private final List<byte[]> seeds;
    private final long seed;

    /** Mutates copies of {@code seeds} (valid serialized messages). */
    public Mutator(List<byte[]> seeds, long seed) {
        if (seeds.isEmpty()) {
            throw new IllegalArgumentException("no seed messages to mutate");
        }
        this.seeds = List.copyOf(seeds);
        this.seed = seed;
    }

    /** Returns mutation number {@code index}: one to three operators applied to one seed message. */
    public byte[] mutation(long index) {
        SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + index);
        byte[] b = seeds.get(r.nextInt(seeds.size())).clone();
        int ops = 1 + r.nextInt(3);
        for (int i = 0; i < ops; i++) {
            b = apply(r.nextInt(OPERATORS.size()), b, r);
        }
        return b;
    }

    private byte[] apply(int op, byte[] b, SplittableRandom r) {
        int n = b.length;
        switch (op) {
            case 0 -> {
                if (n > 0) {
                    int i = r.nextInt(n);
                    b[i] ^= (byte) (1 << r.nextInt(8));
                }
                return b;
            }
            case 1 -> {
                if (n > 0) {
                    b[r.nextInt(n)] = (byte) r.nextInt(256);
                }
                return b;
            }
            case 2 -> {
                if (n > 0) {
                    int[] v = {0x00, 0x01, 0x7f, 0x80, 0xff, 0x0a, 0x12, 0x1a};
                    b[r.nextInt(n)] = (byte) v[r.nextInt(v.length)];
                }
                return b;
            }
            case 3 -> {
                byte[] ins = new byte[1 + r.nextInt(8)];
                r.nextBytes(ins);
                return splice(b, r.nextInt(n + 1), 0, ins);
            }
            case 4 -> {
                if (n == 0) {
                    return b;
                }
                int at = r.nextInt(n);
                return splice(b, at, 1 + r.nextInt(Math.min(16, n - at)), new byte[0]);
            }
            case 5 -> {
                return Arrays.copyOf(b, n == 0 ? 0 : r.nextInt(n));
            }
            case 6 -> {
                if (n == 0) {
                    return b;
                }
                int at = r.nextInt(n);
                int len = 1 + r.nextInt(Math.min(64, n - at));
                return splice(b, r.nextInt(n + 1), 0, Arrays.copyOfRange(b, at, at + len));
            }
            case 7 -> {
                byte[] varint = {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) (r.nextBoolean() ? 0x0f : 0x7f)};
                int at = r.nextInt(n + 1);
                return splice(b, at, Math.min(n - at, r.nextInt(2)), varint);
            }
            case 8 -> {
                int field = 1 + r.nextInt(20);
                int wire = r.nextInt(6);
                byte[] payload = new byte[r.nextInt(12)];
                r.nextBytes(payload);
                byte[] f = new byte[2 + payload.length];
                f[0] = (byte) ((field << 3) | wire);
                f[1] = (byte) payload.length;
                System.arraycopy(payload, 0, f, 2, payload.length);
                return splice(b, n, 0, f);
            }
            case 9 -> {
                byte[] x = new byte[r.nextInt(65)];
                r.nextBytes(x);
                return x;
            }
            default -> {
                byte[] other = seeds.get(r.nextInt(seeds.size()));
                int cut = n == 0 ? 0 : r.nextInt(n);
                int from = other.length == 0 ? 0 : r.nextInt(other.length);
                byte[] out = Arrays.copyOf(b, cut + other.length - from);
                System.arraycopy(other, from, out, cut, other.length - from);
                return out;
            }
        }
    }

    private static byte[] splice(byte[] b, int at, int remove, byte[] insert) {
        byte[] out = new byte[b.length - remove + insert.length];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(insert, 0, out, at, insert.length);
        System.arraycopy(b, at + remove, out, at + insert.length, b.length - at - remove);
        return out;
    }
}
