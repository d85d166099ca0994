package dev.glyph.exporter;

import dev.glyph.trainer.MnistNet;
import dev.glyph.trainer.ModelWeights;
import dev.glyph.trainer.Tensor;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/** Shared helpers for the TorchScript, pickle and reference-forward tests. */
final class TorchScriptFixtures {

    private TorchScriptFixtures() {
    }

    /**
     * Seeded random weights with PyTorch's default init scale (uniform in +-1/sqrt(fan_in)), so activations have
     * realistic magnitudes.
     */
    static ModelWeights randomWeights(long seed) {
        return randomWeights(seed, 1.0);
    }

    /** As {@link #randomWeights(long)} with every bound multiplied by {@code scale} (larger logits). */
    static ModelWeights randomWeights(long seed, double scale) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<Tensor> tensors = new ArrayList<>();
        for (MnistNet.ParameterSpec spec : MnistNet.PARAMETERS) {
            long[] shape = spec.shape();
            String layer = spec.name().substring(0, spec.name().indexOf('.'));
            long fanIn = fanIn(layer);
            double bound = scale / Math.sqrt(fanIn);
            float[] data = new float[(int) spec.numel()];
            for (int i = 0; i < data.length; i++) {
                data[i] = (float) ((rnd.nextDouble() * 2 - 1) * bound);
            }
            tensors.add(new Tensor(spec.name(), shape, data));
        }
        return new ModelWeights(tensors);
    }

    private static long fanIn(String layer) {
        for (MnistNet.ParameterSpec s : MnistNet.PARAMETERS) {
            if (s.name().equals(layer + ".weight")) {
                return s.numel() / s.shape()[0];
            }
        }
        throw new IllegalArgumentException(layer);
    }

    /** Seeded random images: {@code n * 784} values in [0, 1], some exactly 0 like MNIST background. */
    static float[] randomImages(int n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] images = new float[n * 784];
        for (int i = 0; i < images.length; i++) {
            images[i] = rnd.nextInt(3) == 0 ? 0f : rnd.nextInt(256) / 255f;
        }
        return images;
    }

    /** Max |a-b| over two equally shaped [n][k] arrays; fails on a shape mismatch. */
    static double maxAbsDiff(float[][] a, float[][] b) {
        if (a.length != b.length) {
            throw new AssertionError("row counts differ: " + a.length + " vs " + b.length);
        }
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            if (a[i].length != b[i].length) {
                throw new AssertionError("row " + i + " lengths differ: " + a[i].length + " vs " + b[i].length);
            }
            for (int j = 0; j < a[i].length; j++) {
                double d = Math.abs((double) a[i][j] - b[i][j]);
                if (Double.isNaN(d)) {
                    return Double.POSITIVE_INFINITY;
                }
                max = Math.max(max, d);
            }
        }
        return max;
    }

    /** Splits a flat row-major array into rows of {@code k}. */
    static float[][] rows(float[] flat, int k) {
        if (flat.length % k != 0) {
            throw new AssertionError(flat.length + " values are not a multiple of " + k);
        }
        float[][] out = new float[flat.length / k][k];
        for (int i = 0; i < out.length; i++) {
            System.arraycopy(flat, i * k, out[i], 0, k);
        }
        return out;
    }

    record Result(int exitCode, String stdout, String stderr) {
    }

    /** Runs a process to completion, capturing both streams; a hung process is killed after the guard time. */
    static Result run(List<String> command, long guardSeconds) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("OMP_NUM_THREADS", "1");
        Process p = pb.start();
        p.getOutputStream().close();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread errReader = new Thread(() -> copy(p.getErrorStream(), err));
        errReader.start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        copy(p.getInputStream(), out);
        try {
            if (!p.waitFor(guardSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(command.get(0) + " did not finish within " + guardSeconds + " s");
            }
            errReader.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted", e);
        }
        return new Result(p.exitValue(), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static void copy(InputStream in, ByteArrayOutputStream out) {
        try (in) {
            in.transferTo(out);
        } catch (IOException e) {
            // process ended; whatever was read is kept
        }
    }
}
