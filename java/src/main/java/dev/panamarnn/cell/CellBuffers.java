package dev.panamarnn.cell;

import dev.panamarnn.CellType;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.tensor.Matrices;
import java.lang.foreign.MemorySegment;

/**
 * Everything one direction of one layer reads and writes during a scan over T steps of B rows,
 * as per-step slices made once (so the time loop allocates nothing). State index i runs over
 * 0..T: the forward scan keeps h_{t} at i = t+1 and h0 at i = 0; the reverse scan keeps h_t at
 * i = t and h0 at i = T.
 */
public final class CellBuffers {
    public final int steps;
    public final int batch;
    public final int hidden;
    /** G*H: the row length of the gate buffers. */
    public final int gateWidth;
    /** The weights and biases of this direction, and their gradients. */
    public final DirectionParameters parameters;

    // whole-sequence buffers, time-major (the per-step arrays below are views of them)
    /** (T, B, G*H): pre-activations x W_ih^T (+ h W_hh^T), then the saved activations. */
    public final MemorySegment gatesAll;
    /** (T, B, G*H): dL/d(pre-activations) of the input projection. */
    public final MemorySegment dGatesAll;
    /** (T+1, B, H): the hidden states, by state index. */
    public final MemorySegment hAll;
    /** (T, B, 3H), GRU only: dL/d(hidden pre-activations). Null for other cells. */
    public final MemorySegment dHiddenGatesAll;
    /** (T, B, H), reset-before GRU only: r_t * h_{t-1} of every step, W_hn's input (for dW_hn). Null for other cells. */
    public final MemorySegment resetHiddenAll;

    /** [t] (B, G*H): pre-activations x W_ih^T + b (+ h W_hh^T), then the saved activations. */
    public final MemorySegment[] gates;
    /** [t] (B, 3H), GRU only: h_{t-1} W_hh^T, then + b_hh (saved). Null for other cells. */
    public final MemorySegment[] hiddenGates;
    /** [i] (B, H), i in 0..T: hidden states. */
    public final MemorySegment[] h;
    /** [i] (B, H), LSTM only: cell states. Null for other cells. */
    public final MemorySegment[] c;
    /** [t] (B, G*H): dL/d(pre-activations) of the input projection. */
    public final MemorySegment[] dGates;
    /** [t] (B, 3H), GRU only: dL/d(hidden pre-activations). Null for other cells. */
    public final MemorySegment[] dHiddenGates;
    /** [t] (B, H), reset-before GRU only: r_t * h_{t-1}. Null for other cells. */
    public final MemorySegment[] resetHidden;
    /** [t] dGates[t] from column 2H on (row stride 3H), reset-before GRU only: dn_pre. Null for other cells. */
    public final MemorySegment[] dNewGates;
    /** dGatesAll from column 2H on (row stride 3H), reset-before GRU only: dn_pre of every step, for dW_hn. */
    public final MemorySegment dNewGatesAll;
    /** (H, H) dL/dW_hn: the last H rows of dL/dW_hh, reset-before GRU only (null on the sizing pass). */
    public final MemorySegment dWHn;
    /** (B, 2H), reset-before GRU only: scratch for h_{t-1} W_h{r,z}^T. Null for other cells. */
    public final MemorySegment hiddenRz;
    /** (B, H), reset-before GRU only: scratch for (r h_{t-1}) W_hn^T. Null for other cells. */
    public final MemorySegment hiddenN;
    /** (B, H), reset-before GRU only: scratch for dL/d(r h_{t-1}) = dn_pre W_hn. Null for other cells. */
    public final MemorySegment dResetHidden;
    /** (B, H): dL/dh_t, all contributions, for the step being back-propagated. */
    public final MemorySegment dhTotal;
    /** (B, H): dL/dh carried to the previous step (the recurrent GEMM's output). */
    public final MemorySegment dhCarry;
    /** (B, H), LSTM only: dL/dc carried to the previous step (in place). */
    public final MemorySegment dcCarry;
    /** (B, H): scratch for rows past their length during backward (their dc). */
    public final MemorySegment rowScratch;
    /** (G*H, H): recurrent weights W_hh of this direction. */
    public final MemorySegment wHh;
    /** (G*H): recurrent bias b_hh. */
    public final MemorySegment bHh;
    /**
     * (G*H): the bias the forward kernel adds to the GEMMs, b_ih + b_hh (LSTM, RNN) or b_ih (GRU);
     * the layer writes it at the start of every forward scan. Backward uses it as scratch (it
     * then holds dG's column sums until the next forward).
     */
    public final MemorySegment kernelBias;
    /**
     * (H, G*H): W_hh^T, refreshed from W_hh at the start of every forward scan, when the kernels
     * run the step's recurrent product (B, H) x (H, G*H) faster untransposed
     * ({@link dev.panamarnn.kernels.Kernels#fastSmallProduct}); else null.
     */
    public final MemorySegment wHhT;
    /**
     * W_hh (G*H, H) and W_ih (G*H, In) in the kernels' packed form ({@link Kernels#packWeights}),
     * refreshed at the start of every forward scan, when the step's recurrent product and the input
     * projection run on the kernels' packed product ({@link Kernels#fastPackedProduct}); else null.
     */
    public final MemorySegment wHhPacked;
    public final MemorySegment wIhPacked;
    /**
     * W_hh^T (H, G*H) and W_ih^T (In, G*H) in the packed form ({@link Kernels#packWeightsTransposed}
     * of W_hh and W_ih as stored), refreshed at the start of every backward scan, for the step's
     * dh_{t-1} (B, H) = dG (B, G*H) W_hh and the whole dX (T*B, In) = dG W_ih on the packed product;
     * null where wHhPacked is (and wHhPackedAsStored for the reset-before GRU).
     */
    public final MemorySegment wHhPackedAsStored;
    public final MemorySegment wIhPackedAsStored;
    /**
     * Scratch of the kernels' weight-gradient product ({@link Kernels#sgemmAtB}), shared by every
     * layer and direction of the stack, when the kernels run dW += dG^T X faster that way
     * ({@link Kernels#fastAtBProduct}); else null.
     */
    public final MemorySegment atbScratch;
    private final int inputSize;
    /**
     * Reset-before GRU only: W_h{r,z} and W_hn, views of W_hh, and their transposes (wHhT holds them
     * as two blocks, {@link ResetBeforeWeights#transpose}) when wHhT exists. Null for other cells
     * and on the sizing pass.
     */
    public final ResetBeforeWeights resetBeforeWeights;
    private final boolean resetBefore;
    /** Whether the current forward scan keeps what backward reads (see keepForBackward). */
    private boolean keepForBackward = true;

