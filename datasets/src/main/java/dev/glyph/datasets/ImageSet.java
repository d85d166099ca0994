package dev.glyph.datasets;

import java.util.Arrays;
import java.util.Objects;

/**
 * One split of an IDX data set: {@code count} gray images of {@code rows x cols} raw bytes plus
 * one label per image.
 *
 * <p>Image {@code i} occupies {@code images[i * pixelsPerImage() .. (i + 1) * pixelsPerImage())}
 * in row-major order; each byte is an unsigned gray value 0..255 with 0 the background (read it
 * as {@code images[k] & 0xff}). Labels are 0..9. The arrays are not copied (the training set is
 * 47 MB), so callers must not modify them.
 *
 * <pre>{@code
 * ImageSet train = Datasets.ensure("mnist", dir).train();
 * int pixel = train.images()[7 * train.pixelsPerImage() + 14 * train.cols() + 14] & 0xff;
 * int digit = train.label(7);
 * }</pre>
 *
 * <p>Thread-safety: safe to share between threads as long as nobody writes to the arrays.
 *
 * @param count number of images, at least 0
 * @param rows image height in pixels (28 for MNIST)
 * @param cols image width in pixels (28 for MNIST)
 * @param images {@code count * rows * cols} gray bytes
 * @param labels {@code count} labels, each 0..9
 */
public record ImageSet(int count, int rows, int cols, byte[] images, byte[] labels) {

    /** Validates the dimensions, the array lengths and the label range. */
    public ImageSet {
        if (count < 0) {
            throw new IllegalArgumentException("count is " + count + ", expected >= 0");
        }
        if (rows <= 0 || cols <= 0) {
            throw new IllegalArgumentException("image size is " + rows + "x" + cols + ", expected positive");
        }
        Objects.requireNonNull(images, "images");
        Objects.requireNonNull(labels, "labels");
        long expected = (long) count * rows * cols;
        if (images.length != expected) {
            throw new IllegalArgumentException("images has " + images.length + " bytes, expected count*rows*cols = "
                    + count + "*" + rows + "*" + cols + " = " + expected);
        }
        if (labels.length != count) {
            throw new IllegalArgumentException("labels has " + labels.length + " entries, expected count = " + count);
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] > 9) {
                throw new IllegalArgumentException("label at index " + i + " is " + (labels[i] & 0xff)
                        + ", expected 0..9");
            }
        }
    }

    /** Returns {@code rows * cols}, the number of bytes per image. */
    public int pixelsPerImage() {
        return rows * cols;
    }

    /** Returns the label (0..9) of image {@code index}. */
    public int label(int index) {
        Objects.checkIndex(index, count);
        return labels[index];
    }

    /**
     * Returns a copy holding the first {@code n} images, for quick runs on a subset.
     *
     * @throws IllegalArgumentException if {@code n} is negative or larger than {@code count}
     */
    public ImageSet first(int n) {
        if (n < 0 || n > count) {
            throw new IllegalArgumentException("first(" + n + "): expected 0.." + count);
        }
        return new ImageSet(n, rows, cols, Arrays.copyOf(images, n * pixelsPerImage()), Arrays.copyOf(labels, n));
    }

    /**
     * Returns a copy holding the images at {@code indices}, in that order.
     *
     * @throws IllegalArgumentException if an index is outside 0..count-1
     */
    public ImageSet select(int[] indices) {
        int px = pixelsPerImage();
        byte[] img = new byte[indices.length * px];
        byte[] lab = new byte[indices.length];
        for (int i = 0; i < indices.length; i++) {
            int k = indices[i];
            if (k < 0 || k >= count) {
                throw new IllegalArgumentException("select: index " + k + " is outside 0.." + (count - 1));
            }
            System.arraycopy(images, k * px, img, i * px, px);
            lab[i] = labels[k];
        }
        return new ImageSet(indices.length, rows, cols, img, lab);
    }

    /** Two sets are equal when their dimensions, pixels and labels are equal. */
    @Override
    public boolean equals(Object o) {
        return o instanceof ImageSet s && s.count == count && s.rows == rows && s.cols == cols
                && Arrays.equals(s.labels, labels) && Arrays.equals(s.images, images);
    }

    @Override
    public int hashCode() {
        return Objects.hash(count, rows, cols, Arrays.hashCode(labels));
    }

    @Override
    public String toString() {
        return "ImageSet[count=" + count + ", rows=" + rows + ", cols=" + cols + "]";
    }
}
