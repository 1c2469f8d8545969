package dev.panamarnn;

import dev.panamarnn.tensor.Slab;
import dev.panamarnn.tensor.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * Truncated backpropagation through time over one long stream cut into windows of k1 steps:
 * each window starts from the state the previous one ended in (values copied, no gradient across
 * the boundary) and gradient flows only through its last k2 <= k1 steps. Unidirectional networks.
 * <pre>{@code
 * try (TruncatedBptt tbptt = new TruncatedBptt(rnn, 35, 35, 32)) {
 *     for (Tensor window : windows) {               // (k1, B, I) each, consecutive pieces of B streams
 *         Tensor out = tbptt.forward(window);        // (k1, B, H)
 *         tbptt.backward(lossGradient(out));         // gradients accumulate into rnn.gradients()
 *     }
 * }
 * }</pre>
 */
public final class TruncatedBptt implements AutoCloseable {
    private final int k1;
    private final int k2;
    private final Workspace workspace;
    private final Slab carried;
    private final Tensor hidden;   // (L, B, H) state carried into the next window
    private final Tensor cell;     // (L, B, H) LSTM, else null

    public TruncatedBptt(Rnn rnn, int k1, int k2, int batch) {
        if (rnn == null) {
            throw new IllegalArgumentException("rnn is required");
        }
        RnnConfig c = rnn.config();
        if (c.bidirectional()) {
            throw new IllegalArgumentException("truncated BPTT carries state forward in time; the network must be unidirectional");
        }
        if (k1 < 1 || k2 < 1 || k2 > k1) {
            throw new IllegalArgumentException("need 1 <= k2 <= k1, got k1=" + k1 + ", k2=" + k2);
        }
        this.k1 = k1;
        this.k2 = k2;
        this.workspace = rnn.workspace(k1, batch);   // checks that rnn is open and T, B are valid, before anything else is allocated
        try {
            Slab.Layout.Builder layout = Slab.Layout.builder().add("h", c.numLayers(), batch, c.hiddenSize());
            if (c.cell().hasCellState()) {
                layout.add("c", c.numLayers(), batch, c.hiddenSize());
            }
            this.carried = Slab.allocate("tbptt-state", layout.build());
        } catch (RuntimeException | Error e) {
            workspace.close();
            throw e;
        }
        this.hidden = carried.get("h");
        this.cell = c.cell().hasCellState() ? carried.get("c") : null;
    }

    /** Runs the next window (k1, B, I) from the carried state in training mode, then carries its final state on. */
    public Tensor forward(Tensor window) {
        return forward(window, true);
    }

    /** The same, with dropout and gradient bookkeeping only when {@code training}. */
    public Tensor forward(Tensor window, boolean training) {
        Tensor out = workspace.forward(window, null, hidden, cell, training);
        MemorySegment.copy(workspace.finalHidden().segment(), 0, hidden.segment(), 0, hidden.segment().byteSize());
        if (cell != null) {
            MemorySegment.copy(workspace.finalCell().segment(), 0, cell.segment(), 0, cell.segment().byteSize());
        }
        return out;
    }

    /** Backward through the last k2 steps of the window just run; dOutput (k1, B, H). */
    public void backward(Tensor dOutput) {
        workspace.backwardThroughLast(k2, dOutput, null, null);
    }

    /** Starts the streams afresh: the next window begins from zero state. */
    public void resetState() {
        carried.zero();
    }

    /** The carried hidden state (L, B, H). */
    public Tensor hiddenState() {
        return hidden;
    }

    /** The carried cell state (L, B, H) of an LSTM, else null. */
    public Tensor cellState() {
        return cell;
    }

    /** The workspace of the windows (its input gradient, outputs, ...). */
    public Workspace workspace() {
        return workspace;
    }

    @Override
    public void close() {
        workspace.close();
        carried.close();
    }
}
