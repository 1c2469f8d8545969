package dev.panamarnn.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a CTC model's per-step outputs (T steps of C logits; class {@code blank} is the blank) into
 * a label sequence.
 * <ul>
 * <li>{@link #greedy}: the most probable class at each step, repeats collapsed, blanks removed
 *     (best path decoding).</li>
 * <li>{@link #beamSearch}: prefix beam search. Each kept prefix carries the log probability of all
 *     alignments so far that end in a blank and of those that end in its last label; a step extends
 *     every prefix by every class, merging alignments that collapse to the same prefix, and keeps
 *     the {@code beamWidth} most probable prefixes. With a beam as wide as the number of possible
 *     prefixes it finds the most probable labelling exactly.</li>
 * </ul>
 * Stateless; logits are read as log_softmax per step (any finite logits).
 */
public final class CtcDecoder {
    private static final double NEG_INF = Double.NEGATIVE_INFINITY;

    /** A decoded labelling and its log probability (summed over its alignments; for greedy, the best path's). */
    public record Result(int[] labels, double logProbability) {}

    private CtcDecoder() {}

    /**
     * @param logits (T, C) row-major from {@code offset}: one row per step
     */
    public static Result greedy(float[] logits, int offset, int steps, int classes, int blank) {
        check(logits, offset, steps, classes, blank);
        int[] out = new int[steps];
        int n = 0, previous = -1;
        double logP = 0;
        for (int t = 0; t < steps; t++) {
            int row = offset + t * classes, best = 0;
            for (int c = 1; c < classes; c++) {
                if (logits[row + c] > logits[row + best]) {
                    best = c;
                }
            }
            logP += logits[row + best] - logSumExp(logits, row, classes);
            if (best != blank && best != previous) {
                out[n++] = best;
            }
            previous = best;
        }
        return new Result(Arrays.copyOf(out, n), logP);
    }

    /** Prefix beam search keeping {@code beamWidth} prefixes; see the class comment. */
    public static Result beamSearch(float[] logits, int offset, int steps, int classes, int blank, int beamWidth) {
        check(logits, offset, steps, classes, blank);
        if (beamWidth < 1) {
            throw new IllegalArgumentException("beam width must be >= 1, got " + beamWidth);
        }
        Map<Prefix, double[]> beams = new HashMap<>();                  // prefix -> {log p ending in blank, log p ending in its last label}
        beams.put(new Prefix(new int[0]), new double[] {0, NEG_INF});
        double[] logProbs = new double[classes];
        for (int t = 0; t < steps; t++) {
            int row = offset + t * classes;
            double logZ = logSumExp(logits, row, classes);
            for (int c = 0; c < classes; c++) {
                logProbs[c] = logits[row + c] - logZ;
            }
            Map<Prefix, double[]> next = new HashMap<>();
            for (Map.Entry<Prefix, double[]> e : beams.entrySet()) {
                Prefix prefix = e.getKey();
                double pBlank = e.getValue()[0], pLabel = e.getValue()[1], pAll = logAdd(pBlank, pLabel);
                int last = prefix.labels.length == 0 ? -1 : prefix.labels[prefix.labels.length - 1];
                double[] same = next.computeIfAbsent(prefix, k -> new double[] {NEG_INF, NEG_INF});
                same[0] = logAdd(same[0], pAll + logProbs[blank]);          // a blank keeps the prefix
                if (last >= 0) {
                    same[1] = logAdd(same[1], pLabel + logProbs[last]);     // its last label again, collapsed
                }
                for (int c = 0; c < classes; c++) {
                    if (c == blank) {
                        continue;
                    }
                    Prefix longer = prefix.append(c);
                    double[] extended = next.computeIfAbsent(longer, k -> new double[] {NEG_INF, NEG_INF});
                    // a repeat of the last label starts a new one only after a blank
                    extended[1] = logAdd(extended[1], (c == last ? pBlank : pAll) + logProbs[c]);
                }
            }
            beams = prune(next, beamWidth);
        }
        Map.Entry<Prefix, double[]> best = null;
        for (Map.Entry<Prefix, double[]> e : beams.entrySet()) {
            if (best == null || total(e.getValue()) > total(best.getValue())) {
                best = e;
            }
        }
        return new Result(best.getKey().labels.clone(), total(best.getValue()));
    }

    private static Map<Prefix, double[]> prune(Map<Prefix, double[]> candidates, int beamWidth) {
        if (candidates.size() <= beamWidth) {
            return candidates;
        }
        List<Map.Entry<Prefix, double[]>> sorted = new ArrayList<>(candidates.entrySet());
        sorted.sort(Comparator.comparingDouble((Map.Entry<Prefix, double[]> e) -> total(e.getValue())).reversed());
        Map<Prefix, double[]> kept = new HashMap<>();
        for (int i = 0; i < beamWidth; i++) {
            kept.put(sorted.get(i).getKey(), sorted.get(i).getValue());
        }
        return kept;
    }

    private static double total(double[] p) {
        return logAdd(p[0], p[1]);
    }

    private static double logAdd(double a, double b) {
        if (a == NEG_INF) {
            return b;
        }
        if (b == NEG_INF) {
            return a;
        }
        return Math.max(a, b) + Math.log1p(Math.exp(-Math.abs(a - b)));
    }

    private static double logSumExp(float[] v, int from, int n) {
        double max = NEG_INF;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, v[from + i]);
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += Math.exp(v[from + i] - max);
        }
        return max + Math.log(sum);
    }

    private static void check(float[] logits, int offset, int steps, int classes, int blank) {
        if (classes < 2 || blank < 0 || blank >= classes) {
            throw new IllegalArgumentException("CTC decoding needs classes >= 2 and a blank in [0, classes), got classes=" + classes + ", blank=" + blank);
        }
        if (steps < 0 || offset < 0 || (long) offset + (long) steps * classes > logits.length) {
            throw new IllegalArgumentException("logits hold " + logits.length + " floats; " + steps + " steps of " + classes
                    + " classes from offset " + offset + " do not fit");
        }
        for (int i = offset; i < offset + steps * classes; i++) {
            if (!Float.isFinite(logits[i])) {
                throw new IllegalArgumentException("logit " + (i - offset) + " is " + logits[i] + "; CTC decoding needs finite logits");
            }
        }
    }

    /** A label prefix as a map key. */
    private record Prefix(int[] labels) {
        Prefix append(int label) {
            int[] longer = Arrays.copyOf(labels, labels.length + 1);
            longer[labels.length] = label;
            return new Prefix(longer);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Prefix p && Arrays.equals(labels, p.labels);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(labels);
        }
    }
}
