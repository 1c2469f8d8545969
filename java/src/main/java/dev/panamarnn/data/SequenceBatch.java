package dev.panamarnn.data;

/**
 * One batch of B sequences padded to T steps, time-major (the network's layout inside): the
 * element for step t of row b is at index {@code t * B + b} (times the width). Values at padded
 * steps (t >= lengths[b]) are 0 and carry no loss. Made by {@link SequenceDataset#batches}.
 *
 * @param steps    T, the longest length in the batch
 * @param batch    B rows
 * @param lengths  (B) each row's length in [1, T]
 * @param features (T, B, F) float features, or null when the dataset holds token ids
 * @param tokens   (T, B) token ids, or null when the dataset holds features
 * @param labels   class ids: (B) per sequence or (T, B) per step; null for regression targets
 * @param targets  regression targets: (B, K) per sequence or (T, B, K) per step; null for labels
 * @param rows     (B) index in the dataset of each row's sequence
 * @param labelSequences (B) each row's unaligned label sequence (S_b) for CTC, or null
 */
public record SequenceBatch(int steps, int batch, int[] lengths, float[] features, int[] tokens,
                            int[] labels, float[] targets, int[] rows, int[][] labelSequences) {

    /** A batch without label sequences (every task but CTC). */
    public SequenceBatch(int steps, int batch, int[] lengths, float[] features, int[] tokens, int[] labels, float[] targets, int[] rows) {
        this(steps, batch, lengths, features, tokens, labels, targets, rows, null);
    }

    /** True when every row has all T steps (no padding). */
    public boolean full() {
        for (int length : lengths) {
            if (length != steps) {
                return false;
            }
        }
        return true;
    }
}
