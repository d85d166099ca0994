package dev.glyph.trainer.internal.model;

import ai.djl.Device;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import dev.glyph.trainer.MnistNet;
import dev.glyph.trainer.ModelWeights;
import dev.glyph.trainer.Tensor;
import dev.glyph.trainer.internal.engine.Torch;
import java.util.ArrayList;
import java.util.List;

/**
 * MnistNet's parameters as libtorch tensors on one device, driven op by op through DJL's PyTorch JNI
 * ({@link Torch}).
 *
 * <p>This is the fast path. DJL's Block/ParameterStore/Trainer machinery costs milliseconds per step
 * in wrappers, per-parameter copies and NDManager churn; here a training step is about sixty JNI
 * calls on tensors that never leave the device, and every temporary lives in a per-step sub-manager
 * that is closed at the end of the step.
 *
 * <p>Thread-safety: not thread-safe; one training loop drives it.
 */
public final class NativeNet implements AutoCloseable {

    private final PtNDManager manager;
    private final Device device;
    private final PtNDArray[] params;
    private boolean closed;

    private NativeNet(PtNDManager manager, Device device, PtNDArray[] params) {
        this.manager = manager;
        this.device = device;
        this.params = params;
    }

    /**
     * Uploads {@code weights} to a new sub-manager of {@code parent} on {@code device}.
     *
     * @param trainable whether the parameters record gradients
     */
    public static NativeNet create(PtNDManager parent, Device device, ModelWeights weights, boolean trainable) {
        PtNDManager m = (PtNDManager) parent.newSubManager(device);
        List<Tensor> ts = weights.tensors();
        PtNDArray[] ps = new PtNDArray[ts.size()];
        for (int i = 0; i < ps.length; i++) {
            ps[i] = upload(m, device, ts.get(i).data(), new Shape(ts.get(i).shape()));
            if (trainable) {
                ps[i].setRequiresGradient(true);
            }
        }
        return new NativeNet(m, device, ps);
    }

    /** Copies a float array to a tensor of {@code shape} on {@code device}. */
    public static PtNDArray upload(PtNDManager m, Device device, float[] data, Shape shape) {
        return Torch.upload(m, device, data, shape);
    }

    /** The parameter tensors in {@link MnistNet#PARAMETERS} order. */
    public PtNDArray[] parameters() {
        return params;
    }

    /** The device the parameters live on. */
    public Device device() {
        return device;
    }

    /** The manager that owns the parameters. */
    public PtNDManager manager() {
        return manager;
    }

    /**
     * Runs the network on {@code x} [B,1,28,28]; temporaries are attached to {@code step}.
     *
     * @param channelMask null in eval mode; in training a [B,64,1,1] Dropout2d mask already scaled
     *     by 1/(1-p), as the reference's {@code nn.Dropout2d} does
     * @return log-probabilities [B,10]
     */
    public PtNDArray forward(PtNDArray x, PtNDArray channelMask, PtNDManager step) {
        PtNDArray h = Torch.conv2d(x, params[0], params[1]);
        h.attach(step);
        h = Torch.relu(h);
        h = Torch.conv2d(h, params[2], params[3]);
        // relu(maxpool(h)) == maxpool(relu(h)) exactly (ReLU is monotone), and the 2x2 pool is the
        // element-wise maximum of four strided views: both are several times cheaper on the CPU than
        // max_pool2d_with_indices on the 4x larger pre-pool tensor.
        h = Torch.relu(maxPool2x2(h, step));
        if (channelMask != null) {
            h = Torch.mul(h, channelMask);
        }
        long b = h.getShape().get(0);
        h = Torch.reshape(h, b, MnistNet.FLAT);
        h = Torch.linear(h, params[4], params[5]);
        h = Torch.relu(h);
        h = Torch.linear(h, params[6], params[7]);
        return Torch.logSoftmax(h, 1);
    }

    /** 2x2, stride-2 max pooling of an NCHW tensor with even H and W, as maxima of strided views. */
    static PtNDArray maxPool2x2(PtNDArray h, PtNDManager step) {
        long[] s = h.getShape().getShape();
        long[] from = new long[4];
        long[] step2 = {1, 1, 2, 2};
        PtNDArray[] q = new PtNDArray[4];
        for (int i = 0; i < 4; i++) {
            from[2] = i >> 1;
            from[3] = i & 1;
            q[i] = Torch.view(h, from.clone(), s, step2, step);
        }
        return Torch.max(Torch.max(q[0], q[1]), Torch.max(q[2], q[3]));
    }

    /**
     * Runs the layers one at a time and returns each layer's output shape, for the model summary.
     * Runs in eval mode on {@code x}.
     */
    public List<long[]> layerShapes(PtNDArray x, PtNDManager step) {
        List<long[]> out = new ArrayList<>();
        PtNDArray h = Torch.conv2d(x, params[0], params[1]);
        h.attach(step);
        out.add(h.getShape().getShape());
        h = Torch.relu(h);
        out.add(h.getShape().getShape());
        h = Torch.conv2d(h, params[2], params[3]);
        out.add(h.getShape().getShape());
        h = Torch.relu(h);
        out.add(h.getShape().getShape());
        h = Torch.maxPool2x2(h);
        out.add(h.getShape().getShape());
        out.add(h.getShape().getShape()); // dropout keeps the shape
        h = Torch.reshape(h, h.getShape().get(0), -1);
        out.add(h.getShape().getShape());
        h = Torch.linear(h, params[4], params[5]);
        out.add(h.getShape().getShape());
        h = Torch.relu(h);
        out.add(h.getShape().getShape());
        h = Torch.linear(h, params[6], params[7]);
        out.add(h.getShape().getShape());
        h = Torch.logSoftmax(h, 1);
        out.add(h.getShape().getShape());
        return out;
    }

    /** Copies the parameters back to the Java heap. */
    public ModelWeights toWeights() {
        List<Tensor> ts = new ArrayList<>();
        for (int i = 0; i < params.length; i++) {
            MnistNet.ParameterSpec s = MnistNet.PARAMETERS.get(i);
            ts.add(new Tensor(s.name(), s.shape(), download(params[i])));
        }
        return new ModelWeights(ts);
    }

    /** Copies a float tensor (any device) to a Java array. */
    public static float[] download(PtNDArray a) {
        return a.toFloatArray();
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            manager.close();
        }
    }
}
