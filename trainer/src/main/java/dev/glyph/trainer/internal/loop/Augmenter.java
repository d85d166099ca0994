package dev.glyph.trainer.internal.loop;

import ai.djl.Device;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import dev.glyph.trainer.Augmentation;
import dev.glyph.trainer.internal.engine.Torch;
import java.util.SplittableRandom;

/**
 * Applies an {@link Augmentation} to a training batch on the training device with libtorch tensor ops (through {@link Torch}; DJL's
 * libtorch exposes no {@code grid_sample}, so the bilinear resampling is four {@code gather}s on a zero-padded
 * image). Only the per-image random numbers are drawn on the host, from a {@link SplittableRandom} seeded by
 * (seed, epoch, image index), and uploaded with the batch: the result does not depend on the batch size, the
 * batch's other images or how many epochs ran before in this process.
 *
 * <p>Works on the ink above the background ({@code x − background}), so that zero padding, blending and contrast
 * act on ink whether or not the inputs are standardised; adds the background back at the end.
 *
 * <p>Thread-safety: not thread-safe; one training loop drives it.
 */
public final class Augmenter {

    static final int SIDE = 28;
    private static final int PIXELS = SIDE * SIDE;
    private static final int PADDED = SIDE + 2;
    private static final double CENTRE = (SIDE - 1) / 2.0;
    private static final long STREAM = 0xA06E47L;
    private static final double BLUR_SIGMA = 1.0;
    private static final double MAX_EROSION = 0.6;

    private final Augmentation a;
    private final long seed;
    private final Device device;
    private final double background;
    private final double inkMax;
    private final int elasticRadius;
    private final PtNDArray grid;
    private final PtNDArray elasticRow;
    private final PtNDArray elasticCol;
    private final PtNDArray blurRow;
    private final PtNDArray blurCol;
    private final PtNDArray backgroundT;
    private final PtNDArray one;
    private final PtNDArray padded;

    /**
     * @param background the value of a blank pixel in the training tensors (0, or −mean/std when standardised)
     * @param inkMax the value of full ink above the background (1, or 1/std when standardised)
     * @param root owns the constant tensors for the life of the training
     */
    public Augmenter(Augmentation a, long seed, double background, double inkMax, Device device, PtNDManager root) {
        this.a = a;
        this.seed = seed;
        this.device = device;
        this.background = background;
        this.inkMax = inkMax;
        float[] g = new float[3 * PIXELS];
        for (int p = 0; p < PIXELS; p++) {
            g[p] = (float) (p % SIDE - CENTRE);
            g[PIXELS + p] = (float) (p / SIDE - CENTRE);
            g[2 * PIXELS + p] = 1f;
        }
        grid = Torch.upload(root, device, g, new Shape(3, PIXELS));
        elasticRadius = (int) Math.min(SIDE / 2 - 1, Math.ceil(3 * a.elasticSigma()));
        float[] ke = gaussian(a.elasticSigma(), elasticRadius);
        elasticRow = Torch.upload(root, device, twice(ke), new Shape(2, 1, 1, ke.length));
        elasticCol = Torch.upload(root, device, twice(ke), new Shape(2, 1, ke.length, 1));
        float[] kb = gaussian(BLUR_SIGMA, 2);
        blurRow = Torch.upload(root, device, kb, new Shape(1, 1, 1, kb.length));
        blurCol = Torch.upload(root, device, kb, new Shape(1, 1, kb.length, 1));
        backgroundT = Torch.upload(root, device, new float[] {(float) background}, new Shape());
        one = Torch.upload(root, device, new float[] {1f}, new Shape());
        padded = Torch.upload(root, device, new float[] {PADDED}, new Shape());
    }

    private static float[] gaussian(double sigma, int r) {
        float[] k = new float[2 * r + 1];
        double sum = 0;
        for (int i = -r; i <= r; i++) {
            sum += Math.exp(-i * i / (2 * sigma * sigma));
        }
        for (int i = -r; i <= r; i++) {
            k[i + r] = (float) (Math.exp(-i * i / (2 * sigma * sigma)) / sum);
        }
        return k;
    }

    private static float[] twice(float[] k) {
        float[] t = new float[2 * k.length];
        System.arraycopy(k, 0, t, 0, k.length);
        System.arraycopy(k, 0, t, k.length, k.length);
        return t;
    }

    /** The per-image random draws of one batch, made on the host. */
    record Draws(float[] affine, float[] noise, float[] elasticAlpha, float[] dilate, float[] erode, float[] blur,
            float[] contrast, float[] pixelNoise, boolean anyElastic, boolean anyStroke, boolean anyBlur,
            boolean anyPixelNoise) {
    }

