package dev.panamarnn.cell;

import dev.panamarnn.kernels.Kernels;
import java.lang.foreign.MemorySegment;

/**
 * Reset-before GRU step ({@link dev.panamarnn.CellType#GRU_RESET_BEFORE}; ONNX linear_before_reset=0):
 * n = tanh(W_in x + b_in + W_hn (r h_{t-1}) + b_hn). Forward is {@link ResetBeforeStep} (two
 * recurrent products around the gates kernel), keeping r h_{t-1} of every step (s.resetHidden) for
 * dW_hn. Backward mirrors it: the state kernel (dz_pre, dn_pre, dh_t z), drh = dn_pre W_hn, the
 * gates kernel (dr_pre, + drh r), then dh_{t-1} += (dr_pre, dz_pre) W_h{r,z}. No r separates the
 * hidden pre-activations from the input ones, so their gradients are s.dGates itself (all 3H
 * columns shared: db_hh = db_ih), and dW_hh is two GEMMs after the loop: dW_h{r,z} from h_{t-1},
 * dW_hn from r h_{t-1}.
 */
final class GruResetBeforeCell implements Cell {
    @Override
    public boolean foldsRecurrentBias() {
        return false;
    }

    @Override
    public boolean splitsRecurrentProduct() {
        return true;
    }

    /** Not one kernel: the step is {@link ResetBeforeStep#forward} (see {@link #splitsRecurrentProduct}). */
    @Override
    public void forwardKernel(Kernels k, MemorySegment hNext, MemorySegment cNext, MemorySegment gates, MemorySegment hiddenGates,
                              MemorySegment bias, MemorySegment recurrentBias, MemorySegment hPrev, MemorySegment cPrev,
                              int rows, int hidden) {
        throw new UnsupportedOperationException("the reset-before GRU has no single fused kernel after its products: "
                + "its step is ResetBeforeStep.forward");
    }

    @Override
    public void forwardStep(Kernels k, CellBuffers s, int t, int prev, int cur) {
        // h_t from gates_t (B, 3H) = x W_ih^T, h_{t-1} and the two recurrent products; keeps r h_{t-1}
        ResetBeforeStep.forward(k, s.h[cur], s.gates[t], s.hiddenRz, s.forwardResetHidden(t), s.hiddenN, s.kernelBias, s.bHh,
                s.h[prev], s.resetBeforeWeights, s.batch, s.hidden);
    }

    @Override
    public void backwardKernel(Kernels k, CellBuffers s, int t, int prev, int cur) {
        int h = s.hidden;
        // dz_pre, dn_pre into dGates_t; dhCarry = dh_t z (the direct part of dh_{t-1})
        k.gruResetBeforeStateBackwardStep(s.dGates[t], s.dhCarry, s.dhTotal, s.gates[t], s.h[prev], s.batch, h);
        // drh (B, H) = dn_pre (B, H; row stride 3H) * W_hn (H, H): dL/d(r h_{t-1})
        Products.times(k, s.batch, h, h, s.dNewGates[t], s.gateWidth, s.resetBeforeWeights.wHn(), 0f, s.dResetHidden);
        // dr_pre into dGates_t; dhCarry += drh r
        k.gruResetBeforeGatesBackwardStep(s.dGates[t], s.dhCarry, s.dResetHidden, s.gates[t], s.h[prev], s.batch, h);
    }

    @Override
    public void backwardRecurrentGemm(Kernels k, CellBuffers s, int t) {
        // dh_{t-1} (B, H) += (dr_pre, dz_pre) (B, 2H; row stride 3H) * W_h{r,z} (2H, H)
        Products.times(k, s.batch, s.hidden, 2 * s.hidden, s.dGates[t], s.gateWidth, s.resetBeforeWeights.wHrz(), 1f, s.dhCarry);
    }

    @Override
    public void recurrentWeightGradient(Kernels k, CellBuffers s, MemorySegment dR, MemorySegment hPrev, long firstRow, int n) {
        int h = s.hidden, gw = s.gateWidth;
        long hBytes = (long) h * Float.BYTES;
        // dW_h{r,z} (2H, H) += (dr_pre, dz_pre)^T (2H, n) * H_prev (n, H): the first 2H rows of dW_hh
        Products.accumulateTransposedTimes(k, 2 * h, h, n, dR, gw, hPrev, h, s.atbScratch, s.parameters.dWHh(), h);
        // dW_hn (H, H) += dn_pre^T (H, n) * (R H_prev) (n, H); every row: the views made once
        boolean all = firstRow == 0 && n == s.steps * s.batch;
        MemorySegment dN = all ? s.dNewGatesAll : dR.asSlice(2 * hBytes);                  // (n, H), row stride 3H
        MemorySegment rh = all ? s.resetHiddenAll : s.resetHiddenAll.asSlice(firstRow * hBytes, n * hBytes);   // (n, H)
        Products.accumulateTransposedTimes(k, h, h, n, dN, gw, rh, h, s.atbScratch, s.dWHn, h);
    }
}
