package dev.panamarnn.cell;

import dev.panamarnn.kernels.Kernels;

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
    public void forwardStep(Kernels k, CellBuffers s, int t, int prev, int cur) {
        Recurrent.forward(k, s, s.h[prev], s.gates[t], 1f);
        k.rnnForwardStep(relu, s.h[cur], s.gates[t], s.kernelBias, s.batch, s.hidden);
    }

    @Override
    public void backwardKernel(Kernels k, CellBuffers s, int t, int prev, int cur) {
        k.rnnBackwardStep(relu, s.dGates[t], s.dhTotal, s.h[cur], s.batch, s.hidden);
    }

    @Override
    public void backwardRecurrentGemm(Kernels k, CellBuffers s, int t) {
        Recurrent.backward(k, s, s.dGates[t], s.dhCarry, 0f);
    }
}
