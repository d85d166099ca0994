package dev.glyph.trainer.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.jni.JniUtils;
import dev.glyph.trainer.OptimizerKind;
import dev.glyph.trainer.TrainConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * In-place optimiser updates on device tensors, run with autograd off. State tensors (momentum,
 * Adam moments, Adadelta accumulators) live next to the parameters and are saved in checkpoints.
 *
 * <p>Thread-safety: not thread-safe.
 */
public abstract class Optimizer {

    /** Per-parameter state tensors by slot name, in parameter order. */
    protected final List<Map<String, PtNDArray>> state = new ArrayList<>();
    /** Number of updates applied so far. */
    protected long steps;

    /** Creates the optimiser that {@code cfg} names, with zeroed state shaped like {@code params}. */
    public static Optimizer create(TrainConfig cfg, PtNDArray[] params, PtNDManager m) {
        Optimizer o = switch (cfg.optimizer()) {
            case SGD -> new Sgd(0f);
            case MOMENTUM -> new Sgd((float) cfg.momentum());
            case ADAM -> new Adam();
            case ADADELTA -> new Adadelta();
        };
        for (PtNDArray p : params) {
            Map<String, PtNDArray> slots = new LinkedHashMap<>();
            for (String slot : o.slots()) {
                PtNDArray z = (PtNDArray) m.zeros(p.getShape());
                slots.put(slot, z);
            }
            o.state.add(slots);
        }
        return o;
    }

    /**
     * The factor to seed backpropagation with. Plain and momentum SGD return {@code lr}: the
     * gradients then arrive already multiplied by the learning rate (exact up to float rounding), and
     * the update is a single in-place subtraction per parameter instead of DJL's clone, scale and
     * subtract.
     */
    public float gradientScale(float lr) {
        return 1f;
    }

    /** The names of the per-parameter state tensors. */
    protected abstract List<String> slots();

    /**
     * Applies one update to every parameter from its gradient, then zeroes the gradients.
     * Temporaries go to {@code step}.
     */
    public final void step(PtNDArray[] params, float lr, PtNDManager step) {
        steps++;
        for (int i = 0; i < params.length; i++) {
            PtNDArray p = params[i];
            PtNDArray g = (PtNDArray) p.getGradient();
            g.attach(step);
            update(i, p, g, lr, step);
            JniUtils.zeroGrad(p);
        }
    }

    /** Updates one parameter. */
    protected abstract void update(int index, PtNDArray p, PtNDArray g, float lr, PtNDManager step);

    /** The number of updates applied so far. */
    public long steps() {
        return steps;
    }

    /** Restores the update count from a checkpoint. */
    public void setSteps(long steps) {
        this.steps = steps;
    }

    /** The state tensors in parameter order, each keyed by slot. */
    public List<Map<String, PtNDArray>> state() {
        return state;
    }

    /**
     * Plain or momentum SGD on learning-rate-scaled gradients g' = lr g: p -= g', or with momentum m,
     * v = m v + g'; p -= v (PyTorch's update for a fixed lr).
     */
    static final class Sgd extends Optimizer {
        private final float momentum;

        Sgd(float momentum) {
            this.momentum = momentum;
        }

        @Override
        public float gradientScale(float lr) {
            return lr;
        }

        @Override
        protected List<String> slots() {
            return momentum == 0f ? List.of() : List.of("velocity");
        }

        @Override
        protected void update(int i, PtNDArray p, PtNDArray g, float lr, PtNDManager step) {
            if (momentum == 0f) {
                JniUtils.subi(p, g);
            } else {
                PtNDArray v = state.get(i).get("velocity");
                v.muli(momentum);
                JniUtils.addi(v, g);
                JniUtils.subi(p, v);
            }
        }
    }

    /** Adam with bias correction folded into the step size (Kingma and Ba, section 2). */
    static final class Adam extends Optimizer {
        private static final float BETA1 = 0.9f;
        private static final float BETA2 = 0.999f;
        private static final float EPS = 1e-8f;

        @Override
        protected List<String> slots() {
            return List.of("m", "v");
        }

        @Override
        protected void update(int i, PtNDArray p, PtNDArray g, float lr, PtNDManager step) {
            double bc1 = 1 - Math.pow(BETA1, steps);
            double bc2 = 1 - Math.pow(BETA2, steps);
            float lrT = (float) (lr * Math.sqrt(bc2) / bc1);
            Map<String, PtNDArray> s = state.get(i);
            JniUtils.adamUpdate(p, g, s.get("m"), s.get("v"), lr, lrT, 0f, 1f, -1f, BETA1, BETA2, EPS, false);
        }
    }

    /** Adadelta (Zeiler 2012) as {@code torch.optim.Adadelta}: rho 0.9, eps 1e-6, scaled by lr. */
    static final class Adadelta extends Optimizer {
        private static final float RHO = 0.9f;
        private static final float EPS = 1e-6f;

        @Override
        protected List<String> slots() {
            return List.of("square_avg", "acc_delta");
        }

        @Override
        protected void update(int i, PtNDArray p, PtNDArray g, float lr, PtNDManager step) {
            Map<String, PtNDArray> s = state.get(i);
            PtNDArray sq = s.get("square_avg");
            PtNDArray acc = s.get("acc_delta");
            NDArray g2 = g.square().muli(1 - RHO); // g lives in the step manager, so do its results
            sq.muli(RHO).addi(g2);
            NDArray std = sq.add(EPS);
            std.attach(step);
            std = std.sqrt();
            NDArray delta = acc.add(EPS);
            delta.attach(step);
            delta = delta.sqrt().divi(std).muli(g);
            acc.muli(RHO).addi(delta.square().muli(1 - RHO));
            p.subi(delta.muli(lr));
        }
    }

    /** Returns the optimiser kind's display name. */
    public static String describe(OptimizerKind kind) {
        return kind.name().toLowerCase();
    }
}
