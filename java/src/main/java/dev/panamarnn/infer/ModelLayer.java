package dev.panamarnn.infer;

import dev.panamarnn.CellType;
import java.lang.foreign.MemorySegment;

/**
 * The parameters of one layer of an {@link InferenceModel}, laid out for streaming, and where the
 * layer reads and writes in a stream's state vector.
 *
 * <p>A stream's state vector is v = [x | h_0 | h_1 | ... | h_{L-1}] (I + L*H floats). Layer l
 * reads the window [h_{l-1} | h_l] (for l = 0: [x | h_0]), which holds its input at step t and its
 * own state h_{l,t-1}, and then writes h_{l,t} over h_l — where layer l+1 finds it as input. So the
 * input and the recurrent products are one matrix-vector product with W = [W_ih | W_hh]:
 * <pre>
 *   pre (G*H) = W (G*H, In+H) * [x_t | h_{t-1}] + b        (LSTM, RNN: b = b_ih + b_hh)
 * </pre>
 * GRU keeps the recurrent product apart (the reset gate multiplies W_hn h + b_hn), so it uses the
 * two column blocks of the same W with row stride In+H: xg = W[:, :In] x + b_ih, hg = W[:, In:] h.
 */
final class ModelLayer {
    final int index;
    final CellType cell;
    /** In_l: I for layer 0, H above. */
    final int inputSize;
    final int hidden;
    /** G*H. */
    final int gateWidth;
    /** In_l + H: the window length and the row stride of {@link #weights}. */
    final int rowLength;
    /** Float offset of the window [input | h_l] in the state vector. */
    final long windowOffset;
    /** Float offset of h_l in the state vector. */
    final long hiddenOffset;

    final MemorySegment weights;          // (G*H, In+H) [W_ih | W_hh], row-major
    final MemorySegment recurrentWeights; // W_hh: the view of weights at column In, row stride In+H
    final MemorySegment weightsT;         // (In+H, G*H) the transpose, for batched steps on the small-product path; or null
    final MemorySegment recurrentWeightsT;// W_hh^T: rows In.. of weightsT; or null
    final MemorySegment bias;             // (G*H) b_ih + b_hh (LSTM, RNN) or b_ih (GRU)
    final MemorySegment recurrentBias;    // (3H) b_hh, GRU only (the kernel adds it); null otherwise

    ModelLayer(int index, CellType cell, int modelInputSize, int inputSize, int hidden,
               MemorySegment weights, MemorySegment weightsT, MemorySegment bias, MemorySegment recurrentBias) {
        this.index = index;
        this.cell = cell;
        this.inputSize = inputSize;
        this.hidden = hidden;
        this.gateWidth = cell.gates() * hidden;
        this.rowLength = inputSize + hidden;
        this.windowOffset = index == 0 ? 0 : modelInputSize + (long) (index - 1) * hidden;
        this.hiddenOffset = modelInputSize + (long) index * hidden;
        this.weights = weights;
        this.recurrentWeights = weights.asSlice((long) inputSize * Float.BYTES);
        this.weightsT = weightsT;
        this.recurrentWeightsT = weightsT == null ? null : weightsT.asSlice((long) inputSize * gateWidth * Float.BYTES);
        this.bias = bias;
        this.recurrentBias = recurrentBias;
    }
}
