package dev.glyph.inferencesdk.internal;

/** Pure-Java image preprocessing. */
public final class Preprocessor {
    private Preprocessor() {
    }

    /** Converts 784 gray8 bytes at offset to floats. */
    public static float[] gray8ToPixels(byte[] gray8, int offset) {
        float[] out = new float[784];
        for (int i = 0; i < 784; i++) {
            out[i] = (gray8[offset + i] & 0xFF) / 255f;
        }
        return out;
    }

    /** Validates pixels. */
    public static void checkPixels(float[] pixels) {
    }

    /** Decodes and preprocesses. */
    public static float[] fromEncoded(byte[] encoded) {
        throw new UnsupportedOperationException("not implemented yet");
    }
}
