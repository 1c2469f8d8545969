package dev.panamarnn.cell;

import dev.panamarnn.kernels.Kernels;
import java.lang.foreign.MemorySegment;

/**
 * GRU step: the recurrent GEMM goes to its own buffer hg (B, 3H), because the reset gate
 * multiplies W_hn h + b_hn separately from the input part (b_hn cannot be folded).
 */
final class GruCell implements Cell {
    @Override
    public boolean foldsRecurrentBias() {
        return false;
    }

    @Override
    public void forwardKernel(Kernels k, MemorySegment hNext, MemorySegment cNext, MemorySegment gates, MemorySegment hiddenGates,
                              MemorySegment bias, MemorySegment recurrentBias, MemorySegment hPrev, MemorySegment cPrev,
                              int rows, int hidden) {
        k.gruForwardStep(hNext, gates, hiddenGates, bias, recurrentBias, hPrev, rows, hidden);
    }

    @Override
    public void backwardKernel(Kernels k, CellBuffers s, int t, int prev, int cur) {
        k.gruBackwardStep(s.dGates[t], s.dHiddenGates[t], s.dhCarry, s.dhTotal, s.gates[t], s.hiddenGates[t], s.h[prev],
                s.batch, s.hidden);
    }

    @Override
    public void backwardRecurrentGemm(Kernels k, CellBuffers s, int t) {
        // dh_{t-1} (B, H) += dhg_t (B, 3H) * W_hh (3H, H), on top of the direct part dh_t * z
        Recurrent.backward(k, s, s.dHiddenGates[t], s.dhCarry, 1f);
    }

    /** r and z: d(hidden pre-activation) = d(input pre-activation); only n differs (dn_pre * r). */
    @Override
    public int sharedGradientColumns(int hidden, int gateWidth) {
        return 2 * hidden;
    }
}