    /**
     * Declares (and, on the slicing pass, slices) the buffers of one direction for T steps of B rows
     * (see {@link Slices}); on the sizing pass {@code parameters} may be null and the result is
     * thrown away.
     * @param inputSize  In: the layer input's width
     * @param transposed whether to keep W_hh^T for the small-product path
     * @param packed     whether to keep W_hh and W_ih packed for the packed product
     * @param atbScratch the stack's scratch for the weight gradients' product, or null
     */
    public CellBuffers(Slices at, CellType type, int steps, int batch, int hidden, int inputSize, boolean transposed,
                       boolean packed, MemorySegment atbScratch, DirectionParameters parameters) {
        int gw = type.gates() * hidden;
        boolean gru = type == CellType.GRU, lstm = type.hasCellState();
        this.resetBefore = type == CellType.GRU_RESET_BEFORE;
        this.steps = steps;
        this.batch = batch;
        this.hidden = hidden;
        this.gateWidth = gw;
        this.parameters = parameters;
        this.gatesAll = at.take("gates", steps, batch, gw);                              // (T, B, G*H)
        this.dGatesAll = at.take("d_gates", steps, batch, gw);                           // (T, B, G*H)
        this.hAll = at.take("h", steps + 1, batch, hidden);                              // (T+1, B, H)
        this.dhTotal = at.take("dh_total", batch, hidden);                               // (B, H)
        this.dhCarry = at.take("dh_carry", batch, hidden);                               // (B, H)
        this.rowScratch = at.take("row_scratch", batch, hidden);                         // (B, H)
        this.kernelBias = at.take("bias", gw);                                           // (G*H)
        this.wHhT = transposed ? at.take("w_hh_t", hidden, gw) : null;                  // (H, G*H)
        int panelRows = (int) Kernels.packedFloats(gw, 1);                               // G*H rounded up to whole panels
        this.wHhPacked = packed ? at.take("w_hh_packed", panelRows, hidden) : null;     // (G*H up, H) packed
        this.wIhPacked = packed ? at.take("w_ih_packed", panelRows, inputSize) : null;  // (G*H up, In) packed
        this.wHhPackedAsStored = packed && type != CellType.GRU_RESET_BEFORE
                ? at.take("w_hh_packed_as_stored", (int) Kernels.packedFloats(hidden, 1), gw) : null;  // (H up, G*H) packed
        this.wIhPackedAsStored = packed ? at.take("w_ih_packed_as_stored", (int) Kernels.packedFloats(inputSize, 1), gw) : null; // (In up, G*H) packed
        this.inputSize = inputSize;
        this.atbScratch = atbScratch;
        MemorySegment hiddenGatesAll = gru ? at.take("hidden_gates", steps, batch, gw) : null;   // (T, B, 3H)
        this.dHiddenGatesAll = gru ? at.take("d_hidden_gates", steps, batch, gw) : null;        // (T, B, 3H)
        MemorySegment cAll = lstm ? at.take("c", steps + 1, batch, hidden) : null;      // (T+1, B, H)
        this.dcCarry = lstm ? at.take("dc_carry", batch, hidden) : null;                // (B, H)
        this.resetHiddenAll = resetBefore ? at.take("reset_hidden", steps, batch, hidden) : null; // (T, B, H)
        this.hiddenRz = resetBefore ? at.take("hidden_rz", batch, 2 * hidden) : null;           // (B, 2H)
        this.hiddenN = resetBefore ? at.take("hidden_n", batch, hidden) : null;                 // (B, H)
        this.dResetHidden = resetBefore ? at.take("d_reset_hidden", batch, hidden) : null;      // (B, H)
        this.gates = Slices.split(gatesAll, steps);
        this.dGates = Slices.split(dGatesAll, steps);
        this.h = Slices.split(hAll, steps + 1);
        this.hiddenGates = Slices.split(hiddenGatesAll, steps);
        this.dHiddenGates = Slices.split(dHiddenGatesAll, steps);
        this.c = Slices.split(cAll, steps + 1);
        this.resetHidden = Slices.split(resetHiddenAll, steps);
        this.dNewGates = resetBefore && dGatesAll != null ? columnsFrom(dGates, 2 * hidden) : null;
        this.dNewGatesAll = resetBefore && dGatesAll != null ? dGatesAll.asSlice(2L * hidden * Float.BYTES) : null;
        this.dWHn = resetBefore && parameters != null ? parameters.dWHh().asSlice(2L * hidden * hidden * Float.BYTES) : null;
        this.wHh = parameters == null ? null : parameters.wHh();
        this.bHh = parameters == null ? null : parameters.bHh();
        this.resetBeforeWeights = resetBefore && wHh != null ? ResetBeforeWeights.of(wHh, wHhT, hidden) : null;
    }

