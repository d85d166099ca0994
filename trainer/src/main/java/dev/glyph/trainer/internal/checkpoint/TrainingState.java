package dev.glyph.trainer.internal.checkpoint;

import ai.djl.Device;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import dev.glyph.trainer.CheckpointException;
import dev.glyph.trainer.EpochMetrics;
import dev.glyph.trainer.MnistNet;
import dev.glyph.trainer.TrainConfig;
import dev.glyph.trainer.Tensor;
import dev.glyph.trainer.internal.model.NativeNet;
import dev.glyph.trainer.internal.optim.Optimizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Moves the live training state (parameters, optimiser state and step count) into and out of
 * {@link CheckpointData}.
 *
 * <p>Thread-safety: stateless.
 */
public final class TrainingState {

    private TrainingState() {
    }

    /** Copies the state after the last epoch of {@code metrics} to the Java heap. */
    public static CheckpointData capture(TrainConfig cfg, NativeNet net, Optimizer opt, float lastLr,
            List<EpochMetrics> metrics, double[] norm) {
        List<Tensor> state = new ArrayList<>();
        for (int i = 0; i < opt.state().size(); i++) {
            String name = MnistNet.PARAMETERS.get(i).name();
            for (Map.Entry<String, PtNDArray> e : opt.state().get(i).entrySet()) {
                state.add(new Tensor(name + "#" + e.getKey(), e.getValue().getShape().getShape(),
                        NativeNet.download(e.getValue())));
            }
        }
        return new CheckpointData(metrics.get(metrics.size() - 1).epoch(), opt.steps(), lastLr, cfg.identity(),
                List.copyOf(metrics), norm, net.toWeights().tensors(), state);
    }

    /**
     * Uploads the optimiser state of {@code ck} into {@code opt} on {@code device}.
     *
     * @param lastLr the learning rate of the checkpoint's last update
     * @throws CheckpointException if a state tensor is missing or left over (another optimiser)
     */
    public static void restore(Optimizer opt, CheckpointData ck, float lastLr, Device device, PtNDManager root)
            throws CheckpointException {
        Map<String, Tensor> byName = new HashMap<>();
        for (Tensor t : ck.optimizerState()) {
            byName.put(t.name(), t);
        }
        for (int i = 0; i < opt.state().size(); i++) {
            String name = MnistNet.PARAMETERS.get(i).name();
            for (Map.Entry<String, PtNDArray> e : opt.state().get(i).entrySet()) {
                Tensor t = byName.remove(name + "#" + e.getKey());
                if (t == null) {
                    throw new CheckpointException("checkpoint lacks optimizer state " + name + "#" + e.getKey()
                            + " needed to resume");
                }
                e.getValue().close();
                e.setValue(NativeNet.upload(root, device, t.data(), new Shape(t.shape())));
            }
        }
        if (!byName.isEmpty()) {
            throw new CheckpointException("checkpoint has optimizer state " + byName.keySet()
                    + " that this optimizer does not use; resume with the original --optimizer");
        }
        opt.restore(ck.optimizerSteps(), lastLr);
    }
}
