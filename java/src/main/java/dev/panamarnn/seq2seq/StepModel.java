package dev.panamarnn.seq2seq;

/**
 * What {@link Decoding} searches over: a decoder that advances a fixed number of rows (hypotheses)
 * by one token at a time and gives each row's log-probabilities of the next token.
 */
public interface StepModel {
    /** Target vocabulary size V. */
    int vocab();

    /** The number of rows each step advances. */
    int rows();

    /** Every row back at the start state (before any token). */
    void reset();

    /**
     * Row r first takes the state row {@code parents[r]} had (a beam's reordering; the identity
     * keeps every row), then reads {@code tokens[r]}; writes log p(next token | row r's prefix)
     * into {@code logProbs[r * V .. (r + 1) * V)}.
     */
    void step(int[] parents, int[] tokens, float[] logProbs);
}
