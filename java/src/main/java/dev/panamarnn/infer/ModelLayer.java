package dev.panamarnn.infer;

import dev.panamarnn.CellType;
import dev.panamarnn.cell.Cell;
import dev.panamarnn.cell.ResetBeforeWeights;
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
 *   pre (G*H) = W (G*H, In+H) * [x_t | h_{t-1}] + b        (LSTM, RNN: b = b_ih + b_hh, added by the kernel)
 * </pre>
 * GRU keeps the recurrent product apart (the reset gate multiplies W_hn h + b_hn), so its two
 * products read two contiguous matrices, W_ih (G*H, In) followed by W_hh (G*H, H):
 * xg = W_ih x, hg = W_hh h (the kernel adds b_ih and b_hh). (Contiguous matrices, not column blocks
 * of one joined W: docs/performance.md, "Notes moved from the code".) The reset-before GRU has the
 * same layout; its recurrent product comes in two parts (W_h{r,z}, then W_hn on r h), read through
 * {@link #resetBefore}, and its transposed W_hh is the two blocks transposed apart.
 *
 * <p>In an int8 or bf16 model ({@link Precision}) the float weights are not kept: W_ih and W_hh are
 * two {@link QuantizedMatrix}es for every cell, and a step makes two reduced-precision products,
 * pre = W_ih x_t (beta 0) then pre += W_hh h_{t-1} (GRU: into its own buffer), each with its
 * vector converted apart.
 */
final class ModelLayer {
    final int index;
    final CellType cell;
    /** In_l: I for layer 0, H above. */
    final int inputSize;
    final int hidden;
    /** G*H. */
    final int gateWidth;
    /** In_l + H: the window length. */
    final int rowLength;
    /** Row stride of {@link #weights}: In_l + H joined (LSTM, RNN), In_l for GRU's W_ih. */
    final int weightStride;
    /** Row stride of {@link #recurrentWeights}: In_l + H joined (LSTM, RNN), H for GRU's W_hh. */
    final int recurrentStride;
    /** Float offset of the window [input | h_l] in the state vector. */
    final long windowOffset;
    /** Float offset of h_l in the state vector. */
    final long hiddenOffset;

    final MemorySegment weights;          // (G*H, In+H) [W_ih | W_hh]; GRU: W_ih (G*H, In) then W_hh (G*H, H)
    final MemorySegment recurrentWeights; // W_hh: the joined weights at column In (row stride In+H); GRU: the second matrix
    final MemorySegment weightsT;         // (In+H, G*H) the transpose, for batched steps on the small-product path; or null
    final MemorySegment recurrentWeightsT;// W_hh^T: rows In.. of weightsT; or null
    final MemorySegment packed;           // [W_ih | W_hh] (LSTM, RNN) or W_ih (GRU) in the kernels' packed form, for batched steps; or null
    final MemorySegment packedRecurrent;  // GRU: W_hh in the packed form; or null
    final MemorySegment bias;             // (G*H) b_ih + b_hh (LSTM, RNN) or b_ih (GRU)
    final MemorySegment recurrentBias;    // (3H) b_hh, both GRUs (the kernels add it); null otherwise
    final ResetBeforeWeights resetBefore; // reset-before GRU: W_h{r,z}, W_hn (and transposes), views of the above; else null
    final QuantizedMatrix inputQuantized;     // (G*H, In) W_ih in int8 or bf16 (weights is then null); null in float32
    final QuantizedMatrix recurrentQuantized; // (G*H, H) W_hh in int8 or bf16; null in float32

    ModelLayer(int index, CellType cell, int modelInputSize, int inputSize, int hidden,
               MemorySegment weights, MemorySegment weightsT, MemorySegment packed, MemorySegment packedRecurrent,
               MemorySegment bias, MemorySegment recurrentBias, QuantizedMatrix inputQuantized,
               QuantizedMatrix recurrentQuantized) {
        this.index = index;
        this.cell = cell;
        this.inputSize = inputSize;
        this.hidden = hidden;
        this.gateWidth = cell.gates() * hidden;
        this.rowLength = inputSize + hidden;
        boolean separate = separateRecurrentWeights(cell);
        this.weightStride = separate ? inputSize : rowLength;
        this.recurrentStride = separate ? hidden : rowLength;
        this.windowOffset = index == 0 ? 0 : modelInputSize + (long) (index - 1) * hidden;
        this.hiddenOffset = modelInputSize + (long) index * hidden;
        this.weights = weights;
        this.recurrentWeights = weights == null ? null : weights.asSlice((separate ? (long) gateWidth : 1L) * inputSize * Float.BYTES);
        this.weightsT = weightsT;
        this.recurrentWeightsT = weightsT == null ? null : weightsT.asSlice((long) inputSize * gateWidth * Float.BYTES);
        this.packed = packed;
        this.packedRecurrent = packedRecurrent;
        this.bias = bias;
        this.recurrentBias = recurrentBias;
        this.resetBefore = cell == CellType.GRU_RESET_BEFORE
                ? ResetBeforeWeights.of(recurrentWeights, recurrentWeightsT, hidden) : null;
        this.inputQuantized = inputQuantized;
        this.recurrentQuantized = recurrentQuantized;
    }

    /** Whether W_ih and W_hh stay two matrices, and b_hh apart (both GRUs), instead of [W_ih | W_hh] and b_ih + b_hh. */
    static boolean separateRecurrentWeights(CellType cell) {
        return !Cell.of(cell).foldsRecurrentBias();
    }
}
