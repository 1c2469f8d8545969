package dev.panamarnn.cell;

import dev.panamarnn.CellType;
import dev.panamarnn.kernels.Kernels;

/**
 * One step of a recurrent cell, forward and backward, on the buffers of a scan. A step is the
 * recurrent GEMM h_{t-1} W_hh^T plus one fused pointwise kernel; its backward is the fused backward
 * kernel plus one GEMM for dh_{t-1}. The input projection and the weight gradients are the
 * layer's (large GEMMs outside the time loop).
 */
public interface Cell {

    /** The cell for a type. */
    static Cell of(CellType type) {
        return switch (type) {
            case LSTM -> new LstmCell();
            case GRU -> new GruCell();
            case RNN_TANH -> new VanillaCell(false);
            case RNN_RELU -> new VanillaCell(true);
        };
    }

    /** True when b_hh is folded with b_ih into the one bias the forward kernel adds (LSTM, RNN); false for GRU. */
    boolean foldsRecurrentBias();

    /** Step t from state index {@code prev} to {@code cur}: recurrent GEMM, then the fused kernel. */
    void forwardStep(Kernels k, CellBuffers s, int t, int prev, int cur);

    /**
     * Backward through step t: reads s.dhTotal (and s.dcCarry), writes s.dGates[t] (and
     * s.dHiddenGates[t]), updates s.dcCarry to dL/dc_{t-1}. May write s.dhCarry (GRU's direct part).
     */
    void backwardKernel(Kernels k, CellBuffers s, int t, int prev, int cur);

    /** dL/dh_{t-1} in s.dhCarry: the recurrent GEMM d(pre-activations)_t W_hh (after backwardKernel). */
    void backwardRecurrentGemm(Kernels k, CellBuffers s, int t);

    /**
     * How many leading columns of the recurrent pre-activations' gradients (whose transpose times
     * h_{t-1} gives dW_hh, and whose column sums give db_hh) equal those of s.dGates, so that
     * db_hh's sums there are db_ih's: all G*H when they are dGates itself (LSTM, RNN).
     */
    default int sharedGradientColumns(int hidden, int gateWidth) {
        return gateWidth;
    }
}
