package dev.glyph.trainer.internal.loop;

import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import dev.glyph.trainer.MnistNet;
import dev.glyph.trainer.internal.engine.Torch;
import dev.glyph.trainer.internal.model.NativeNet;
import dev.glyph.trainer.internal.optim.Optimizer;

/**
 * One training step of MnistNet: a Dropout2d mask from libtorch's generator, the forward pass, the
 * NLL loss, backpropagation seeded with the optimiser's gradient scale, and the update. Loss and
 * accuracy are summed on the device, never read here.
 *
 * <p>Thread-safety: not thread-safe; one training loop drives it.
 */
public final class TrainingStep {

    private final NativeNet net;
    private final Optimizer optimizer;
    private final int batchSize;
    private final double dropout;
    private final PtNDArray fullMask;
    private final PtNDManager manager;
    private PtNDArray seed;
    private float seedValue = Float.NaN;

    /**
     * @param root owns the cached all-ones mask and backprop seed for the life of the training
     * @param dropout the channel dropout probability (MnistNet's is {@link MnistNet#DROPOUT})
     */
    public TrainingStep(NativeNet net, Optimizer optimizer, PtNDManager root, int batchSize, double dropout) {
        this.net = net;
        this.optimizer = optimizer;
        this.batchSize = batchSize;
        this.dropout = dropout;
        this.manager = root;
        this.fullMask = (PtNDArray) root.ones(new Shape(batchSize, 64, 1, 1));
    }

    /** The forward results of a step: log-probabilities [B,10] and the label's log-probability [B,1]. */
    public record Forward(PtNDArray logProbs, PtNDArray picked) {
    }

    /**
     * Trains on the batch {@code x} [bs,1,28,28], {@code y} [bs] with learning rate {@code lr}, adding
     * the batch's summed NLL to {@code lossSum} and its correct predictions to {@code correct}.
     * Temporaries go to {@code step}.
     */
    public void run(PtNDArray x, PtNDArray y, int bs, float lr, PtNDArray lossSum, PtNDArray correct,
            PtNDManager step) {
        PtNDArray ones = bs == batchSize ? fullMask : (PtNDArray) step.ones(new Shape(bs, 64, 1, 1));
        boolean gradMode = Torch.isGradMode();
        try {
            PtNDArray mask = Torch.dropout(ones, dropout);
            mask.attach(step);
            Forward f = backward(x, y, mask, lr, step);
            lossSum.subi(Torch.sum(f.picked())); // grad mode is off: no graph, no host sync
            correct.addi(Torch.countCorrect(f.logProbs(), y));
            optimizer.step(net.parameters(), lr, step);
        } finally {
            Torch.setGradMode(gradMode);
        }
    }

    /**
     * The forward pass with channel mask {@code mask} and backpropagation of the mean NLL seeded with
     * {@code optimizer.gradientScale(lr)}: afterwards each parameter's gradient holds that scale times
     * dLoss/dParameter and autograd is off. The caller applies {@link Optimizer#step}.
     */
    public Forward backward(PtNDArray x, PtNDArray y, PtNDArray mask, float lr, PtNDManager step) {
        Torch.setGradMode(true);
        PtNDArray logp = net.forward(x, mask, step);
        PtNDArray picked = Torch.pick(logp, y);
        Torch.backward(Torch.negMean(picked), seed(optimizer.gradientScale(lr)));
        Torch.setGradMode(false);
        return new Forward(logp, picked);
    }

    /** The scalar that seeds backpropagation, re-created only when its value changes. */
    private PtNDArray seed(float v) {
        if (v != seedValue) {
            if (seed != null) {
                seed.close();
            }
            seed = (PtNDArray) manager.create(v);
            seedValue = v;
        }
        return seed;
    }
}
