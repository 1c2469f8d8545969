package dev.panamarnn.examples.experiment;

import dev.panamarnn.data.SequenceDataset;
import java.util.SplittableRandom;

/**
 * The adding problem (Hochreiter and Schmidhuber, 1997, experiment 4), seeded. A sequence of T
 * steps has two input channels: channel 0 a value drawn from U(0, 1) at every step, channel 1 a
 * marker that is 1 at exactly two steps — one in the first half [0, T/2), one in the second half
 * [T/2, T) — and 0 elsewhere. The target is the sum of the two marked values, read after the last
 * step. Predicting the constant 1 (the target's mean) gives MSE = Var(u1 + u2) = 2/12 = 0.1667;
 * "solved" here means test MSE below 0.01.
 */
public final class AddingProblem {
    /** Input channels: value, marker. */
    public static final int INPUTS = 2;
    /** MSE of always predicting the mean target 1: the variance of the sum of two U(0, 1) values. */
    public static final double CONSTANT_BASELINE_MSE = 2.0 / 12.0;

    private AddingProblem() {}

    /**
     * A batch of B sequences of T steps.
     * @param x      (T, B, 2) out, time-major: x[(t*B + b)*2] the value, x[(t*B + b)*2 + 1] the marker
     * @param target (B) out: the sum of the two marked values of each row
     */
    public static void generate(float[] x, float[] target, int steps, int batch, SplittableRandom random) {
        if (steps < 2 || batch < 1) {
            throw new IllegalArgumentException("the adding problem needs T >= 2 and B >= 1, got T=" + steps + ", B=" + batch);
        }
        if (x.length != (long) steps * batch * INPUTS || target.length != batch) {
            throw new IllegalArgumentException("expected x of " + (long) steps * batch * INPUTS + " floats (T, B, 2) and target of "
                    + batch + ", got " + x.length + " and " + target.length);
        }
        int half = steps / 2;
        for (int b = 0; b < batch; b++) {
            int first = random.nextInt(half);                  // in [0, T/2)
            int second = half + random.nextInt(steps - half);  // in [T/2, T)
            double sum = 0;
            for (int t = 0; t < steps; t++) {
                int at = (t * batch + b) * INPUTS;
                float value = (float) random.nextDouble();
                boolean marked = t == first || t == second;
                x[at] = value;
                x[at + 1] = marked ? 1f : 0f;
                if (marked) {
                    sum += value;
                }
            }
            target[b] = (float) sum;
        }
    }

    /** N sequences of T steps as a data set (N, T, 2) with one target each: the draw of {@link #generate} with B = N. */
    public static SequenceDataset dataset(int n, int steps, SplittableRandom random) {
        float[] x = new float[steps * n * INPUTS];                        // (T, N, 2)
        float[] target = new float[n];
        generate(x, target, steps, n, random);
        float[][][] inputs = new float[n][steps][INPUTS];                 // (N, T, 2)
        float[][] targets = new float[n][];                               // (N, 1)
        for (int b = 0; b < n; b++) {
            for (int t = 0; t < steps; t++) {
                System.arraycopy(x, (t * n + b) * INPUTS, inputs[b][t], 0, INPUTS);
            }
            targets[b] = new float[] {target[b]};
        }
        return SequenceDataset.ofArrays(inputs, targets);
    }
}
