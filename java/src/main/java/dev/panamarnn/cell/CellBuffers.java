package dev.panamarnn.cell;

import dev.panamarnn.CellType;
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
    /** Whether the current forward scan keeps what backward reads (see keepForBackward). */
    private boolean keepForBackward = true;

    /**
     * Declares (and, on the slicing pass, slices) the buffers of one direction for T steps of B rows
     * (see {@link Slices}); on the sizing pass {@code parameters} may be null and the result is
     * thrown away.
     * @param transposed whether to keep W_hh^T for the small-product path
     */
    public CellBuffers(Slices at, CellType type, int steps, int batch, int hidden, boolean transposed,
                       DirectionParameters parameters) {
        int gw = type.gates() * hidden;
        boolean gru = type == CellType.GRU, lstm = type.hasCellState();
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
        MemorySegment hiddenGatesAll = gru ? at.take("hidden_gates", steps, batch, gw) : null;   // (T, B, 3H)
        this.dHiddenGatesAll = gru ? at.take("d_hidden_gates", steps, batch, gw) : null;        // (T, B, 3H)
        MemorySegment cAll = lstm ? at.take("c", steps + 1, batch, hidden) : null;      // (T+1, B, H)
        this.dcCarry = lstm ? at.take("dc_carry", batch, hidden) : null;                // (B, H)
        this.gates = Slices.split(gatesAll, steps);
        this.dGates = Slices.split(dGatesAll, steps);
        this.h = Slices.split(hAll, steps + 1);
        this.hiddenGates = Slices.split(hiddenGatesAll, steps);
        this.dHiddenGates = Slices.split(dHiddenGatesAll, steps);
        this.c = Slices.split(cAll, steps + 1);
        this.wHh = parameters == null ? null : parameters.wHh();
        this.bHh = parameters == null ? null : parameters.bHh();
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

    /** wHhT (H, G*H) = W_hh^T. No-op when wHhT is null. */
    public void refreshTransposedWeights() {
        if (wHhT != null) {
            Matrices.transpose(wHh, gateWidth, hidden, wHhT);
        }
    }
}
