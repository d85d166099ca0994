package dev.glyph.exporter;

import static dev.glyph.exporter.internal.Pickler.Op.APPENDS;
import static dev.glyph.exporter.internal.Pickler.Op.BINPERSID;
import static dev.glyph.exporter.internal.Pickler.Op.BUILD;
import static dev.glyph.exporter.internal.Pickler.Op.EMPTY_DICT;
import static dev.glyph.exporter.internal.Pickler.Op.EMPTY_LIST;
import static dev.glyph.exporter.internal.Pickler.Op.EMPTY_TUPLE;
import static dev.glyph.exporter.internal.Pickler.Op.MARK;
import static dev.glyph.exporter.internal.Pickler.Op.NEWOBJ;
import static dev.glyph.exporter.internal.Pickler.Op.NONE;
import static dev.glyph.exporter.internal.Pickler.Op.REDUCE;
import static dev.glyph.exporter.internal.Pickler.Op.SETITEMS;
import static dev.glyph.exporter.internal.Pickler.Op.TUPLE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glyph.testtools.OutsideTools;
import dev.glyph.exporter.internal.Pickler;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Opcode-level tests of {@link Pickler}; expected bytes come from the pickle protocol 2 definition. */
class PicklerTest {

    /** Bytes between PROTO 2 and STOP. */
    private static byte[] body(Pickler p) {
        byte[] all = p.finish();
        assertEquals((byte) 0x80, all[0], "PROTO opcode");
        assertEquals(2, all[1], "protocol number");
        assertEquals('.', all[all.length - 1], "STOP");
        return Arrays.copyOfRange(all, 2, all.length - 1);
    }

    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static byte[] le(long value, int n) {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value);
        return Arrays.copyOf(b.array(), n);
    }

    @Test
    void finish_emptyTuple_isProto2EmptyTupleStop() {
        assertArrayEquals(bytes(0x80, 0x02, ')', '.'), new Pickler().op(EMPTY_TUPLE).finish());
    }

    @Test
    void integer_unsignedByteRange_usesBinInt1() {
        assertArrayEquals(bytes('K', 0), body(new Pickler().integer(0)));
        assertArrayEquals(bytes('K', 0xFF), body(new Pickler().integer(255)));
    }

    @Test
    void integer_unsignedShortRange_usesBinInt2LittleEndian() {
        assertArrayEquals(bytes('M', 0x00, 0x01), body(new Pickler().integer(256)));
        assertArrayEquals(bytes('M', 0xFF, 0xFF), body(new Pickler().integer(65535)));
    }

    @Test
    void integer_signedIntRange_usesBinIntLittleEndian() {
        assertArrayEquals(concat(bytes('J'), le(65536, 4)), body(new Pickler().integer(65536)));
        assertArrayEquals(concat(bytes('J'), le(-1, 4)), body(new Pickler().integer(-1)));
        assertArrayEquals(concat(bytes('J'), le(Integer.MAX_VALUE, 4)),
                body(new Pickler().integer(Integer.MAX_VALUE)));
        assertArrayEquals(concat(bytes('J'), le(Integer.MIN_VALUE, 4)),
                body(new Pickler().integer(Integer.MIN_VALUE)));
    }

    @Test
    void integer_beyondInt32_usesLong1WithLengthEight() {
        long big = 1L << 31;
        assertArrayEquals(concat(bytes(0x8A, 8), le(big, 8)), body(new Pickler().integer(big)));
        long small = (long) Integer.MIN_VALUE - 1;
        assertArrayEquals(concat(bytes(0x8A, 8), le(small, 8)), body(new Pickler().integer(small)));
        assertArrayEquals(concat(bytes(0x8A, 8), le(Long.MIN_VALUE, 8)), body(new Pickler().integer(Long.MIN_VALUE)));
    }

    @Test
    void float64_value_isBinFloatBigEndian() {
        double v = -1.5e-3;
        byte[] be = ByteBuffer.allocate(8).order(ByteOrder.BIG_ENDIAN).putDouble(v).array();
        assertArrayEquals(concat(bytes('G'), be), body(new Pickler().float64(v)));
    }

    @Test
    void string_nonAscii_isBinUnicodeWithUtf8ByteLength() {
        String s = "µ-weight";
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        assertEquals(s.length() + 1, utf8.length, "µ takes two UTF-8 bytes");
        assertArrayEquals(concat(bytes('X'), le(utf8.length, 4), utf8), body(new Pickler().string(s)));
    }

    @Test
    void string_empty_isBinUnicodeWithZeroLength() {
        assertArrayEquals(bytes('X', 0, 0, 0, 0), body(new Pickler().string("")));
    }

    @Test
    void global_moduleAndName_areNewlineTerminated() {
        assertArrayEquals(("c" + "torch._utils\n_rebuild_tensor_v2\n").getBytes(StandardCharsets.US_ASCII),
                body(new Pickler().global("torch._utils", "_rebuild_tensor_v2")));
    }

    @Test
    void global_newlineInName_throwsIllegalArgument() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Pickler().global("torch", "Float\nStorage"));
        assertTrue(e.getMessage().contains("Float\nStorage"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Pickler().global("", "x"));
        assertThrows(IllegalArgumentException.class, () -> new Pickler().global("a b", "x"));
    }

    @Test
    void simpleOpcodes_eachWritesItsByte() {
        byte[] b = body(new Pickler().op(MARK).op(TUPLE).op(EMPTY_LIST).op(APPENDS).op(EMPTY_DICT).op(SETITEMS).op(NONE)
                .bool(true).bool(false).op(NEWOBJ).op(BUILD).op(REDUCE).op(BINPERSID));
        assertArrayEquals(bytes('(', 't', ']', 'e', '}', 'u', 'N', 0x88, 0x89, 0x81, 'b', 'R', 'Q'), b);
    }

    @Test
    void list_singleElement_usesMarkAppendsNeverAppend() {
        byte[] b = body(new Pickler().op(EMPTY_LIST).op(MARK).integer(7).op(APPENDS));
        assertArrayEquals(bytes(']', '(', 'K', 7, 'e'), b);
    }

    @Test
    void finish_calledTwice_throwsIllegalState() {
        Pickler p = new Pickler();
        p.finish();
        assertThrows(IllegalStateException.class, p::finish);
        assertThrows(IllegalStateException.class, () -> p.op(NONE));
    }

    /** Python's own unpickler is an independent reader of the same bytes. */
    @Test
    void finish_mixedValues_pythonUnpicklerReadsThem(@TempDir Path dir) throws IOException {
        String python = OutsideTools.requirePython().toString();
        Pickler p = new Pickler();
        p.op(EMPTY_DICT).op(MARK);
        p.string("ints").op(EMPTY_LIST).op(MARK);
        for (long v : new long[] {0, 255, 256, 65535, 65536, -1, Integer.MAX_VALUE, Integer.MIN_VALUE,
                1L << 40, -(1L << 40), Long.MAX_VALUE, Long.MIN_VALUE}) {
            p.integer(v);
        }
        p.op(APPENDS);
        p.string("floats").op(MARK).float64(0.1).float64(-2.5e300).float64(Double.MIN_VALUE).op(TUPLE);
        p.string("text").string("Grüße");
        p.string("flags").op(MARK).bool(true).bool(false).op(NONE).op(TUPLE);
        p.string("od").global("collections", "OrderedDict").op(EMPTY_TUPLE).op(REDUCE);
        p.op(SETITEMS);
        Path file = dir.resolve("p.pkl");
        Files.write(file, p.finish());
        String script = String.join("\n",
                "import pickle, sys",
                "d = pickle.load(open(sys.argv[1], 'rb'))",
                "print(repr(sorted(d.keys())))",
                "print(repr(d['ints']))",
                "print(repr(d['floats']))",
                "print(d['text'] == 'Gr\\u00fc\\u00dfe')",
                "print(repr(d['flags']))",
                "print(type(d['od']).__name__, len(d['od']))");
        TorchScriptFixtures.Result r = TorchScriptFixtures.run(List.of(python, "-c", script, file.toString()), 60);
        assertEquals(0, r.exitCode(), r.stderr());
        List<String> lines = r.stdout().lines().toList();
        assertEquals("['flags', 'floats', 'ints', 'od', 'text']", lines.get(0));
        assertEquals("[0, 255, 256, 65535, 65536, -1, 2147483647, -2147483648, 1099511627776, -1099511627776, "
                + "9223372036854775807, -9223372036854775808]", lines.get(1));
        assertEquals("(0.1, -2.5e+300, 5e-324)", lines.get(2));
        assertEquals("True", lines.get(3));
        assertEquals("(True, False, None)", lines.get(4));
        assertEquals("OrderedDict 0", lines.get(5));
    }
}
