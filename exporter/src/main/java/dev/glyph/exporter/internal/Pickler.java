package dev.glyph.exporter.internal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * An opcode-level writer of Python pickles in the dialect the TorchScript loader accepts (protocol 2).
 *
 * <p>Only opcodes that both libtorch 1.13 and 2.x read are offered: no APPEND (use {@link Op#MARK} ...
 * {@link Op#APPENDS} even for one element), no SHORT_BINUNICODE, no FRAME/MEMOIZE/STACK_GLOBAL, and integers
 * outside the signed 32-bit range go out as LONG1 with an 8-byte payload. Floats are BINFLOAT (big-endian double).
 * The caller is responsible for a well-formed opcode sequence; {@link #finish()} only appends STOP.
 *
 * <pre>{@code
 * Pickler p = new Pickler();          // writes PROTO 2
 * p.op(Pickler.Op.EMPTY_TUPLE);
 * byte[] constantsPkl = p.finish();   // 80 02 29 2E
 * }</pre>
 *
 * <p>Thread-safety: not thread-safe; use one instance per pickle.
 */
public final class Pickler {

    static final int PROTO = 0x80;
    static final int GLOBAL = 'c';
    static final int NEWTRUE = 0x88;
    static final int NEWFALSE = 0x89;
    static final int BININT1 = 'K';
    static final int BININT2 = 'M';
    static final int BININT = 'J';
    static final int LONG1 = 0x8A;
    static final int BINFLOAT = 'G';
    static final int BINUNICODE = 'X';
    static final int STOP = '.';

    /** The opcodes that take no argument, for {@link #op(Op)}. */
    public enum Op {
        /** Writes MARK, which opens a variable-length group closed by TUPLE, APPENDS or SETITEMS. */
        MARK('('),
        /** Writes EMPTY_TUPLE. */
        EMPTY_TUPLE(')'),
        /** Writes TUPLE: pops everything up to the last MARK into a tuple. */
        TUPLE('t'),
        /** Writes EMPTY_LIST. */
        EMPTY_LIST(']'),
        /** Writes APPENDS: appends everything up to the last MARK to the list below the MARK. */
        APPENDS('e'),
        /** Writes EMPTY_DICT. */
        EMPTY_DICT('}'),
        /** Writes SETITEMS: key/value pairs up to the last MARK go into the dict below the MARK. */
        SETITEMS('u'),
        /** Writes NONE. */
        NONE('N'),
        /** Writes NEWOBJ: {@code cls.__new__(cls, *args)} from the class and the argument tuple on the stack. */
        NEWOBJ(0x81),
        /** Writes BUILD: applies the state on top of the stack to the object below it. */
        BUILD('b'),
        /** Writes REDUCE: calls the callable below the top with the argument tuple on top. */
        REDUCE('R'),
        /** Writes BINPERSID: the object on the stack is a persistent id resolved by the reader. */
        BINPERSID('Q');

        private final int code;

        Op(int code) {
            this.code = code;
        }
    }

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private boolean finished;

    /** Starts a pickle by writing {@code PROTO 2}. */
    public Pickler() {
        op(PROTO);
        out.write(2);
    }

    /** Writes the opcode {@code op}, which takes no argument. */
    public Pickler op(Op op) {
        return op(op.code);
    }

    /** Writes NEWTRUE or NEWFALSE. */
    public Pickler bool(boolean value) {
        return op(value ? NEWTRUE : NEWFALSE);
    }

    /**
     * Writes an integer with the smallest opcode the TorchScript reader accepts: BININT1 (0..255), BININT2
     * (256..65535), BININT (signed 32-bit), otherwise LONG1 with length 8.
     */
    public Pickler integer(long value) {
        if (value >= 0 && value <= 0xFF) {
            op(BININT1);
            out.write((int) value);
        } else if (value >= 0 && value <= 0xFFFF) {
            op(BININT2);
            writeLittleEndian(value, 2);
        } else if (value >= Integer.MIN_VALUE && value <= Integer.MAX_VALUE) {
            op(BININT);
            writeLittleEndian(value, 4);
        } else {
            op(LONG1);
            out.write(8);
            writeLittleEndian(value, 8);
        }
        return this;
    }

    /** Writes BINFLOAT: an IEEE double, big-endian. */
    public Pickler float64(double value) {
        op(BINFLOAT);
        long bits = Double.doubleToRawLongBits(value);
        for (int shift = 56; shift >= 0; shift -= 8) {
            out.write((int) (bits >>> shift) & 0xFF);
        }
        return this;
    }

    /** Writes BINUNICODE: a 32-bit little-endian byte length and the UTF-8 bytes. */
    public Pickler string(String value) {
        if (value == null) {
            throw new IllegalArgumentException("pickle string is null");
        }
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        op(BINUNICODE);
        writeLittleEndian(utf8.length, 4);
        out.write(utf8, 0, utf8.length);
        return this;
    }

    /**
     * Writes GLOBAL {@code module.name}. Both parts must be non-empty and use only {@code [A-Za-z0-9_.]}, since
     * they are newline-terminated in the stream.
     */
    public Pickler global(String module, String name) {
        checkGlobalPart("module", module);
        checkGlobalPart("name", name);
        op(GLOBAL);
        byte[] m = module.getBytes(StandardCharsets.US_ASCII);
        out.write(m, 0, m.length);
        out.write('\n');
        byte[] n = name.getBytes(StandardCharsets.US_ASCII);
        out.write(n, 0, n.length);
        out.write('\n');
        return this;
    }

    /** Appends STOP and returns the complete pickle; the instance cannot be used afterwards. */
    public byte[] finish() {
        op(STOP);
        finished = true;
        return out.toByteArray();
    }

    private Pickler op(int opcode) {
        if (finished) {
            throw new IllegalStateException("pickle already finished with STOP");
        }
        out.write(opcode);
        return this;
    }

    private void writeLittleEndian(long value, int bytes) {
        for (int i = 0; i < bytes; i++) {
            out.write((int) (value >>> (8 * i)) & 0xFF);
        }
    }

    private static void checkGlobalPart(String what, String s) {
        if (s == null || s.isEmpty()) {
            throw new IllegalArgumentException("pickle GLOBAL " + what + " is empty");
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
                    || c == '.';
            if (!ok) {
                throw new IllegalArgumentException("pickle GLOBAL " + what + " '" + s + "' contains '" + c
                        + "'; only letters, digits, '_' and '.' are allowed");
            }
        }
    }
}
