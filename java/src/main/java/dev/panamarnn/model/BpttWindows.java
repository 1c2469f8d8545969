package dev.panamarnn.model;

import dev.panamarnn.data.SequenceBatch;
import dev.panamarnn.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Truncated backpropagation through time for per-step models: a batch longer than the window k
 * is trained as consecutive windows of at most k steps, each one optimizer step; the state at the
 * end of a window (h, and c for LSTM) is the next window's initial state — values carried, no
 * gradient across the boundary. A row whose sequence ended in an earlier window takes part in
 * no later window's loss (its steps there are padding). Unidirectional stacks only.
 */
final class BpttWindows implements AutoCloseable {
    private final int window;
    private final Arena arena = Arena.ofConfined();
    private final Tensor h;       // (L*D, B, H) carried h
    private final Tensor c;       // (L*D, B, H) carried c (LSTM), or null
    private final boolean[] inactive;  // (B) rows whose sequence ended before the current window
    private final int[] lengths;        // (B) each row's length within the current window

    BpttWindows(SequenceModel model, int window, int batch) {
        var rc = model.rnn().config();
        this.window = window;
        int states = rc.numLayers() * rc.directions();
        this.h = Tensor.allocate(arena, states, batch, rc.hiddenSize());
        this.c = rc.cell().hasCellState() ? Tensor.allocate(arena, states, batch, rc.hiddenSize()) : null;
        this.inactive = new boolean[batch];
        this.lengths = new int[batch];
    }

    int batch() {
        return inactive.length;
    }

    /** The state carried into the next window, by checkpoint name: h, and c for LSTM. */
    java.util.Map<String, Tensor> carriedState() {
        java.util.Map<String, Tensor> state = new java.util.LinkedHashMap<>();
        state.put(TrainingCheckpoint.CARRIED_H, h);
        if (c != null) {
            state.put(TrainingCheckpoint.CARRIED_C, c);
        }
        return state;
    }

    /** Sets the carried state to a checkpoint's (shapes checked when it was read). */
    void restore(TrainingCheckpoint.Carried saved) {
        if (saved.h().length != h.size() || (c != null) != (saved.c() != null)) {
            throw new IllegalArgumentException("the checkpoint's carried state (" + saved.h().length + " values) is not this "
                    + "trainer's (L*D, B, H) = " + h.size() + " values: resume with the batch size it was written with");
        }
        h.copyFrom(saved.h());
        if (c != null) {
            c.copyFrom(saved.c());
        }
    }

    /** Windows of this batch: ceil(T / k). */
    int count(SequenceBatch b) {
        return (b.steps() + window - 1) / window;
    }

    /** Loads window {@code index} of {@code b} into its pass, runs forward from the carried state and backward; returns the loss. */
    double accumulate(SequenceModel model, SequenceBatch b, int index) {
        return forward(model, b, index, true, true).lossAndBackward();
    }

    /**
     * Loads window {@code index} of {@code b} (rows already ended are inactive: no loss) into its
     * pass and runs it forward from the state carried out of window index - 1 (zeros for the
     * first), with dropout when training; the window's final state is carried on, without gradient.
     */
    ModelPass forward(SequenceModel model, SequenceBatch b, int index, boolean training, boolean withTargets) {
        int from = index * window, steps = Math.min(window, b.steps() - from);
        for (int r = 0; r < b.batch(); r++) {                   // rows already ended: length 1 of padding, inactive
            int left = b.lengths()[r] - from;
            inactive[r] = left <= 0;
            lengths[r] = Math.max(1, Math.min(steps, left));
        }
        ModelPass pass = model.pass(steps, b.batch());
        pass.load(b, from, lengths, withTargets);                  // read in place: nothing copied per window
        pass.deactivate(inactive);
        pass.forward(training, index == 0 ? null : h, index == 0 ? null : c);
        MemorySegment.copy(pass.finalHidden().segment(), 0, h.segment(), 0, h.segment().byteSize());
        if (c != null) {
            MemorySegment.copy(pass.finalCell().segment(), 0, c.segment(), 0, c.segment().byteSize());
        }
        return pass;
    }

    /** The first step of window {@code index}. */
    int start(int index) {
        return index * window;
    }

    @Override
    public void close() {
        arena.close();
    }
}
