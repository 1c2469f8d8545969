package dev.panamarnn.cell;

import dev.panamarnn.kernels.Kernels;
import java.lang.foreign.MemorySegment;

/** LSTM step: gates (B, 4H) += h_{t-1} W_hh^T, then the fused i,f,g,o kernel adds b_ih + b_hh and writes h_t and c_t. */
final class LstmCell implements Cell {
    @Override
    public boolean foldsRecurrentBias() {
        return true;
    }

    @Override
    public void forwardKernel(Kernels k, MemorySegment hNext, MemorySegment cNext, MemorySegment gates, MemorySegment hiddenGates,
                              MemorySegment bias, MemorySegment recurrentBias, MemorySegment hPrev, MemorySegment cPrev,
                              int rows, int hidden) {
        k.lstmForwardStep(hNext, cNext, gates, bias, cPrev, rows, hidden);
    }

    @Override
    public void backwardKernel(Kernels k, CellBuffers s, int t, int prev, int cur) {
        k.lstmBackwardStep(s.dGates[t], s.dcCarry, s.dhTotal, s.gates[t], s.c[prev], s.c[cur], s.batch, s.hidden);
    }

    @Override
    public void backwardRecurrentGemm(Kernels k, CellBuffers s, int t) {
        // dh_{t-1} (B, H) = dgates_t (B, 4H) * W_hh (4H, H)
        Recurrent.backward(k, s, s.dGates[t], s.dhCarry, 0f);
    }
}
