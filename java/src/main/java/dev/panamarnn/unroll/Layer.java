package dev.panamarnn.unroll;

import dev.panamarnn.cell.Cell;
import dev.panamarnn.cell.CellBuffers;
import dev.panamarnn.cell.DirectionParameters;
import dev.panamarnn.cell.Products;
import dev.panamarnn.kernels.Kernels;
import java.lang.foreign.MemorySegment;

/**
 * One direction of one recurrent layer: a scan over T steps (forward t = 0..T-1, or reverse) and
 * its backward (DESIGN.md "The unroller").
 * <ul>
 * <li>Forward: one GEMM projects the whole input, gates (T*B, G*H) = X (T*B, In) W_ih^T; per
 *     step the cell's recurrent GEMM and fused kernel, which adds the biases.</li>
 * <li>Backward, in the exact reverse order: per step the fused backward kernel and one GEMM for
 *     dh_{t-1}; then dW_ih, dW_hh, dX and the bias gradients as single GEMMs over all rows.</li>
 * <li>Variable lengths: a row b is active at step t when t < length[b]. An inactive row keeps its
 *     previous state (so the forward scan's final state is the state at the row's own last step
 *     and the reverse scan starts at that step from h0) and passes its gradients through unchanged;
 *     its d(pre-activations) are zero, so it contributes nothing to the weight gradients.</li>
 * </ul>
 * Nothing here allocates inside the time loop: every per-step slice was made by the workspace.
 */
public final class Layer {
    private final Cell cell;
    private final boolean reverse;
    private final CellBuffers s;
    private final int steps;
    private final int inputSize;
    private final int rows;                // T*B
    private final DirectionParameters p;   // W_ih (G*H, In), b_ih (G*H), ... and their gradients: slab views
    // whole-sequence views of the workspace
    private final MemorySegment gatesAll;          // (T*B, G*H)
    private final MemorySegment dGatesAll;         // (T*B, G*H)
    private final MemorySegment dRecurrentAll;     // (T*B, G*H): dGates, or GRU's dHiddenGates
    private final MemorySegment hPrevAll;          // (T*B, H): h_{t-1} of every step, in step order
    private final MemorySegment hCurAll;           // (T*B, H): h_t of every step, in step order
    private final int sharedColumns;               // leading columns where dRecurrent = dGates (db_hh's sums = db_ih's)
    private final MemorySegment dBHhUnshared;      // (G*H - shared) db_hh past those columns
    private final MemorySegment dRecurrentUnsharedAll; // dRecurrentAll from column `shared` of row 0 on (lda G*H)
    private final MemorySegment rowScratch;        // (B, H): dc of inactive rows during backward
    private final MemorySegment zeros;             // (G*H) zeros, copied over rows to clear them

    /**
     * @param s         this direction's buffers and parameters
     * @param inputSize In: the layer input's width
     * @param zeros     (max(G*H, H)) zeros shared by the stack
     */
    Layer(Cell cell, boolean reverse, CellBuffers s, int inputSize, MemorySegment zeros) {
        this.p = s.parameters;
        this.cell = cell;
        this.reverse = reverse;
        this.s = s;
        this.steps = s.steps;
        this.inputSize = inputSize;
        this.rows = steps * s.batch;
        this.gatesAll = s.gatesAll;
        this.dGatesAll = s.dGatesAll;
        this.dRecurrentAll = s.dHiddenGatesAll != null ? s.dHiddenGatesAll : s.dGatesAll;
        long stateBytes = (long) s.batch * s.hidden * Float.BYTES;
        // forward: h_{t-1} lives at state index t (0..T-1); reverse: at t+1 (1..T)
        this.hPrevAll = s.hAll.asSlice(reverse ? stateBytes : 0, steps * stateBytes);
        this.hCurAll = s.hAll.asSlice(reverse ? 0 : stateBytes, steps * stateBytes);
        this.sharedColumns = cell.sharedGradientColumns(s.hidden, s.gateWidth);
        this.dBHhUnshared = p.dBHh().asSlice((long) sharedColumns * Float.BYTES);
        this.dRecurrentUnsharedAll = dRecurrentAll.asSlice((long) sharedColumns * Float.BYTES);
        this.rowScratch = s.rowScratch;
        this.zeros = zeros;
    }

