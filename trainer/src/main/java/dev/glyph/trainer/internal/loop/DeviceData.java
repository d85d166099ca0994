package dev.glyph.trainer.internal.loop;

import ai.djl.Device;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import dev.glyph.datasets.ImageSet;
import dev.glyph.trainer.internal.model.NativeNet;

/**
 * The training and test sets uploaded once to the training device: images as float32
 * [N,1,28,28] (pixel/255, standardised when {@code norm} is set), labels as int64 [N].
 *
 * <p>Thread-safety: not thread-safe; owned by one training.
 */
public record DeviceData(PtNDArray xTrain, PtNDArray yTrain, PtNDArray xTest, PtNDArray yTest) {

    private static final float MNIST_SCALE = 1f / 255f;

    /** Uploads {@code train} and {@code test} to {@code device}, owned by {@code m}. */
    public static DeviceData upload(PtNDManager m, Device device, ImageSet train, ImageSet test, double[] norm) {
        return new DeviceData(images(m, device, train, norm), labels(m, device, train),
                images(m, device, test, norm), labels(m, device, test));
    }

    /** Uploads {@code set}'s images as float32 [N,1,rows,cols], pixel/255, standardised with {@code norm} when set. */
    public static PtNDArray images(PtNDManager m, Device device, ImageSet set, double[] norm) {
        int px = set.rows() * set.cols();
        float[] f = new float[set.count() * px];
        byte[] raw = set.images();
        float mean = norm == null ? 0f : (float) norm[0];
        float inv = norm == null ? 1f : (float) (1 / norm[1]);
        for (int i = 0; i < f.length; i++) {
            f[i] = ((raw[i] & 0xff) * MNIST_SCALE - mean) * inv;
        }
        return NativeNet.upload(m, device, f, new Shape(set.count(), 1, set.rows(), set.cols()));
    }

    private static PtNDArray labels(PtNDManager m, Device device, ImageSet set) {
        long[] l = new long[set.count()];
        for (int i = 0; i < l.length; i++) {
            l[i] = set.labels()[i];
        }
        return (PtNDArray) m.create(l).toDevice(device, false);
    }

    /** The mean and standard deviation of {@code set}'s pixels (pixel/255). */
    public static double[] meanStd(ImageSet set) {
        double sum = 0;
        double sq = 0;
        byte[] raw = set.images();
        for (byte b : raw) {
            double v = (b & 0xff) / 255.0;
            sum += v;
            sq += v * v;
        }
        double mean = sum / raw.length;
        return new double[] {mean, Math.sqrt(Math.max(sq / raw.length - mean * mean, 1e-12))};
    }
}
