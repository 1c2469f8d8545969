package dev.panamarnn.data;

import java.util.List;

/**
 * The validating copies behind {@link SequenceDataset}'s factories: each takes the user's
 * batch-first arrays, checks them and returns fresh flat per-sequence arrays. Every message names
 * the sequence index (and step, feature or value) and what was expected. Not public API.
 */
final class SequenceChecks {
    /** The longest Java array this code allocates (a little under 2^31 - 1, as the JDK's own limit). */
    static final int MAX_ARRAY = Integer.MAX_VALUE - 8;

    /** Per-sequence rows flattened step-major: rows[i] is (T_i * width) or (width). */
    record Flat(float[][] rows, int width) {
    }

    private SequenceChecks() {
    }

    static void notEmpty(int n) {
        if (n == 0) {
            throw new IllegalArgumentException("no sequences: a dataset needs at least one");
        }
    }

    static void sameCount(String what, int actual, int expected) {
        if (actual != expected) {
            throw new IllegalArgumentException("got " + actual + " " + what + " for " + expected + " sequences");
        }
    }

    static void atLeastOne(String what, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(what + " must be at least 1, got " + value);
        }
    }

    /**
     * Checks and flattens a list of (T_i, W) arrays into (T_i * W) rows; W is taken from the first
     * step of the first sequence and must be at least 1.
     * @param lengths the lengths each sequence must have, or null for any length >= 1
     * @param prefix  "" for inputs, "targets of " for step targets (starts each message)
     * @param unit    "feature" or "value"
     */
    static Flat steps(List<float[][]> sequences, int[] lengths, String prefix, String unit) {
        if (sequences == null) {
            throw new IllegalArgumentException(prefix.isEmpty() ? "inputs are null" : prefix + "sequences are null");
        }
        if (lengths == null) {
            notEmpty(sequences.size());
        } else {
            sameCount(prefix.isEmpty() ? "inputs" : prefix.trim(), sequences.size(), lengths.length);
        }
        float[][] rows = new float[sequences.size()][]; // (N) each (T_i * W) step-major
        int width = -1;
        for (int i = 0; i < rows.length; i++) {
            float[][] sequence = sequences.get(i); // (T_i, W)
            String where = prefix + "sequence " + i;
            if (sequence == null) {
                throw new IllegalArgumentException(where + " is null");
            }
            if (lengths != null && sequence.length != lengths[i]) {
                throw new IllegalArgumentException(where + " has " + sequence.length + " steps, expected "
                        + lengths[i] + " (the sequence's length)");
            }
            if (sequence.length == 0) {
                throw new IllegalArgumentException(where + " is empty: every sequence needs at least one step");
            }
            for (int t = 0; t < sequence.length; t++) {
                float[] step = sequence[t];
                if (step == null) {
                    throw new IllegalArgumentException(where + " step " + t + " is null");
                }
                if (width < 0) {
                    if (step.length == 0) {
                        throw new IllegalArgumentException(where + " step " + t + " has no " + unit + "s: expected at least 1");
                    }
                    width = step.length;
                } else if (step.length != width) {
                    throw new IllegalArgumentException(where + " step " + t + " has " + step.length + " " + unit
                            + "s, expected " + width + " (as " + prefix + "sequence 0 step 0)");
                }
            }
            float[] row = new float[size(sequence.length, width, where)];
            for (int t = 0; t < sequence.length; t++) {
                for (int f = 0; f < width; f++) {
                    float v = sequence[t][f];
                    if (!Float.isFinite(v)) {
                        throw new IllegalArgumentException(where + " step " + t + " " + unit + " " + f + " is " + v);
                    }
                    row[t * width + f] = v;
                }
            }
            rows[i] = row;
        }
        return new Flat(rows, width);
    }

    /** Checks and copies (N, K) per-sequence targets into (N) rows of (K). */
    static Flat values(float[][] targets, int n) {
        if (targets == null) {
            throw new IllegalArgumentException("targets are null");
        }
        sameCount("target rows", targets.length, n);
        float[][] rows = new float[n][]; // (N) each (K)
        int k = -1;
        for (int i = 0; i < n; i++) {
            float[] row = targets[i];
            if (row == null) {
                throw new IllegalArgumentException("targets of sequence " + i + " are null");
            }
            if (k < 0) {
                k = row.length;
                if (k == 0) {
                    throw new IllegalArgumentException("targets of sequence 0 have no values: expected at least 1");
                }
            }
            if (row.length != k) {
                throw new IllegalArgumentException("targets of sequence " + i + " have " + row.length
                        + " values, expected " + k + " (as sequence 0)");
            }
            for (int j = 0; j < k; j++) {
                if (!Float.isFinite(row[j])) {
                    throw new IllegalArgumentException("targets of sequence " + i + " value " + j + " is " + row[j]);
                }
            }
            rows[i] = row.clone();
        }
        return new Flat(rows, k);
    }

    /** Checks one class label per sequence and copies them as (N) rows of (1). */
    static int[][] labels(int[] labels, int n, int classes) {
        atLeastOne("classes", classes);
        if (labels == null) {
            throw new IllegalArgumentException("labels are null");
        }
        sameCount("labels", labels.length, n);
        int[][] rows = new int[n][]; // (N) each (1)
        for (int i = 0; i < n; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new IllegalArgumentException("label of sequence " + i + " is " + labels[i]
                        + ", outside [0, " + classes + ")");
            }
            rows[i] = new int[] {labels[i]};
        }
        return rows;
    }

    /** Checks per-step class labels (each of its sequence's length) and copies them. */
    /** (N) each (S_i): label sequences for CTC, ids in [1, classes) (0 is the blank), each alignable to its T_i steps. */
    static int[][] labelSequences(List<int[]> labels, int[] lengths, int classes) {
        if (classes < 2) {
            throw new IllegalArgumentException("label sequences need at least 2 classes (the blank, class 0, and one label), got " + classes);
        }
        if (labels == null) {
            throw new IllegalArgumentException("label sequences are null");
        }
        sameCount("label sequences", labels.size(), lengths.length);
        int[][] rows = new int[lengths.length][]; // (N) each (S_i)
        for (int i = 0; i < rows.length; i++) {
            int[] row = labels.get(i);
            if (row == null) {
                throw new IllegalArgumentException("label sequence " + i + " is null");
            }
            for (int s = 0; s < row.length; s++) {
                if (row[s] < 1 || row[s] >= classes) {
                    throw new IllegalArgumentException("label " + s + " of sequence " + i + " is " + row[s] + ", outside [1, " + classes
                            + ") (class 0 is the CTC blank)");
                }
            }
            int need = dev.panamarnn.train.CtcLoss.requiredSteps(row);
            if (need > lengths[i]) {
                throw new IllegalArgumentException("label sequence " + i + " of " + row.length + " classes needs at least " + need
                        + " steps, the sequence has " + lengths[i]);
            }
            rows[i] = row.clone();
        }
        return rows;
    }

    static int[][] stepLabels(List<int[]> labels, int[] lengths, int classes) {
        atLeastOne("classes", classes);
        if (labels == null) {
            throw new IllegalArgumentException("labels are null");
        }
        sameCount("label sequences", labels.size(), lengths.length);
        int[][] rows = new int[lengths.length][]; // (N) each (T_i)
        for (int i = 0; i < rows.length; i++) {
            int[] row = labels.get(i);
            if (row == null) {
                throw new IllegalArgumentException("labels of sequence " + i + " are null");
            }
            if (row.length != lengths[i]) {
                throw new IllegalArgumentException("labels of sequence " + i + " have " + row.length
                        + " steps, expected " + lengths[i] + " (the sequence's length)");
            }
            for (int t = 0; t < row.length; t++) {
                if (row[t] < 0 || row[t] >= classes) {
                    throw new IllegalArgumentException("label of sequence " + i + " step " + t + " is " + row[t]
                            + ", outside [0, " + classes + ")");
                }
            }
            rows[i] = row.clone();
        }
        return rows;
    }

    /** Checks token-id sequences (each non-empty, ids in [0, V)) and copies them. */
    static int[][] tokens(List<int[]> sequences, int vocabulary) {
        atLeastOne("vocabulary", vocabulary);
        if (sequences == null) {
            throw new IllegalArgumentException("sequences are null");
        }
        notEmpty(sequences.size());
        int[][] rows = new int[sequences.size()][]; // (N) each (T_i)
        for (int i = 0; i < rows.length; i++) {
            int[] row = sequences.get(i);
            if (row == null) {
                throw new IllegalArgumentException("sequence " + i + " is null");
            }
            if (row.length == 0) {
                throw new IllegalArgumentException("sequence " + i + " is empty: every sequence needs at least one step");
            }
            for (int t = 0; t < row.length; t++) {
                if (row[t] < 0 || row[t] >= vocabulary) {
                    throw new IllegalArgumentException("sequence " + i + " step " + t + " has token id " + row[t]
                            + ", outside the vocabulary [0, " + vocabulary + ")");
                }
            }
            rows[i] = row.clone();
        }
        return rows;
    }

    /** steps * width as an array size, or a clear error naming where it overflowed. */
    static int size(int steps, int width, String where) {
        long n = (long) steps * width;
        if (n > MAX_ARRAY) {
            throw new IllegalArgumentException(where + " has " + steps + " steps of " + width
                    + " values, more than a Java array holds (" + MAX_ARRAY + ")");
        }
        return (int) n;
    }
}
