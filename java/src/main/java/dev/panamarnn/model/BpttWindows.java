package dev.panamarnn.model;

import dev.panamarnn.data.SequenceBatch;
import dev.panamarnn.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Truncated backpropagation through time for per-step models: a batch longer than the window k
 * is trained as consecutive windows of at most k steps, each one optimizer step; the state at the
 * end of a window (h, and c for LSTM) is the next window's initial state — values carried, no
 * gradient across the boundary. A row whose sequence ended in an earlier window takes part in
 * no later window's loss (its steps there are padding). Unidirectional stacks only.
 *
 * <p>{@link Trainer#builder}'s {@code truncatedBptt(k)} uses it. The public part ({@link #of},
 * {@link #accumulateGradients}, {@link #carried}, {@link #carry}) serves a trainer elsewhere that
 * computes a window's gradient without the optimizer step (a data-parallel worker) and moves the
 * carried state between processes as floats. One thread; closing frees the carried state.
 */
public final class BpttWindows implements AutoCloseable {
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

    /**
     * Windows of at most {@code window} steps for batches of {@code batch} rows of {@code model}.
     * @throws IllegalArgumentException unless the model is per-step on a unidirectional stack, window >= 1 and batch >= 1
     */
    public static BpttWindows of(SequenceModel model, int window, int batch) {
        model.checkOpen();
        requireApplicable(model.spec());
        if (window < 1 || batch < 1) {
            throw new IllegalArgumentException("truncated-BPTT windows need window >= 1 and batch >= 1, got " + window + ", " + batch);
        }
        return new BpttWindows(model, window, batch);
    }

    /** @throws IllegalArgumentException unless the model is per-step on a unidirectional stack, as truncated BPTT needs */
    public static void requireApplicable(ModelSpec spec) {
        if (spec.outputMode() != OutputMode.PER_STEP || spec.bidirectional()) {
            throw new IllegalArgumentException("truncated BPTT is for per-step models with a unidirectional stack; this model is "
                    + spec.outputMode().id() + (spec.bidirectional() ? ", bidirectional" : ""));
        }
    }

    /** B: the rows of the batches these windows are for. */
    public int batch() {
        return inactive.length;
    }

    /**
     * The state carried into the next window as floats: h (L, B, H), then c (L, B, H) for an LSTM,
     * each row-major. Zeros before the first window.
     */
    public float[] carried() {
        float[] out = new float[(int) (h.size() + (c == null ? 0 : c.size()))];
        MemorySegment.copy(h.segment(), ValueLayout.JAVA_FLOAT, 0, out, 0, (int) h.size());
        if (c != null) {
            MemorySegment.copy(c.segment(), ValueLayout.JAVA_FLOAT, 0, out, (int) h.size(), (int) c.size());
        }
        return out;
    }

    /**
     * Sets the state carried into the next window to {@code state}, as {@link #carried} gives it.
     * @throws IllegalArgumentException if its length is not (1 or 2) * L * B * H
     */
    public void carry(float[] state) {
        long expected = h.size() + (c == null ? 0 : c.size());
        if (state == null || state.length != expected) {
            throw new IllegalArgumentException("the carried state must hold " + expected + " floats (h" + (c == null ? "" : " and c")
                    + ", (L, B, H) each), got " + (state == null ? "null" : state.length));
        }
        MemorySegment.copy(state, 0, h.segment(), ValueLayout.JAVA_FLOAT, 0, (int) h.size());
        if (c != null) {
            MemorySegment.copy(state, (int) h.size(), c.segment(), ValueLayout.JAVA_FLOAT, 0, (int) c.size());
        }
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
    public int count(SequenceBatch b) {
        return (b.steps() + window - 1) / window;
    }

    /**
     * Window {@code index} of {@code b}: forward (with dropout) from the carried state (zeros for
     * window 0), the loss over its steps, backward through them; the parameter gradients are ADDED
     * into the model's gradient slab and the window's final state is carried on.
     * @return the window's mean loss over the valid steps of the rows still running
     * @throws IllegalArgumentException if {@code b} has another row count or no window {@code index}
     */
    public double accumulateGradients(SequenceModel model, SequenceBatch b, int index) {
        if (b == null || b.batch() != batch() || index < 0 || index >= count(b)) {
            throw new IllegalArgumentException("expected a batch of " + batch() + " rows and a window in [0, ceil(T / " + window
                    + ")), got " + (b == null ? "no batch" : b.batch() + " rows of T = " + b.steps()) + " and window " + index);
        }
        model.enter("accumulate window gradients");
        try {
            return accumulate(model, b, index);
        } finally {
            model.exit();
        }
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
