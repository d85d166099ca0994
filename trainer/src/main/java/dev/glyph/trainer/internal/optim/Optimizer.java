package dev.glyph.trainer.internal.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import dev.glyph.trainer.OptimizerKind;
import dev.glyph.trainer.TrainConfig;
import dev.glyph.trainer.internal.engine.Torch;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * In-place optimiser updates on device tensors, run with autograd off, each equal to its
 * {@code torch.optim} namesake (no weight decay, dampening 0, no Nesterov, PyTorch's default betas and
 * epsilons): the fidelity test compares them with PyTorch step by step. State tensors (momentum, Adam
 * moments, Adadelta accumulators) live next to the parameters and are saved in checkpoints.
 *
 * <p>Thread-safety: not thread-safe.
 */
public abstract class Optimizer {

    /** Per-parameter state tensors by slot name, in parameter order. */
    protected final List<Map<String, PtNDArray>> state = new ArrayList<>();
    private final List<String> slots;
    /** Number of updates applied so far. */
    protected long steps;

    Optimizer(String... slots) {
        this.slots = List.of(slots);
    }

    /** Creates the optimiser that {@code cfg} names, with zeroed state shaped like {@code params}. */
    public static Optimizer create(TrainConfig cfg, PtNDArray[] params, PtNDManager m) {
        Optimizer o = switch (cfg.optimizer()) {
            case SGD -> new Sgd();
            case MOMENTUM -> new Momentum((float) cfg.momentum());
            case ADAM -> new Adam();
            case ADADELTA -> new Adadelta();
        };
        for (PtNDArray p : params) {
            Map<String, PtNDArray> s = new LinkedHashMap<>();
            for (String slot : o.slots) {
                s.put(slot, (PtNDArray) m.zeros(p.getShape()));
            }
            o.state.add(s);
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

    /**
     * Applies one update with learning rate {@code lr} to every parameter from its gradient (as
     * seeded with {@link #gradientScale}), then zeroes the gradients. Temporaries go to {@code step}.
     */
    public final void step(PtNDArray[] params, float lr, PtNDManager step) {
        steps++;
        beforeUpdates(lr);
        for (int i = 0; i < params.length; i++) {
            PtNDArray p = params[i];
            PtNDArray g = (PtNDArray) p.getGradient();
            g.attach(step);
            update(state.get(i), p, g, lr);
            Torch.zeroGrad(p);
        }
    }

    /** Called once per step before the parameters are updated. */
    void beforeUpdates(float lr) {
    }

    /** Updates one parameter from its (seeded) gradient {@code g}; {@code s} is its state. */
    abstract void update(Map<String, PtNDArray> s, PtNDArray p, PtNDArray g, float lr);

    /** The number of updates applied so far. */
    public long steps() {
        return steps;
    }

    /**
     * Restores the update count from a checkpoint, and the learning rate of the last update (which
     * momentum SGD needs to rescale its lr-scaled buffer when the rate changes).
     */
    public void restore(long steps, float lastLr) {
        this.steps = steps;
    }

    /** The state tensors in parameter order, each keyed by slot. */
    public List<Map<String, PtNDArray>> state() {
        return state;
    }

    /** Plain SGD on lr-seeded gradients g' = lr·g: {@code p -= g'}, exactly {@code torch.optim.SGD}. */
    static final class Sgd extends Optimizer {
        @Override
        public float gradientScale(float lr) {
            return lr;
        }

        @Override
        void update(Map<String, PtNDArray> s, PtNDArray p, PtNDArray g, float lr) {
            Torch.subi(p, g);
        }
    }

    /**
     * {@code torch.optim.SGD(momentum=μ)}: {@code buf = μ·buf + g; p -= lr·buf}. The buffer is kept
     * multiplied by the learning rate of the last update, {@code v = lr_t·buf}, so the lr-seeded
     * gradient g' = lr_t·g can be added directly: {@code v_t = μ·(lr_t/lr_{t-1})·v_{t-1} + g'} and
     * {@code p -= v_t}, which is PyTorch's update at every learning rate, constant or scheduled, at
     * the cost of one scalar multiplication that the momentum decay does anyway.
     */
    static final class Momentum extends Optimizer {
        private final float momentum;
        private float lastLr = Float.NaN;
        private float decay;

        Momentum(float momentum) {
            super("velocity");
            this.momentum = momentum;
        }

        @Override
        public float gradientScale(float lr) {
            return lr;
        }

        @Override
        public void restore(long steps, float lastLr) {
            super.restore(steps, lastLr);
            this.lastLr = steps == 0 ? Float.NaN : lastLr;
        }

        @Override
        void beforeUpdates(float lr) {
            // v_{t-1} = lr_{t-1}·buf_{t-1}, and v_t must be lr_t·buf_t = lr_t·(μ·buf_{t-1} + g)
            decay = Float.isNaN(lastLr) || lr == lastLr ? momentum : (float) (momentum * ((double) lr / lastLr));
            lastLr = lr;
        }

        @Override
        void update(Map<String, PtNDArray> s, PtNDArray p, PtNDArray g, float lr) {
            PtNDArray v = s.get("velocity");
            v.muli(decay);
            Torch.addi(v, g);
            Torch.subi(p, v);
        }
    }

    /** {@code torch.optim.Adam} with betas (0.9, 0.999) and eps 1e-8. */
    static final class Adam extends Optimizer {
        private static final float BETA1 = 0.9f;
        private static final float BETA2 = 0.999f;
        private static final float EPS = 1e-8f;
        private float stepSize;
        private float eps;

        Adam() {
            super("m", "v");
        }

        @Override
        void beforeUpdates(float lr) {
            // torch: p -= lr/bc1 · m / (√v/√bc2 + eps). The fused kernel computes p -= s · m / (√v + e),
            // which is the same with s = lr·√bc2/bc1 and e = eps·√bc2.
            double bc1 = 1 - Math.pow(BETA1, steps);
            double sqrtBc2 = Math.sqrt(1 - Math.pow(BETA2, steps));
            stepSize = (float) (lr * sqrtBc2 / bc1);
            eps = (float) (EPS * sqrtBc2);
        }

        @Override
        void update(Map<String, PtNDArray> s, PtNDArray p, PtNDArray g, float lr) {
            Torch.adam(p, g, s.get("m"), s.get("v"), stepSize, BETA1, BETA2, eps);
        }
    }

    /** {@code torch.optim.Adadelta} with rho 0.9 and eps 1e-6, scaled by lr. */
    static final class Adadelta extends Optimizer {
        private static final float RHO = 0.9f;
        private static final float EPS = 1e-6f;

        Adadelta() {
            super("square_avg", "acc_delta");
        }

        @Override
        void update(Map<String, PtNDArray> s, PtNDArray p, PtNDArray g, float lr) {
            PtNDArray sq = s.get("square_avg");
            PtNDArray acc = s.get("acc_delta");
            NDArray g2 = g.square().muli(1 - RHO); // g lives in the step manager, so do its results
            sq.muli(RHO).addi(g2);
            NDArray std = sq.add(EPS);
            std.attach(g.getManager());
            std = std.sqrt();
            NDArray delta = acc.add(EPS);
            delta.attach(g.getManager());
            delta = delta.sqrt().divi(std).muli(g);
            acc.muli(RHO).addi(delta.square().muli(1 - RHO));
            p.subi(delta.muli(lr));
        }
    }
}
