package dev.glyph.trainer.internal.engine;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.pytorch.jni.LibUtils;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The only door to DJL's undocumented {@code ai.djl.pytorch.jni.JniUtils} (and {@code LibUtils}): every libtorch call of
 * the trainer that DJL's public {@code NDArray}/{@code NDManager} API cannot make goes through here.
 *
 * <p>Why it is needed: DJL's public API has no autograd switch (grad mode is on inside DJL's own
 * {@code GradientCollector} only), no process-wide thread count, generator seed or cuDNN benchmark
 * switch, no {@code backward} with a seed gradient (the lr-seeded step relies on it), no
 * {@code Dropout2d}-style mask from libtorch's generator, and no in-place {@code add_}/{@code sub_} or
 * fused Adam kernel on {@code PtNDArray}. Its public equivalents of convolution, linear, log-softmax
 * and so on go through DJL's {@code NDArrayEx} dispatch and allocate wrapper objects and copies that
 * cost milliseconds per step (see docs/architecture.md, "Training: why it is fast").
 *
 * <p>Tied to DJL 0.36.0 ({@code ai.djl.pytorch:pytorch-engine:0.36.0} with
 * {@code pytorch-jni:2.7.1-0.36.0}, libtorch 2.7.1). {@code JniUtils} is public only for DJL's own
 * engine classes and its signatures change between DJL releases without notice: when DJL is
 * upgraded, this is the one class to review and recompile against the new release (the trainer's
 * and exporter's tests, including the PyTorch fidelity test, then show whether the semantics held).
 *
 * <p>Thread-safety: stateless; the process-wide switches (grad mode is per thread in libtorch,
 * thread count, seed and cuDNN flags are global) belong to the single training or evaluation that
 * runs at a time.
 */
public final class Torch {

    private Torch() {
    }

    /**
     * Restores the previous autograd mode on close.
     *
     * <pre>{@code
     * try (Torch.GradMode g = Torch.noGrad()) { ... }
     * }</pre>
     */
    public static final class GradMode implements AutoCloseable {
        private final boolean previous;

        private GradMode(boolean previous) {
            this.previous = previous;
        }

        @Override
        public void close() {
            JniUtils.setGradMode(previous);
        }
    }

    /** Turns autograd off until the returned handle is closed. */
    public static GradMode noGrad() {
        GradMode g = new GradMode(JniUtils.isGradMode());
        JniUtils.setGradMode(false);
        return g;
    }

    /** Whether libtorch records autograd graphs on this thread. */
    public static boolean isGradMode() {
        return JniUtils.isGradMode();
    }

    /** Turns autograd recording on or off for this thread. */
    public static void setGradMode(boolean enabled) {
        JniUtils.setGradMode(enabled);
    }

    /** Sets libtorch's intra-op thread count (process-wide). */
    public static void setNumThreads(int threads) {
        JniUtils.setNumThreads(threads);
    }

    /** libtorch's intra-op thread count. */
    public static int numThreads() {
        return JniUtils.getNumThreads();
    }

    /** Turns cuDNN's benchmark mode (per-shape autotuning, a source of run-to-run variation) off. */
    public static void disableCudnnBenchmark() {
        JniUtils.setBenchmarkCuDNN(false);
    }

    /**
     * The folder DJL loaded libtorch from (DJL's {@code LibUtils.getLibtorchPath()}, as undocumented as
     * {@code JniUtils}); valid once the engine is loaded.
     */
    public static String libtorchDir() {
        return LibUtils.getLibtorchPath();
    }

    /** Re-seeds libtorch's default generators (CPU and CUDA). */
    public static void manualSeed(long seed) {
        JniUtils.setSeed(seed);
    }

    /** Copies a float array to a new tensor of {@code shape} on {@code device}, owned by {@code m}. */
    public static PtNDArray upload(PtNDManager m, Device device, float[] data, Shape shape) {
        ByteBuffer bb = ByteBuffer.allocateDirect(data.length * 4).order(ByteOrder.nativeOrder());
        bb.asFloatBuffer().put(data);
        return JniUtils.createNdFromByteBuffer(m, bb, shape, DataType.FLOAT32, SparseFormat.DENSE, device);
    }

    /** Rows {@code from..to-1} of dimension 0 as a view (no copy), owned by {@code step}. */
    public static PtNDArray rows(PtNDArray a, long from, long to, PtNDManager step) {
        PtNDArray s = JniUtils.slice(a, 0, from, to, 1);
        s.attach(step);
        return s;
    }

    /** A strided view {@code a[from:to:step]} per dimension, owned by {@code m}. */
    public static PtNDArray view(PtNDArray a, long[] from, long[] to, long[] step, PtNDManager m) {
        return JniUtils.index(a, from, to, step, m);
    }

    /** 2-D convolution, stride 1, no padding, no dilation, one group. */
    public static PtNDArray conv2d(PtNDArray x, PtNDArray w, PtNDArray b) {
        return JniUtils.convolution(x, w, b, STRIDE1, PAD0, STRIDE1, 1);
    }

    /** 2x2, stride-2 max pooling by libtorch's {@code max_pool2d}. */
    public static PtNDArray maxPool2x2(PtNDArray x) {
        return JniUtils.maxPool(x, POOL2, POOL2, PAD0, false);
    }

    /** 3x3, stride-1 max pooling with 1 pixel of padding (a grey-level dilation that keeps the size). */
    public static PtNDArray maxPool3x3(PtNDArray x) {
        return JniUtils.maxPool(x, POOL3, STRIDE1, PAD1, false);
    }

    private static final Shape POOL3 = new Shape(3, 3);
    private static final Shape PAD1 = new Shape(1, 1);
    private static final Shape STRIDE1 = new Shape(1, 1);
    private static final Shape PAD0 = new Shape(0, 0);
    private static final Shape POOL2 = new Shape(2, 2);

    /** {@code x W^T + b}. */
    public static PtNDArray linear(PtNDArray x, PtNDArray w, PtNDArray b) {
        return JniUtils.linear(x, w, b);
    }

    /** Element-wise ReLU. */
    public static PtNDArray relu(PtNDArray x) {
        return JniUtils.relu(x);
    }

    /** Element-wise maximum. */
    public static PtNDArray max(PtNDArray a, PtNDArray b) {
        return JniUtils.max(a, b);
    }

    /** Element-wise (broadcasting) product. */
    public static PtNDArray mul(PtNDArray a, PtNDArray b) {
        return JniUtils.mul(a, b);
    }

    /** Element-wise (broadcasting) sum. */
    public static PtNDArray add(PtNDArray a, PtNDArray b) {
        return JniUtils.add(a, b);
    }

    /** Element-wise (broadcasting) difference. */
    public static PtNDArray sub(PtNDArray a, PtNDArray b) {
        return JniUtils.sub(a, b);
    }

    /** Element-wise negation. */
    public static PtNDArray neg(PtNDArray a) {
        return JniUtils.neg(a);
    }

    /** Batched matrix product. */
    public static PtNDArray matmul(PtNDArray a, PtNDArray b) {
        return JniUtils.matmul(a, b);
    }

    /** Element-wise floor. */
    public static PtNDArray floor(PtNDArray a) {
        return JniUtils.floor(a);
    }

    /** Element-wise clamp to [lo, hi]. */
    public static PtNDArray clip(PtNDArray a, float lo, float hi) {
        return JniUtils.clip(a, lo, hi);
    }

    /** Converts to int64 on {@code device} (truncating floats toward zero). */
    public static PtNDArray toLong(PtNDArray a, Device device) {
        return JniUtils.to(a, DataType.INT64, device);
    }

    /** Pads the last two dimensions by {@code pad} = {left, right, top, bottom} with {@code value}. */
    public static PtNDArray pad(PtNDArray a, long[] pad, double value) {
        return JniUtils.pad(a, pad, value);
    }

    /** {@code a.gather(dim, index)}. */
    public static PtNDArray gather(PtNDArray a, PtNDArray index, long dim) {
        return JniUtils.gather(a, index, dim);
    }

    /** 2-D convolution, stride 1, no bias, with {@code padding} (rows, columns) and {@code groups}. */
    public static PtNDArray conv2d(PtNDArray x, PtNDArray w, Shape padding, int groups) {
        return JniUtils.convolution(x, w, null, STRIDE1, padding, STRIDE1, groups);
    }

    /** Reshapes (a view when possible). */
    public static PtNDArray reshape(PtNDArray a, long... shape) {
        return JniUtils.reshape(a, shape);
    }

    /** float32 log-softmax over {@code dim}. */
    public static PtNDArray logSoftmax(PtNDArray a, long dim) {
        return JniUtils.logSoftmax(a, dim, DataType.FLOAT32);
    }

    /**
     * A Dropout2d-style mask: {@code ones} with each element zeroed with probability {@code p} and the
     * rest scaled by 1/(1-p), drawn from libtorch's default generator.
     */
    public static PtNDArray dropout(PtNDArray ones, double p) {
        return JniUtils.dropout(ones, p, true);
    }

    /** {@code logp[i, y[i]]} for every row: the log-probability of each label, shape [B,1]. */
    public static PtNDArray pick(PtNDArray logp, PtNDArray y) {
        return JniUtils.gather(logp, JniUtils.reshape(y, new long[] {-1, 1}), 1);
    }

    /** The number of rows whose arg-max equals the label, as an int64 scalar on the device. */
    public static PtNDArray countCorrect(PtNDArray logp, PtNDArray y) {
        return JniUtils.sum(JniUtils.eq(JniUtils.argMax(logp, 1, false), y));
    }

    /** Sum of all elements. */
    public static PtNDArray sum(PtNDArray a) {
        return JniUtils.sum(a);
    }

    /** {@code -mean(a)}. */
    public static PtNDArray negMean(PtNDArray a) {
        return JniUtils.neg(JniUtils.mean(a));
    }

    /** Back-propagates {@code loss}, seeding its gradient with {@code seed} (a scalar). */
    public static void backward(PtNDArray loss, PtNDArray seed) {
        JniUtils.backward(loss, seed, false, false);
    }

    /** Zeroes a parameter's gradient in place (when it has one). */
    public static void zeroGrad(PtNDArray p) {
        JniUtils.zeroGrad(p);
    }

    /** {@code a += b} in place. */
    public static void addi(PtNDArray a, PtNDArray b) {
        JniUtils.addi(a, b);
    }

    /** {@code a -= b} in place. */
    public static void subi(PtNDArray a, PtNDArray b) {
        JniUtils.subi(a, b);
    }

    /**
     * DJL's fused Adam kernel (no weight decay, no clipping): {@code m = b1 m + (1-b1) g},
     * {@code v = b2 v + (1-b2) g²}, {@code p -= step · m / (√v + eps)}.
     */
    public static void adam(PtNDArray p, PtNDArray g, PtNDArray m, PtNDArray v, float step, float beta1,
            float beta2, float eps) {
        JniUtils.adamUpdate(p, g, m, v, step, step, 0f, 1f, -1f, beta1, beta2, eps, false);
    }
}