    public CellBuffers buffers() {
        return s;
    }

    /** State index of the initial state h0 (and c0). */
    public int initialIndex() {
        return reverse ? steps : 0;
    }

    /** State index of the final state h_n: the forward scan ends at T, the reverse scan at 0. */
    public int finalIndex() {
        return reverse ? 0 : steps;
    }

    private int stepAt(int i) {
        return reverse ? steps - 1 - i : i;
    }

    private int prevIndex(int t) {
        return reverse ? t + 1 : t;
    }

    private int curIndex(int t) {
        return reverse ? t : t + 1;
    }

    /**
     * Runs the scan. The caller has put h0 (and c0) at {@link #initialIndex()}.
     * @param x       (T*B, In) the layer input, time-major
     * @param lengths per-row lengths, or null when every row has T steps
     * @param keepForBackward false for an inference pass: GRU then reuses one hidden-gates slice
     */
    void forward(Kernels k, MemorySegment x, int[] lengths, boolean keepForBackward) {
        s.keepForBackward(keepForBackward);
        int gw = s.gateWidth;
        // the kernels' bias (G*H): b_ih, + b_hh when the cell folds it
        MemorySegment.copy(p.bIh(), 0, s.kernelBias, 0, (long) gw * Float.BYTES);
        if (cell.foldsRecurrentBias()) {
            k.saxpy(gw, 1f, s.bHh, s.kernelBias);                // b = b_ih + b_hh
        }
        // gates (T*B, G*H) = X (T*B, In) * W_ih^T (In, G*H); the step kernels add b (ABI 6), so
        // no pass fills bias rows first (OpenBLAS clears C for beta 0 on its own threads)
        s.refreshPackedWeights(k);                                 // W_hh, W_ih packed for the packed product
        if (s.wIhPacked != null && k.fastPackedProduct(rows, gw, inputSize)) {
            k.sgemmPacked(rows, gw, inputSize, x, inputSize, s.wIhPacked, 0f, gatesAll, gw);
        } else {
            k.sgemm(false, true, rows, gw, inputSize, 1f, x, inputSize, p.wIh(), inputSize, 0f, gatesAll, gw);
        }
        s.refreshTransposedWeights();                              // W_hh^T for small steps
        for (int i = 0; i < steps; i++) {
            int t = stepAt(i);
            cell.forwardStep(k, s, t, prevIndex(t), curIndex(t));
            if (lengths != null) {
                keepStateOfInactiveRows(t, lengths);
            }
        }
    }

    /** Rows past their length keep the previous state: h_t[b] = h_{t-1}[b] (and c). */
    private void keepStateOfInactiveRows(int t, int[] lengths) {
        long rowBytes = (long) s.hidden * Float.BYTES;
        for (int b = 0; b < s.batch; b++) {
            if (t >= lengths[b]) {
                long off = b * rowBytes;
                MemorySegment.copy(s.h[prevIndex(t)], off, s.h[curIndex(t)], off, rowBytes);
                if (s.c != null) {
                    MemorySegment.copy(s.c[prevIndex(t)], off, s.c[curIndex(t)], off, rowBytes);
                }
            }
        }
    }

    /** (T*B, H): h_1..h_T of the last forward scan, in step order (a forward-direction layer's output). */
    MemorySegment hiddenStates() {
        return hCurAll;
    }

    /**
     * Copies the hidden states into the layer output y (T, B, outStride) at column {@code column};
     * padded steps (t >= length) get zeros.
     */
    void writeOutput(MemorySegment y, int outStride, int column, int[] lengths) {
        long rowBytes = (long) s.hidden * Float.BYTES;
        if (lengths == null && outStride == s.hidden && !reverse) {
            // y (T, B, H) is h_1..h_T, which the forward scan keeps contiguous at state indices 1..T
            MemorySegment.copy(hCurAll, 0, y, 0, hCurAll.byteSize());
            return;
        }
        for (int t = 0; t < steps; t++) {
            MemorySegment h = s.h[curIndex(t)];
            for (int b = 0; b < s.batch; b++) {
                long dst = (((long) t * s.batch + b) * outStride + column) * Float.BYTES;
                if (lengths != null && t >= lengths[b]) {
                    MemorySegment.copy(zeros, 0, y, dst, rowBytes);
                } else {
                    MemorySegment.copy(h, b * rowBytes, y, dst, rowBytes);
                }
            }
        }
    }

