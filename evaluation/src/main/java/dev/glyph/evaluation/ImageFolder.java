package dev.glyph.evaluation;

import dev.glyph.inferencesdk.DigitImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * A labelled image folder loaded as a test set. Two layouts are accepted:
 *
 * <pre>
 * digits/                       scans/
 *   0/a.png  0/b.jpg              0001_7.png      label after the last underscore
 *   1/c.png                       0002_3.jpeg
 *   ...                           photo_of_a_nine_9.png
 * </pre>
 *
 * <p>In the class-folder layout every entry of the root is a folder named by one digit 0-9 holding image files
 * directly; in the flat layout every entry is an image file whose name (without extension) ends in
 * {@code _LABEL}. Hidden entries (names starting with a dot) are ignored. Every image goes through the SDK's
 * MNIST-style preprocessing ({@link DigitImage#ofEncoded}), so any format and size the SDK decodes (PNG, JPEG,
 * BMP, GIF) works. A file the SDK cannot decode (truncated, not an image) does not stop the load: it is listed
 * in {@link #rejected()} with its path and reason.
 *
 * <pre>{@code
 * ImageFolder f = ImageFolder.load(Path.of("digits"));
 * System.out.println(f.images().size() + " images, " + f.rejected().size() + " undecodable");
 * }</pre>
 *
 * <p>Thread-safety: immutable.
 *
 * @param root the folder
 * @param layout which layout it has
 * @param images the decoded images, sorted by path
 * @param rejected files that could not be decoded, sorted by path
 */
public record ImageFolder(Path root, Layout layout, List<LabelledImage> images, List<Rejected> rejected) {

    /** The two accepted layouts. */
    public enum Layout {
        /** {@code LABEL/xxx.png}, LABEL a digit 0-9. */
        CLASS_FOLDERS,
        /** {@code NNNN_LABEL.png}, the label after the last underscore. */
        FLAT
    }

    /**
     * A file that was skipped because the SDK could not decode it.
     *
     * @param file its path
     * @param reason why, on one line
     */
    public record Rejected(Path file, String reason) {
        /** Checks for nulls. */
        public Rejected {
            Objects.requireNonNull(file, "file");
            Objects.requireNonNull(reason, "reason");
        }
    }

    /** Checks for nulls and copies the lists. */
    public ImageFolder {
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(layout, "layout");
        images = List.copyOf(images);
        rejected = List.copyOf(rejected);
    }

    /** Returns the number of files found: decoded plus rejected. */
    public int files() {
        return images.size() + rejected.size();
    }

    /**
     * Loads {@code root}.
     *
     * @throws IllegalArgumentException if the layout is wrong, naming the path and what was expected: the root is
     *     empty or not a folder, a class folder's name is not a digit, a class folder is empty or holds a folder,
     *     files and class folders are mixed, or a flat file name has no {@code _LABEL}
     * @throws IOException if a folder or file cannot be read
     */
    public static ImageFolder load(Path root) throws IOException {
        if (root == null) {
            throw new IllegalArgumentException("image folder is null; expected a folder of LABEL/xxx.png or NNNN_LABEL.png");
        }
        if (!Files.exists(root)) {
            throw new NoSuchFileException(root.toString(), null, "no such image folder");
        }
        if (!Files.isDirectory(root)) {
            throw new NotDirectoryException(root + " (expected a folder of LABEL/xxx.png or NNNN_LABEL.png)");
        }
        List<Path> entries = visible(root);
        if (entries.isEmpty()) {
            throw new IllegalArgumentException("image folder " + root
                    + " is empty; expected digit folders 0-9 (LABEL/xxx.png) or files named NNNN_LABEL.png");
        }
        List<Path> dirs = entries.stream().filter(Files::isDirectory).toList();
        List<Path> files = entries.stream().filter(p -> !Files.isDirectory(p)).toList();
        if (!dirs.isEmpty() && !files.isEmpty()) {
            throw new IllegalArgumentException("image folder " + root + " mixes " + dirs.size() + " folder(s) (e.g. "
                    + dirs.get(0).getFileName() + ") and " + files.size() + " file(s) (e.g. "
                    + files.get(0).getFileName() + "); expected only digit folders 0-9 or only NNNN_LABEL files");
        }
        List<LabelledImage> images = new ArrayList<>();
        List<Rejected> rejected = new ArrayList<>();
        if (!dirs.isEmpty()) {
            for (Path d : dirs) {
                String name = d.getFileName().toString();
                if (!name.matches("[0-9]")) {
                    throw new IllegalArgumentException("folder " + d + " is named '" + name
                            + "', not a digit; expected class folders named 0-9 (LABEL/xxx.png)");
                }
                List<Path> inside = visible(d);
                if (inside.isEmpty()) {
                    throw new IllegalArgumentException("class folder " + d + " is empty; expected image files");
                }
                for (Path f : inside) {
                    if (Files.isDirectory(f)) {
                        throw new IllegalArgumentException("class folder " + d + " holds a folder " + f.getFileName()
                                + "; expected image files only");
                    }
                    decode(f, name.charAt(0) - '0', images, rejected);
                }
            }
            return new ImageFolder(root, Layout.CLASS_FOLDERS, images, rejected);
        }
        for (Path f : files) {
            decode(f, flatLabel(f), images, rejected);
        }
        return new ImageFolder(root, Layout.FLAT, images, rejected);
    }

    /**
     * Returns the label of a flat-layout file name: the digit after the last underscore, before the extension.
     *
     * @throws IllegalArgumentException naming the file when there is no such digit
     */
    static int flatLabel(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String stem = dot > 0 ? name.substring(0, dot) : name;
        int us = stem.lastIndexOf('_');
        String label = us < 0 ? "" : stem.substring(us + 1);
        if (!label.matches("[0-9]")) {
            throw new IllegalArgumentException("file " + file + " has no label: "
                    + (us < 0 ? "no underscore in its name" : "'" + label + "' after the last underscore is not a digit")
                    + "; expected a name like NNNN_LABEL.png with LABEL 0-9 (or class folders LABEL/xxx.png)");
        }
        return label.charAt(0) - '0';
    }

    private static void decode(Path f, int label, List<LabelledImage> images, List<Rejected> rejected)
            throws IOException {
        byte[] bytes = Files.readAllBytes(f);
        try {
            images.add(new LabelledImage(f.toString(), "", label, DigitImage.ofEncoded(bytes)));
        } catch (IllegalArgumentException e) {
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().replaceAll("\\s+", " ");
            rejected.add(new Rejected(f, why));
        }
    }

    private static List<Path> visible(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
        }
    }
}
