package dev.panamarnn.infer;

/**
 * The number format of an {@link InferenceModel}'s recurrent weights (docs/quantization.md).
 * The state (h, c), the biases, the pointwise cell, the input stage and the head stay float32 in
 * every precision.
 */
public enum Precision {
    /** float32 weights: the reference. */
    FLOAT32,
    /**
     * int8 weights, one symmetric scale per output row of W_ih and of W_hh, and dynamic
     * quantization of the layer's input and h_{t-1} at every step (one symmetric scale per vector);
     * the products are exact int32 sums, dequantized to float before the bias and the cell.
     * LSTM, GRU and the vanilla RNNs; not the reset-before GRU.
     */
    INT8,
    /**
     * bf16 weights (each rounded to nearest even), and the layer's input and h_{t-1} rounded to bf16
     * at every step; the products are summed in float. LSTM, GRU and the vanilla RNNs; not the
     * reset-before GRU.
     */
    BF16
}
