package dev.panamarnn.examples.experiment;

import dev.panamarnn.CellType;

/**
 * Parameter counts of a character-level language model
 * ({@link dev.panamarnn.infer.CharSampler#languageModel}, a {@link dev.panamarnn.model.SequenceModel}
 * with a single-Linear head) in closed form, and the hidden size that gives another cell the same
 * count: the "equal parameter count" of the text experiment. This file counts; it allocates no
 * model (TextSizingTest checks the formula against {@link dev.panamarnn.model.SequenceModel#layout}).
 */
final class TextSizing {
    private TextSizing() {}

    /**
     * All parameters of a character model with V characters, embedding E, hidden H, L layers and G gate blocks:
     * <pre>
     *   embedding.weight               V*E
     *   per layer l: W_ih, W_hh, b_ih, b_hh   G*H*(I_l + H + 2),  I_0 = E, I_l = H after
     *   head.weight, head.bias         H*V + V
     * </pre>
     */
    static long parameterCount(CellType cell, int vocabulary, int embedding, int hidden, int layers) {
        return (long) vocabulary * embedding + recurrentParameterCount(cell, embedding, hidden, layers)
                + (long) hidden * vocabulary + vocabulary;
    }

    /** The recurrent stack alone: sum over layers of G*H*(I_l + H + 2). */
    static long recurrentParameterCount(CellType cell, int embedding, int hidden, int layers) {
        long g = cell.gates();
        long count = 0;
        for (int l = 0; l < layers; l++) {
            long input = l == 0 ? embedding : hidden;
            count += g * hidden * (input + hidden + 2);
        }
        return count;
    }

    /**
     * The hidden size H in [1, 16384] whose {@link #parameterCount} is nearest {@code target}
     * (the count grows with H, so a binary search finds the two neighbours of the target).
     */
    static int hiddenForParameterCount(CellType cell, int vocabulary, int embedding, int layers, long target) {
        if (target < 1) {
            throw new IllegalArgumentException("target parameter count must be >= 1, got " + target);
        }
        int lo = 1, hi = 16384;
        if (parameterCount(cell, vocabulary, embedding, hi, layers) <= target) {
            return hi;
        }
        while (hi - lo > 1) {               // invariant: count(lo) <= target < count(hi), or lo = 1
            int mid = (lo + hi) >>> 1;
            if (parameterCount(cell, vocabulary, embedding, mid, layers) <= target) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        long below = Math.abs(target - parameterCount(cell, vocabulary, embedding, lo, layers));
        long above = Math.abs(parameterCount(cell, vocabulary, embedding, hi, layers) - target);
        return below <= above ? lo : hi;
    }

    /** Relative difference |count - reference| / reference. */
    static double relativeDifference(long count, long reference) {
        return Math.abs(count - reference) / (double) reference;
    }
}
