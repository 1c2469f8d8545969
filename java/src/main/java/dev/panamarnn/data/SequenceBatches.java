package dev.panamarnn.data;

import java.util.AbstractList;
import java.util.Arrays;
import java.util.RandomAccess;
import java.util.SplittableRandom;

/**
 * The batches of one {@link SequenceDataset#batches} call: the plan (which dataset rows go in
 * which batch) is made up front; each {@link #get} assembles its batch time-major with zero
 * padding, batch-first rows in, (T, B, ...) out. Not public API beyond the List it is.
 */
final class SequenceBatches extends AbstractList<SequenceBatch> implements RandomAccess {
    /** With groupByLength, sequences are sorted by length within chunks of this many batches. */
    static final int GROUP_BATCHES = 32;

    private final SequenceDataset data;
    private final int[][] plan; // (batches) each (B) dataset indices

    SequenceBatches(SequenceDataset data, int[][] plan) {
        this.data = data;
        this.plan = plan;
        int width = Math.max(Math.max(data.features(), data.targetSize()), 1);
        for (int[] rows : plan) {
            long cells = (long) steps(rows) * rows.length * width;
            if (cells > SequenceChecks.MAX_ARRAY) {
                throw new IllegalArgumentException("a batch of " + rows.length + " sequences padded to " + steps(rows)
                        + " steps of " + width + " values needs " + cells + " floats, more than a Java array holds ("
                        + SequenceChecks.MAX_ARRAY + "); use a smaller batch size");
            }
        }
    }

    /**
     * Which rows go in which batch: the dataset order (shuffled if asked), sorted by length within
     * chunks of {@link #GROUP_BATCHES} batches if asked, cut into batches of {@code batchSize} (the
     * last may be smaller), whose order is then shuffled if both were asked.
     */
    static int[][] plan(int[] lengths, int batchSize, boolean shuffle, boolean groupByLength, long seed) {
        int n = lengths.length;
        SplittableRandom random = new SplittableRandom(seed);
        int[] order = shuffle ? permutation(n, random) : identity(n);
        if (groupByLength) {
            long chunk = (long) batchSize * GROUP_BATCHES;
            for (long start = 0; start < n; start += chunk) {
                sortByLength(order, (int) start, (int) Math.min(start + chunk, n), lengths);
            }
        }
        int[][] batches = new int[(n + batchSize - 1) / batchSize][];
        for (int b = 0; b < batches.length; b++) {
            int from = b * batchSize; // < n, so no overflow
            batches[b] = Arrays.copyOfRange(order, from, (int) Math.min((long) from + batchSize, n));
        }
        if (groupByLength && shuffle) {
            for (int i = batches.length - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int[] swap = batches[i];
                batches[i] = batches[j];
                batches[j] = swap;
            }
        }
        return batches;
    }

    /** A Fisher-Yates shuffle of 0..n-1. */
    static int[] permutation(int n, SplittableRandom random) {
        int[] order = identity(n);
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
        return order;
    }

    private static int[] identity(int n) {
        int[] order = new int[n];
        Arrays.setAll(order, i -> i);
        return order;
    }

    /** Sorts order[from, to) by length, stably: the key is (length, position). */
    private static void sortByLength(int[] order, int from, int to, int[] lengths) {
        long[] keys = new long[to - from];
        for (int i = from; i < to; i++) {
            keys[i - from] = (long) lengths[order[i]] << 32 | (i - from);
        }
        Arrays.sort(keys);
        int[] sorted = new int[keys.length];
        for (int i = 0; i < keys.length; i++) {
            sorted[i] = order[from + (int) keys[i]];
        }
        System.arraycopy(sorted, 0, order, from, sorted.length);
    }

    private int steps(int[] rows) {
        int t = 0;
        for (int i : rows) {
            t = Math.max(t, data.length(i));
        }
        return t;
    }

    @Override
    public int size() {
        return plan.length;
    }

    @Override
    public SequenceBatch get(int index) {
        int[] rows = plan[index].clone();               // (B)
        int b = rows.length, t = steps(rows);
        int[] lengths = new int[b];                      // (B)
        for (int r = 0; r < b; r++) {
            lengths[r] = data.length(rows[r]);
        }
        float[] features = null;                         // (T, B, F)
        int[] tokens = null;                             // (T, B)
        if (data.tokens()) {
            tokens = new int[t * b];
            for (int r = 0; r < b; r++) {
                int[] src = data.rawTokens(rows[r]);     // (T_r)
                for (int s = 0; s < src.length; s++) {
                    tokens[s * b + r] = src[s];
                }
            }
        } else {
            int f = data.features();
            features = new float[t * b * f];
            for (int r = 0; r < b; r++) {
                float[] src = data.rawInputs(rows[r]);   // (T_r * F)
                for (int s = 0; s < lengths[r]; s++) {
                    System.arraycopy(src, s * f, features, (s * b + r) * f, f);
                }
            }
        }
        int[] labels = null;                             // (B) or (T, B)
        int[][] labelSequences = null;                   // (B) each (S_r)
        float[] targets = null;                          // (B, K) or (T, B, K)
        SequenceDataset.Targets kind = data.targets();
        int k = data.targetSize();
        switch (kind) {
            case CLASS_PER_SEQUENCE -> {
                labels = new int[b];
                for (int r = 0; r < b; r++) {
                    labels[r] = data.rawLabels(rows[r])[0];
                }
            }
            case CLASS_PER_STEP -> {
                labels = new int[t * b];
                for (int r = 0; r < b; r++) {
                    int[] src = data.rawLabels(rows[r]); // (T_r)
                    for (int s = 0; s < src.length; s++) {
                        labels[s * b + r] = src[s];
                    }
                }
            }
            case VALUES_PER_SEQUENCE -> {
                targets = new float[b * k];
                for (int r = 0; r < b; r++) {
                    System.arraycopy(data.rawValues(rows[r]), 0, targets, r * k, k);
                }
            }
            case VALUES_PER_STEP -> {
                targets = new float[t * b * k];
                for (int r = 0; r < b; r++) {
                    float[] src = data.rawValues(rows[r]); // (T_r * K)
                    for (int s = 0; s < lengths[r]; s++) {
                        System.arraycopy(src, s * k, targets, (s * b + r) * k, k);
                    }
                }
            }
            case LABEL_SEQUENCE -> {
                labelSequences = new int[b][];
                for (int r = 0; r < b; r++) {
                    labelSequences[r] = data.rawLabels(rows[r]).clone();
                }
            }
            case NONE -> { } // inputs only: labels and targets stay null
        }
        return new SequenceBatch(t, b, lengths, features, tokens, labels, targets, rows, labelSequences);
    }
}