    /** Draws the random numbers of the images {@code index[from .. from+bs)} in epoch {@code epoch}. */
    Draws draw(long[] index, int from, int bs, int epoch) {
        float[] affine = new float[bs * 6];
        float[] noise = a.elastic() ? new float[bs * 2 * PIXELS] : null;
        float[] alpha = new float[bs];
        float[] dilate = new float[bs];
        float[] erode = new float[bs];
        float[] blur = new float[bs];
        float[] contrast = new float[bs];
        float[] pixelNoise = a.noisy() ? new float[bs * PIXELS] : null;
        boolean anyPixelNoise = false;
        boolean anyElastic = false;
        boolean anyStroke = false;
        boolean anyBlur = false;
        for (int i = 0; i < bs; i++) {
            SplittableRandom r = new SplittableRandom(Seeds.mix(Seeds.mix(Seeds.mix(seed, STREAM), epoch), index[from + i]));
            double theta = Math.toRadians(a.rotation() * sym(r));
            double s = 1 + a.scale() * sym(r);
            double shear = Math.tan(Math.toRadians(a.shear() * sym(r)));
            double tx = a.translate() * sym(r);
            double ty = a.translate() * sym(r);
            // output pixel p (centred) samples the input at A p + centre - t, A = R(theta) Sh(shear) / s
            double c = Math.cos(theta) / s;
            double sn = Math.sin(theta) / s;
            int o = i * 6;
            affine[o] = (float) c;
            affine[o + 1] = (float) (c * shear - sn);
            affine[o + 2] = (float) (CENTRE - tx);
            affine[o + 3] = (float) sn;
            affine[o + 4] = (float) (sn * shear + c);
            affine[o + 5] = (float) (CENTRE - ty);
            boolean elastic = a.elastic() && r.nextDouble() < a.elasticProbability();
            if (elastic) {
                anyElastic = true;
                alpha[i] = (float) a.elasticAlpha();
                int base = i * 2 * PIXELS;
                for (int k = 0; k < 2 * PIXELS; k++) {
                    noise[base + k] = (float) (2 * r.nextDouble() - 1);
                }
            }
            if (r.nextDouble() < a.strokeProbability()) {
                anyStroke = true;
                float strength = (float) (1 - r.nextDouble());
                if (r.nextBoolean()) {
                    dilate[i] = strength;
                } else {
                    erode[i] = (float) (MAX_EROSION * strength);
                }
            }
            if (r.nextDouble() < a.blurProbability()) {
                anyBlur = true;
                blur[i] = (float) (1 - r.nextDouble());
            }
            contrast[i] = (float) (1 + a.contrast() * sym(r));
            if (a.noisy() && r.nextDouble() < a.noiseProbability()) {
                anyPixelNoise = true;
                // zero-mean uniform noise of standard deviation sd: half-width sd·√3, in ink units
                double halfWidth = (1 - r.nextDouble()) * a.noise() * Math.sqrt(3) * inkMax;
                int base = i * PIXELS;
                for (int k = 0; k < PIXELS; k++) {
                    pixelNoise[base + k] = (float) (halfWidth * sym(r));
                }
            }
        }
        return new Draws(affine, noise, alpha, dilate, erode, blur, contrast, pixelNoise, anyElastic, anyStroke,
                anyBlur, anyPixelNoise);
    }

    private static double sym(SplittableRandom r) {
        return 2 * r.nextDouble() - 1;
    }

    /**
     * Returns the augmented batch {@code x} [bs,1,28,28], whose image {@code i} is training image
     * {@code index[from + i]}; temporaries and the result belong to {@code step}.
     */
    public PtNDArray apply(PtNDArray x, long[] index, int from, int bs, int epoch, PtNDManager step) {
        Draws d = draw(index, from, bs, epoch);
        try (Torch.GradMode g = Torch.noGrad()) {
            PtNDArray ink = own(Torch.sub(x, backgroundT), step);
            PtNDArray out = warp(ink, d, bs, step);
            if (d.anyStroke()) {
                PtNDArray dil = own(Torch.maxPool3x3(out), step);
                PtNDArray ero = own(Torch.neg(own(Torch.maxPool3x3(own(Torch.neg(out), step)), step)), step);
                out = blend(out, dil, perImage(d.dilate(), bs, step), step);
                out = blend(out, ero, perImage(d.erode(), bs, step), step);
            }
            if (d.anyBlur()) {
                PtNDArray b = own(Torch.conv2d(out, blurRow, new Shape(0, 2), 1), step);
                b = own(Torch.conv2d(b, blurCol, new Shape(2, 0), 1), step);
                out = blend(out, b, perImage(d.blur(), bs, step), step);
            }
            out = own(Torch.mul(out, perImage(d.contrast(), bs, step)), step);
            if (d.anyPixelNoise()) {
                out = own(Torch.add(out, Torch.upload(step, device, d.pixelNoise(), new Shape(bs, 1, SIDE, SIDE))), step);
            }
            out = own(Torch.clip(out, 0f, (float) inkMax), step);
            return background == 0 ? out : own(Torch.add(out, backgroundT), step);
        }
    }

