package dev.panamarnn.model;

import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.layers.Linear;
import dev.panamarnn.tensor.Slab;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The head of a {@link SequenceModel}: what turns the recurrent stack's features (N, D*H) into the
 * model's outputs (N, outputs) — logits or regression values. Either one Linear, PyTorch's
 * {@code nn.Linear(D*H, outputs)} (names head.weight, head.bias), or a hidden ReLU layer,
 * {@code nn.Sequential(nn.Linear(D*H, K), nn.ReLU(), nn.Linear(K, outputs))} (head.0.*, head.2.*).
 * The caller owns the scratch rows (the hidden activations and their gradient), so nothing is
 * allocated per call; forward may run on many threads with their own scratch, backward on one.
 */
public final class Head {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;

    private final Linear first;    // (D*H -> K) with a hidden layer, else (D*H -> outputs)
    private final Linear second;   // (K -> outputs), or null
    private final int hidden;      // K, 0 for one Linear

    /** Adds the head's parameters under {@code prefix} (e.g. "head.") to a slab layout. */
    public static void addParameters(Slab.Layout.Builder layout, String prefix, int in, int hidden, int outputs) {
        if (hidden == 0) {
            Linear.addParameters(layout, prefix, in, outputs);
        } else {
            Linear.addParameters(layout, prefix + "0.", in, hidden);
            Linear.addParameters(layout, prefix + "2.", hidden, outputs);
        }
    }

    /** The head over its slices of the slabs, each Linear initialised as PyTorch's from its own seed. */
    Head(Kernels kernels, Slab parameters, Slab gradients, String prefix, int in, int hidden, int outputs, long seed) {
        this.hidden = hidden;
        if (hidden == 0) {
            this.first = new Linear(kernels, parameters, gradients, prefix, in, outputs, seed);
            this.second = null;
        } else {
            this.first = new Linear(kernels, parameters, gradients, prefix + "0.", in, hidden, seed);
            this.second = new Linear(kernels, parameters, gradients, prefix + "2.", hidden, outputs, seed + 1);
        }
    }

    public int in() {
        return first.in();
    }

    /** K, the hidden layer's width (0: none). */
    public int hidden() {
        return hidden;
    }

    public int outputs() {
        return second == null ? first.out() : second.out();
    }

    /** The Linear layers in order (one or two). */
    public Linear[] linears() {
        return second == null ? new Linear[] {first} : new Linear[] {first, second};
    }

    /**
     * y = head(x).
     * @param y      (N, outputs) out
     * @param hidden (N, K) scratch: relu(x W0^T + b0), kept for backward; unused without a hidden layer
     * @param x      (N, D*H)
     */
    public void forward(MemorySegment y, MemorySegment hidden, MemorySegment x, int rows) {
        if (second == null) {
            first.forward(y, x, rows);
            return;
        }
        first.forward(hidden, x, rows);
        long n = (long) rows * this.hidden;
        for (long i = 0; i < n; i++) {                                    // ReLU in place
            if (!(hidden.getAtIndex(F, i) > 0)) {
                hidden.setAtIndex(F, i, 0f);
            }
        }
        second.forward(y, hidden, rows);
    }

    /**
     * A regressor's output in the targets' units from the head's normalised output: y = z * std + mean
     * per output k ({@link ModelSpec}'s target normalisation). The one place this is computed: for
     * training-side prediction and evaluation and for streaming. Allocates nothing; y may be z.
     * @param y    (N, outputs) out, row stride outputs
     * @param z    (N, outputs) the head's output
     * @param mean (outputs) the target mean
     * @param std  (outputs) the target standard deviation
     */
    public static void denormalise(MemorySegment y, MemorySegment z, MemorySegment mean, MemorySegment std, int rows, int outputs) {
        for (long r = 0; r < rows; r++) {
            long at = r * outputs;
            for (int k = 0; k < outputs; k++) {
                y.setAtIndex(F, at + k, z.getAtIndex(F, at + k) * std.getAtIndex(F, k) + mean.getAtIndex(F, k));
            }
        }
    }

    /**
     * Backward of forward: parameter gradients are added into the gradient slab; dx is written.
     * @param dx      (N, D*H) out: dL/dx, or null when not needed
     * @param dy      (N, outputs) dL/dy
     * @param dHidden (N, K) scratch for dL/d(hidden)
     * @param hidden  (N, K) what forward kept
     * @param x       (N, D*H) forward's input
     */
    public void backward(MemorySegment dx, MemorySegment dy, MemorySegment dHidden, MemorySegment hidden, MemorySegment x, int rows) {
        if (second == null) {
            first.backward(dx, dy, x, rows);
            return;
        }
        second.backward(dHidden, dy, hidden, rows);
        long n = (long) rows * this.hidden;
        for (long i = 0; i < n; i++) {                                    // relu'(a) = 1 where a > 0
            if (!(hidden.getAtIndex(F, i) > 0)) {
                dHidden.setAtIndex(F, i, 0f);
            }
        }
        first.backward(dx, dHidden, x, rows);
    }
}
