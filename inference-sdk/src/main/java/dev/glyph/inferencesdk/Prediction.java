package dev.glyph.inferencesdk;

import dev.glyph.inferencesdk.internal.Postprocessor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The model's answer for one image: the most probable class, its probability, and all ten class
 * probabilities (the softmax of the model's {@code log_probs} divided by the model's temperature,
 * {@link DigitClassifier#temperature()}, 1 for models without temperature scaling; computed stably).
 *
 * <pre>{@code
 * Prediction p = classifier.classify(image);
 * int digit = p.label();
 * for (Prediction.Scored s : p.topK(3)) System.out.println(s.label() + " " + s.probability());
 * }</pre>
 *
 * <p>Thread-safety: immutable (the probability array is copied in and out).
 *
 * @param label index of the most probable class (ties go to the lower index)
 * @param confidence probability of {@code label}, in [0, 1]
 * @param probabilities the class probabilities, indexed by class, summing to 1 (within rounding)
 * @param logProbabilities the model's own {@code log_probs} row (natural log), indexed by class, as the model
 *     computed it (no temperature); exact for classes whose probability underflows to 0 in float
 */
public record Prediction(int label, float confidence, float[] probabilities, float[] logProbabilities) {

    /**
     * One class and its probability.
     *
     * @param label class index
     * @param probability its probability
     */
    public record Scored(int label, float probability) {
    }

    /** Validates and copies the arrays. */
    public Prediction {
        if (probabilities == null || probabilities.length == 0) {
            throw new IllegalArgumentException("probabilities are empty");
        }
        if (label < 0 || label >= probabilities.length) {
            throw new IllegalArgumentException("label " + label + " is outside 0.." + (probabilities.length - 1));
        }
        if (logProbabilities == null || logProbabilities.length != probabilities.length) {
            throw new IllegalArgumentException("logProbabilities hold " + (logProbabilities == null ? "nothing"
                    : logProbabilities.length + " values") + "; expected " + probabilities.length);
        }
        probabilities = probabilities.clone();
        logProbabilities = logProbabilities.clone();
    }

    /** A prediction from probabilities only; the log-probabilities are their natural logs. */
    public Prediction(int label, float confidence, float[] probabilities) {
        this(label, confidence, probabilities, logs(probabilities));
    }

    private static float[] logs(float[] p) {
        if (p == null) {
            return null;
        }
        float[] l = new float[p.length];
        for (int i = 0; i < p.length; i++) {
            l[i] = (float) Math.log(p[i]);
        }
        return l;
    }

    /** Returns a copy of the probabilities. */
    @Override
    public float[] probabilities() {
        return probabilities.clone();
    }

    /** Returns a copy of the log-probabilities. */
    @Override
    public float[] logProbabilities() {
        return logProbabilities.clone();
    }

    /**
     * Returns {@code softmax(logProbabilities() / temperature)}, computed as the classifier computes
     * {@link #probabilities()}: {@code probabilitiesAt(1)} are the model's uncalibrated probabilities (what its
     * {@code probs} output holds), {@code probabilitiesAt(t)} equal {@link #probabilities()} when {@code t} is the
     * classifier's {@link DigitClassifier#temperature()}.
     *
     * @throws IllegalArgumentException if {@code temperature} is not a finite number > 0
     */
    public float[] probabilitiesAt(double temperature) {
        float[] p = new float[logProbabilities.length];
        Postprocessor.softmax(logProbabilities, 0, p.length, p, temperature);
        return p;
    }

    /** Returns the probability of class {@code label}. */
    public float probability(int label) {
        if (label < 0 || label >= probabilities.length) {
            throw new IllegalArgumentException("label " + label + " is outside 0.." + (probabilities.length - 1));
        }
        return probabilities[label];
    }

    /**
     * Returns the {@code k} most probable classes, most probable first (ties: lower index first).
     * {@code k} larger than the number of classes returns all of them.
     *
     * @throws IllegalArgumentException if {@code k < 1}
     */
    public List<Scored> topK(int k) {
        if (k < 1) {
            throw new IllegalArgumentException("k is " + k + "; expected >= 1");
        }
        int[] idx = Postprocessor.topK(probabilities, k);
        List<Scored> out = new ArrayList<>(idx.length);
        for (int i : idx) {
            out.add(new Scored(i, probabilities[i]));
        }
        return List.copyOf(out);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Prediction p && p.label == label && Float.compare(p.confidence, confidence) == 0
                && Arrays.equals(p.probabilities, probabilities);
    }

    @Override
    public int hashCode() {
        return 31 * label + Arrays.hashCode(probabilities);
    }

    @Override
    public String toString() {
        return "Prediction[label=" + label + ", confidence=" + confidence + "]";
    }
}
