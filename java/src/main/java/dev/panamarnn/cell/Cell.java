package dev.panamarnn.cell;

import dev.panamarnn.CellType;
import dev.panamarnn.kernels.Kernels;
import java.lang.foreign.MemorySegment;

/**
 * One step of a recurrent cell: the one place that says which fused kernels a cell type runs,
 * forward and backward. The forward kernel is shared by training (on a scan's buffers, here) and
 * serving (one stream's row, or a gathered batch: {@code infer.StreamState}, {@code infer.BatchWorkspace});
 * the caller says where its inputs and outputs live. A training step is the recurrent GEMM
 * h_{t-1} W_hh^T plus the fused kernel; its backward is the fused backward kernel plus one GEMM
 * for dh_{t-1}. The input projection and the weight gradients are the layer's (large GEMMs outside
 * the time loop).
 */
public interface Cell {

    /** The cell for a type. */
    static Cell of(CellType type) {
        return switch (type) {
            case LSTM -> new LstmCell();
            case GRU -> new GruCell();
            case GRU_RESET_BEFORE -> new GruResetBeforeCell();
            case RNN_TANH -> new VanillaCell(false);
            case RNN_RELU -> new VanillaCell(true);
        };
    }

    /** True when b_hh is folded with b_ih into the one bias the forward kernel adds (LSTM, RNN); false for both GRUs. */
    boolean foldsRecurrentBias();

    /**
     * True when h_{t-1} W_hh^T goes to its own buffer hg (rows, 3H) (GRU: the reset gate multiplies
     * W_hn h + b_hn apart from the input part; the reset-before GRU: two products); false when it is
     * added into the gates.
     */
    default boolean separateRecurrentProduct() {
        return !foldsRecurrentBias();
    }

    /**
     * True when the recurrent product comes in two parts with a kernel between them (the
     * reset-before GRU: (r h_{t-1}) W_hn^T needs r), so that a step after the input projection is
     * {@link ResetBeforeStep#forward}, not one product and {@link #forwardKernel}.
     */
    default boolean splitsRecurrentProduct() {
        return false;
    }

    /**
     * The fused forward kernel over {@code rows} rows, after the products: applies the activations,
     * saves what backward needs in {@code gates} (and {@code hiddenGates}) and writes h_t (and c_t).
     * Arguments a cell does not read may be null.
     * @param hNext         (rows, H) h_t, written; not {@code hPrev} for GRU (its kernel reads h_{t-1})
     * @param cNext         (rows, H) c_t, written (LSTM)
     * @param gates         (rows, G*H) the pre-activations without bias, then the saved activations
     * @param hiddenGates   (rows, 3H) GRU: h_{t-1} W_hh^T, then + b_hh
     * @param bias          (G*H) b_ih + b_hh (LSTM, RNN) or b_ih (GRU)
     * @param recurrentBias (3H) b_hh (GRU)
     * @param hPrev         (rows, H) h_{t-1} (GRU)
     * @param cPrev         (rows, H) c_{t-1} (LSTM); not {@code cNext}
     */
    void forwardKernel(Kernels k, MemorySegment hNext, MemorySegment cNext, MemorySegment gates, MemorySegment hiddenGates,
                       MemorySegment bias, MemorySegment recurrentBias, MemorySegment hPrev, MemorySegment cPrev,
                       int rows, int hidden);

    /** Step t of a scan, from state index {@code prev} to {@code cur}: the recurrent GEMM, then the fused kernel. */
    default void forwardStep(Kernels k, CellBuffers s, int t, int prev, int cur) {
        MemorySegment cPrev = s.c == null ? null : s.c[prev], cNext = s.c == null ? null : s.c[cur];
        if (separateRecurrentProduct()) {
            MemorySegment hg = s.forwardHiddenGates(t);
            Recurrent.forward(k, s, s.h[prev], hg, 0f);                 // hg_t (B, 3H) = h_{t-1} (B, H) * W_hh^T (H, 3H)
            forwardKernel(k, s.h[cur], cNext, s.gates[t], hg, s.kernelBias, s.bHh, s.h[prev], cPrev, s.batch, s.hidden);
        } else {
            Recurrent.forward(k, s, s.h[prev], s.gates[t], 1f);         // gates_t (B, G*H) += h_{t-1} (B, H) * W_hh^T (H, G*H)
            forwardKernel(k, s.h[cur], cNext, s.gates[t], null, s.kernelBias, null, s.h[prev], cPrev, s.batch, s.hidden);
        }
    }

    /**
     * Backward through step t: reads s.dhTotal (and s.dcCarry), writes s.dGates[t] (and
     * s.dHiddenGates[t]), updates s.dcCarry to dL/dc_{t-1}. May write s.dhCarry (GRU's direct part).
     */
    void backwardKernel(Kernels k, CellBuffers s, int t, int prev, int cur);

    /** dL/dh_{t-1} in s.dhCarry: the recurrent GEMM d(pre-activations)_t W_hh (after backwardKernel). */
    void backwardRecurrentGemm(Kernels k, CellBuffers s, int t);

    /**
     * dW_hh (G*H, H) += dR^T (G*H, n) * H_prev (n, H), after the time loop, over the n rows of steps
     * from row {@code firstRow} (of T*B) on: one GEMM, or the cell's own split (the reset-before GRU's
     * W_hn multiplies r h_{t-1}, not h_{t-1}).
     * @param dR    (n, G*H) the recurrent pre-activations' gradients of those rows
     * @param hPrev (n, H) h_{t-1} of those rows
     */
    default void recurrentWeightGradient(Kernels k, CellBuffers s, MemorySegment dR, MemorySegment hPrev, long firstRow, int n) {
        Products.accumulateTransposedTimes(k, s.gateWidth, s.hidden, n, dR, s.gateWidth, hPrev, s.hidden, s.atbScratch,
                s.parameters.dWHh(), s.hidden);
    }

    /**
     * How many leading columns of the recurrent pre-activations' gradients (whose transpose times
     * h_{t-1} gives dW_hh, and whose column sums give db_hh) equal those of s.dGates, so that
     * db_hh's sums there are db_ih's: all G*H when they are dGates itself (LSTM, RNN).
     */
    default int sharedGradientColumns(int hidden, int gateWidth) {
        return gateWidth;
    }
}
