package dev.panamarnn.cell;

import dev.panamarnn.kernels.Kernels;

/** LSTM step: gates (B, 4H) += h_{t-1} W_hh^T, then the fused i,f,g,o kernel writes h_t and c_t. */
final class LstmCell implements Cell {
    @Override
    public boolean foldsRecurrentBias() {
        return true;
    }

    @Override
    public void forwardStep(Kernels k, CellBuffers s, int t, int prev, int cur) {
        // gates_t (B, 4H) += h_{t-1} (B, H) * W_hh^T (H, 4H)
        k.sgemm(false, true, s.batch, s.gateWidth, s.hidden, 1f, s.h[prev], s.hidden, s.wHh, s.hidden, 1f, s.gates[t], s.gateWidth);
        k.lstmForwardStep(s.h[cur], s.c[cur], s.gates[t], s.c[prev], s.batch, s.hidden);
    }

    @Override
    public void backwardKernel(Kernels k, CellBuffers s, int t, int prev, int cur) {
        k.lstmBackwardStep(s.dGates[t], s.dcCarry, s.dhTotal, s.gates[t], s.c[prev], s.c[cur], s.batch, s.hidden);
    }

    @Override
    public void backwardRecurrentGemm(Kernels k, CellBuffers s, int t) {
        // dh_{t-1} (B, H) = dgates_t (B, 4H) * W_hh (4H, H)
        k.sgemm(false, false, s.batch, s.hidden, s.gateWidth, 1f, s.dGates[t], s.gateWidth, s.wHh, s.hidden, 0f, s.dhCarry, s.hidden);
    }
}
