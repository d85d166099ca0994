package dev.glyph.cli;

/**
 * Entry point of the {@code ./glyph} launcher. The only {@code System.exit} in Glyph is here.
 */
public final class Main {

    private Main() {
    }

    /** Runs the command line and exits with its code. */
    public static void main(String[] args) {
        int code = GlyphCommand.newCommandLine().execute(args);
        System.exit(code);
    }
}