    /** Each slice from float column {@code column} of its first row on (the rows keep their stride). */
    private static MemorySegment[] columnsFrom(MemorySegment[] slices, int column) {
        MemorySegment[] views = new MemorySegment[slices.length];
        for (int i = 0; i < slices.length; i++) {
            views[i] = slices[i].asSlice((long) column * Float.BYTES);
        }
        return views;
    }

    /**
     * Whether the next forward scan keeps what backward reads. A scan that does not (an inference
     * pass) lets GRU write every step's h W_hh^T into one slice, which stays in cache, instead of T
     * slices kept for backward. Everything else is the same, so the outputs are too, bit for bit.
     */
    public void keepForBackward(boolean keep) {
        keepForBackward = keep;
    }

    /** GRU: (B, 3H) where the forward scan's step t puts h_{t-1} W_hh^T (then + b_hh). */
    public MemorySegment forwardHiddenGates(int t) {
        return hiddenGates[keepForBackward ? t : 0];
    }

    /** Reset-before GRU: (B, H) where the forward scan's step t puts r_t * h_{t-1} (one slice when not kept). */
    public MemorySegment forwardResetHidden(int t) {
        return resetHidden[keepForBackward ? t : 0];
    }

    /** wHhPacked, wIhPacked = W_hh, W_ih packed. No-op when they are null. */
    public void refreshPackedWeights(Kernels k) {
        if (wHhPacked == null) {
            return;
        }
        k.packWeights(wHhPacked, wHh, hidden, gateWidth, hidden);
        k.packWeights(wIhPacked, parameters.wIh(), inputSize, gateWidth, inputSize);
    }

    /** wHhPackedAsStored, wIhPackedAsStored = W_hh^T, W_ih^T packed, from W_hh (G*H, H), W_ih (G*H, In) as stored; each a no-op when null. */
    public void refreshBackwardPackedWeights(Kernels k) {
        if (wHhPackedAsStored != null) {
            k.packWeightsTransposed(wHhPackedAsStored, wHh, hidden, hidden, gateWidth);
        }
        if (wIhPackedAsStored != null) {
            k.packWeightsTransposed(wIhPackedAsStored, parameters.wIh(), inputSize, inputSize, gateWidth);
        }
    }

    /** wHhT (H, G*H) = W_hh^T (for the reset-before GRU, its two blocks transposed apart). No-op when wHhT is null. */
    public void refreshTransposedWeights() {
        if (wHhT == null) {
            return;
        }
        if (resetBefore) {
            resetBeforeWeights.refreshTransposes();
        } else {
            Matrices.transpose(wHh, gateWidth, hidden, wHhT);
        }
    }
}
