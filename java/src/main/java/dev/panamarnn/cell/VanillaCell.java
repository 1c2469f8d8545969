package dev.panamarnn.cell;

import dev.panamarnn.kernels.Kernels;
import java.lang.foreign.MemorySegment;

/** Vanilla RNN step: pre (B, H) += h_{t-1} W_hh^T, then h_t = tanh(pre + b) or relu(pre + b), b = b_ih + b_hh. */
final class VanillaCell implements Cell {
    private final boolean relu;

    VanillaCell(boolean relu) {
        this.relu = relu;
    }

    @Override
    public boolean foldsRecurrentBias() {
        return true;
    }

    @Override
    public void forwardKernel(Kernels k, MemorySegment hNext, MemorySegment cNext, MemorySegment gates, MemorySegment hiddenGates,
                              MemorySegment bias, MemorySegment recurrentBias, MemorySegment hPrev, MemorySegment cPrev,
                              int rows, int hidden) {
        k.rnnForwardStep(relu, hNext, gates, bias, rows, hidden);
    }

    @Override
    public void backwardKernel(Kernels k, CellBuffers s, int t, int prev, int cur) {
        k.rnnBackwardStep(relu, s.dGates[t], s.dhTotal, s.h[cur], s.batch, s.hidden);
    }

    @Override
    public void backwardRecurrentGemm(Kernels k, CellBuffers s, int t) {
        // dh_{t-1} (B, H) = dpre_t (B, H) * W_hh (H, H)
        Recurrent.backward(k, s, s.dGates[t], s.dhCarry, 0f);
    }
}
