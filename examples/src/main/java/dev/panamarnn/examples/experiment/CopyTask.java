package dev.panamarnn.examples.experiment;

import java.util.SplittableRandom;

/**
 * The copy (delayed recall) task, seeded: the network reads S symbols drawn uniformly from an
 * alphabet of K, then a delay of D blank steps whose last step is a "recall" marker, and must then
 * output the S symbols in order during S further blank steps. Inputs are one-hot over K + 2
 * channels (symbols 0..K-1, blank K, marker K+1); the sequence has T = S + D + S steps. Only the
 * S recall steps are scored (the others are masked): a network without memory can do no better
 * than guessing, cross-entropy ln K and accuracy 1/K. "Solved" here means recall accuracy >= 0.99.
 * <pre>
 *   step   0 .. S-1        S .. S+D-2   S+D-1    S+D .. S+D+S-1
 *   input  symbols         blank        marker   blank
 *   target (masked)        (masked)     (masked) the symbols, in order
 * </pre>
 */
public final class CopyTask {
    private final int symbols;    // S
    private final int alphabet;   // K
    private final int delay;      // D

    public CopyTask(int symbols, int alphabet, int delay) {
        if (symbols < 1 || alphabet < 2 || delay < 1) {
            throw new IllegalArgumentException("the copy task needs S >= 1 symbols, an alphabet of K >= 2 and a delay D >= 1, got S="
                    + symbols + ", K=" + alphabet + ", D=" + delay);
        }
        this.symbols = symbols;
        this.alphabet = alphabet;
        this.delay = delay;
    }

    /** Steps of one sequence: T = 2S + D. */
    public int steps() {
        return 2 * symbols + delay;
    }

    /** Input channels: K + 2. */
    public int inputs() {
        return alphabet + 2;
    }

    public int alphabet() {
        return alphabet;
    }

    public int symbols() {
        return symbols;
    }

    /** The first scored step, S + D. */
    public int firstRecallStep() {
        return symbols + delay;
    }

    /** Cross-entropy (nats) of a memoryless guess on the recall steps: ln K. */
    public double baselineCrossEntropy() {
        return Math.log(alphabet);
    }

    /**
     * A batch of B sequences.
     * @param x       (T, B, K+2) out, one-hot, time-major
     * @param targets (T, B) out: the symbol to recall at recall steps, 0 elsewhere (masked)
     * @param mask    (T, B) out: 1 at the recall steps, 0 elsewhere
     */
    public void generate(float[] x, int[] targets, float[] mask, int batch, SplittableRandom random) {
        int steps = steps(), inputs = inputs();
        if (batch < 1 || x.length != (long) steps * batch * inputs || targets.length != steps * batch || mask.length != steps * batch) {
            throw new IllegalArgumentException("for B=" + batch + " expected x of " + (long) steps * batch * inputs
                    + " floats (T, B, K+2), targets and mask of " + (long) steps * batch + " (T, B); got " + x.length + ", "
                    + targets.length + ", " + mask.length);
        }
        java.util.Arrays.fill(x, 0f);
        java.util.Arrays.fill(targets, 0);
        java.util.Arrays.fill(mask, 0f);
        int blank = alphabet, marker = alphabet + 1;
        for (int b = 0; b < batch; b++) {
            for (int s = 0; s < symbols; s++) {
                int symbol = random.nextInt(alphabet);
                x[(s * batch + b) * inputs + symbol] = 1f;
                int recall = (firstRecallStep() + s) * batch + b;
                targets[recall] = symbol;
                mask[recall] = 1f;
            }
            for (int t = symbols; t < steps; t++) {
                x[(t * batch + b) * inputs + (t == firstRecallStep() - 1 ? marker : blank)] = 1f;
            }
        }
    }
}