    /**
     * Back-propagates through the last {@code depth} steps of the scan (depth = T for full BPTT;
     * fewer for truncated BPTT, forward scans only) and accumulates the parameter gradients.
     * The caller has put dL/dh_n in s.dhCarry and dL/dc_n in s.dcCarry; afterwards they hold
     * dL/dh0 and dL/dc0 (meaningful when depth = T).
     * @param x         (T*B, In) the layer input of the forward pass
     * @param dy        (T*B, outStride) dL/d(layer output); this direction's columns start at {@code column}
     * @param dx        (T*B, In) dL/dx, written (accumulate = false) or added to (accumulate = true)
     */
    void backward(Kernels k, MemorySegment x, MemorySegment ones, MemorySegment dy, int outStride, int column,
                  MemorySegment dx, boolean accumulate, int[] lengths, int depth) {
        int first = reverse ? 0 : steps - depth;   // first step (in time) that receives gradient
        s.refreshBackwardPackedWeights(k);          // W_hh, W_ih packed as stored, for dh_{t-1} = dG W_hh and dX = dG W_ih
        for (int i = steps - 1; i >= steps - depth; i--) {   // the forward scan's order, reversed
            int t = stepAt(i);
            gatherOutputGradient(k, dy, outStride, column, t, lengths);
            if (lengths != null) {
                saveCellGradientOfInactiveRows(t, lengths);
            }
            cell.backwardKernel(k, s, t, prevIndex(t), curIndex(t));
            if (lengths != null) {
                zeroGateGradientsOfInactiveRows(t, lengths);
            }
            cell.backwardRecurrentGemm(k, s, t);
            if (lengths != null) {
                passThroughInactiveRows(t, lengths);
            }
        }
        accumulateWeightGradients(k, x, ones, dx, accumulate, first, depth);
    }

    /** dhTotal (B, H) = dy[t] (this direction's columns; zero for padded rows) + dhCarry. */
    private void gatherOutputGradient(Kernels k, MemorySegment dy, int outStride, int column, int t, int[] lengths) {
        long rowBytes = (long) s.hidden * Float.BYTES;
        if (lengths == null && outStride == s.hidden) {
            MemorySegment.copy(dy, t * s.batch * rowBytes, s.dhTotal, 0, s.batch * rowBytes);   // dy[t] is one block
            k.saxpy(s.batch * s.hidden, 1f, s.dhCarry, s.dhTotal);
            return;
        }
        for (int b = 0; b < s.batch; b++) {
            long dst = b * rowBytes;
            if (lengths != null && t >= lengths[b]) {
                MemorySegment.copy(zeros, 0, s.dhTotal, dst, rowBytes);
            } else {
                MemorySegment.copy(dy, (((long) t * s.batch + b) * outStride + column) * Float.BYTES, s.dhTotal, dst, rowBytes);
            }
        }
        k.saxpy(s.batch * s.hidden, 1f, s.dhCarry, s.dhTotal);
    }

    private void saveCellGradientOfInactiveRows(int t, int[] lengths) {
        if (s.dcCarry == null) {
            return;
        }
        long rowBytes = (long) s.hidden * Float.BYTES;
        for (int b = 0; b < s.batch; b++) {
            if (t >= lengths[b]) {
                MemorySegment.copy(s.dcCarry, b * rowBytes, rowScratch, b * rowBytes, rowBytes);
            }
        }
    }