    /** Bilinear resampling of {@code ink} at the affine (plus elastic) source coordinates; outside is 0. */
    private PtNDArray warp(PtNDArray ink, Draws d, int bs, PtNDManager step) {
        PtNDArray affine = Torch.upload(step, device, d.affine(), new Shape(bs, 2, 3));
        PtNDArray coords = own(Torch.matmul(affine, grid), step); // [bs,2,784]: source column, source row
        if (d.anyElastic()) {
            PtNDArray noise = Torch.upload(step, device, d.noise(), new Shape(bs, 2, SIDE, SIDE));
            int r = elasticRadius;
            PtNDArray sm = own(Torch.conv2d(noise, elasticRow, new Shape(0, r), 2), step);
            sm = own(Torch.conv2d(sm, elasticCol, new Shape(r, 0), 2), step);
            PtNDArray alpha = Torch.upload(step, device, d.elasticAlpha(), new Shape(bs, 1, 1, 1));
            sm = own(Torch.mul(sm, alpha), step);
            coords = own(Torch.add(coords, own(Torch.reshape(sm, bs, 2, PIXELS), step)), step);
        }
        // shift into the zero-padded 30x30 image and keep every corner inside it
        coords = own(Torch.clip(own(Torch.add(coords, one), step), 0f, PADDED - 1 - 1e-3f), step);
        PtNDArray sx = own(Torch.reshape(own(Torch.view(coords, new long[] {0, 0, 0}, new long[] {bs, 1, PIXELS},
                new long[] {1, 1, 1}, step), step), bs, PIXELS), step);
        PtNDArray sy = own(Torch.reshape(own(Torch.view(coords, new long[] {0, 1, 0}, new long[] {bs, 2, PIXELS},
                new long[] {1, 1, 1}, step), step), bs, PIXELS), step);
        PtNDArray fx = own(Torch.floor(sx), step);
        PtNDArray fy = own(Torch.floor(sy), step);
        PtNDArray wx = own(Torch.sub(sx, fx), step);
        PtNDArray wy = own(Torch.sub(sy, fy), step);
        PtNDArray flat = own(Torch.add(own(Torch.mul(fy, padded), step), fx), step);
        PtNDArray i00 = own(Torch.toLong(flat, device), step);
        PtNDArray img = own(Torch.reshape(own(Torch.pad(ink, new long[] {1, 1, 1, 1}, 0), step),
                bs, PADDED * PADDED), step);
        PtNDArray g00 = own(Torch.gather(img, i00, 1), step);
        PtNDArray g01 = own(Torch.gather(img, own(Torch.add(i00, cst(step, 1)), step), 1), step);
        PtNDArray g10 = own(Torch.gather(img, own(Torch.add(i00, cst(step, PADDED)), step), 1), step);
        PtNDArray g11 = own(Torch.gather(img, own(Torch.add(i00, cst(step, PADDED + 1)), step), 1), step);
        PtNDArray top = lerp(g00, g01, wx, step);
        PtNDArray bottom = lerp(g10, g11, wx, step);
        return own(Torch.reshape(lerp(top, bottom, wy, step), bs, 1, SIDE, SIDE), step);
    }

    private PtNDArray cst(PtNDManager step, long v) {
        return (PtNDArray) step.create(v).toDevice(device, false);
    }

    private static PtNDArray lerp(PtNDArray a, PtNDArray b, PtNDArray w, PtNDManager step) {
        return own(Torch.add(a, own(Torch.mul(own(Torch.sub(b, a), step), w), step)), step);
    }

    private static PtNDArray blend(PtNDArray x, PtNDArray y, PtNDArray w, PtNDManager step) {
        return lerp(x, y, w, step);
    }

    private PtNDArray perImage(float[] v, int bs, PtNDManager step) {
        return Torch.upload(step, device, v, new Shape(bs, 1, 1, 1));
    }

    private static PtNDArray own(PtNDArray a, PtNDManager step) {
        a.attach(step);
        return a;
    }
}