    private void zeroGateGradientsOfInactiveRows(int t, int[] lengths) {
        long gateRowBytes = (long) s.gateWidth * Float.BYTES;
        for (int b = 0; b < s.batch; b++) {
            if (t >= lengths[b]) {
                MemorySegment.copy(zeros, 0, s.dGates[t], b * gateRowBytes, gateRowBytes);
                if (s.dHiddenGates != null) {
                    MemorySegment.copy(zeros, 0, s.dHiddenGates[t], b * gateRowBytes, gateRowBytes);
                }
            }
        }
    }

    /** An inactive row's state was copied forward, so its gradients flow back unchanged. */
    private void passThroughInactiveRows(int t, int[] lengths) {
        long rowBytes = (long) s.hidden * Float.BYTES;
        for (int b = 0; b < s.batch; b++) {
            if (t >= lengths[b]) {
                long off = b * rowBytes;
                MemorySegment.copy(s.dhTotal, off, s.dhCarry, off, rowBytes);
                if (s.dcCarry != null) {
                    MemorySegment.copy(rowScratch, off, s.dcCarry, off, rowBytes);
                }
            }
        }
    }

    /** dW_ih += dG^T X, dW_hh += dR^T H_prev, db_ih += sum dG, db_hh += sum dR, dX (+)= dG W_ih over the rows of steps [first, first+depth). */
    private void accumulateWeightGradients(Kernels k, MemorySegment x, MemorySegment ones, MemorySegment dx,
                                           boolean accumulate, int first, int depth) {
        int gw = s.gateWidth, h = s.hidden;
        int n = depth * s.batch;                     // rows that carry gradient
        long r0 = (long) first * s.batch;            // first such row
        boolean all = n == rows;
        MemorySegment dG = all ? dGatesAll : dGatesAll.asSlice(r0 * gw * Float.BYTES, (long) n * gw * Float.BYTES);
        MemorySegment dR = all ? dRecurrentAll : dRecurrentAll.asSlice(r0 * gw * Float.BYTES, (long) n * gw * Float.BYTES);
        MemorySegment xs = all ? x : x.asSlice(r0 * inputSize * Float.BYTES, (long) n * inputSize * Float.BYTES);
        MemorySegment hp = all ? hPrevAll : hPrevAll.asSlice(r0 * h * Float.BYTES, (long) n * h * Float.BYTES);
        // dW_ih (G*H, In) += dG^T (G*H, n) * X (n, In)
        Products.accumulateTransposedTimes(k, gw, inputSize, n, dG, gw, xs, inputSize, s.atbScratch, p.dWIh(), inputSize);
        // dW_hh (G*H, H) += dR^T (G*H, n) * H_prev (n, H) (the reset-before GRU: W_hn's rows from R H_prev)
        cell.recurrentWeightGradient(k, s, dR, hp, r0, n);
        // db_ih += dG^T 1, db_hh += dR^T 1: the sums over dG's columns once (into the kernels' bias,
        // free until the next forward), added to both where dR's columns are dG's; dR's other
        // columns summed alone
        MemorySegment gateSums = s.kernelBias;                                 // (G*H)
        k.sgemv(true, n, gw, 1f, dG, gw, ones, 0f, gateSums);
        k.saxpy(gw, 1f, gateSums, p.dBIh());
        k.saxpy(sharedColumns, 1f, gateSums, p.dBHh());
        if (sharedColumns < gw) {
            MemorySegment dRUnshared = all ? dRecurrentUnsharedAll : dR.asSlice((long) sharedColumns * Float.BYTES);
            k.sgemv(true, n, gw - sharedColumns, 1f, dRUnshared, gw, ones, 1f, dBHhUnshared);
        }
        // dX (n, In) (+)= dG (n, G*H) * W_ih (G*H, In); rows outside the window get no gradient
        if (!all && !accumulate) {
            dx.fill((byte) 0);
        }
        MemorySegment dxs = all ? dx : dx.asSlice(r0 * inputSize * Float.BYTES, (long) n * inputSize * Float.BYTES);
        Products.times(k, n, inputSize, gw, dG, gw, p.wIh(), s.wIhPackedAsStored, accumulate ? 1f : 0f, dxs);
    }
}
