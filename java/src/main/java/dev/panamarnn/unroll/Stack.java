package dev.panamarnn.unroll;

import dev.panamarnn.RnnConfig;
import dev.panamarnn.cell.Cell;
import dev.panamarnn.cell.CellBuffers;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.tensor.Slab;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Layers in sequence, each one direction or two (Bidirectional: outputs concatenated on the feature
 * axis, forward direction first), with dropout between layers in training. Owns no memory: every
 * buffer is a named slice of the workspace slab, laid out by {@link #addBuffers}.
 */
public final class Stack {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;

    private final RnnConfig config;
    private final int steps;
    private final int batch;
    private final Layer[][] layers;                 // [layer][direction]
    private final MemorySegment input;              // (T, B, I) copy of the input, time-major
    private final MemorySegment ones;               // (T*B)
    private final MemorySegment[] outputs;          // [layer] (T, B, D*H)
    private final MemorySegment[] masks;            // [layer] (T, B, In_l) dropout scale or null
    private final MemorySegment[] layerGradients;   // [layer] dL/d(output of layer), (T, B, D*H); top one is the caller's
    private final MemorySegment dInput;             // (T, B, I)
    private long dropoutState;

    /**
     * Whether the recurrent products of a step (B, H) x (H, G*H) run on the kernels' small-product
     * path, reading a transposed copy W_hh^T. Batch 1 uses GEMV on W_hh instead.
     */
    public static boolean transposedRecurrentWeights(Kernels k, RnnConfig c, int batch) {
        int h = c.hiddenSize();
        return batch > 1 && k.fastSmallProduct(batch, c.cell().gates() * h, h);
    }

    /**
     * Adds this stack's buffers for (T, B) to a workspace layout; with {@code transposed} also
     * W_hh^T per layer and direction (see {@link #transposedRecurrentWeights}).
     */
    public static void addBuffers(Slab.Layout.Builder layout, RnnConfig c, int steps, int batch, boolean transposed) {
        int h = c.hiddenSize(), gw = c.cell().gates() * h, dh = c.outputSize();
        boolean gru = c.cell() == dev.panamarnn.CellType.GRU, lstm = c.cell().hasCellState();
        layout.add("input", steps, batch, c.inputSize())         // (T, B, I)
              .add("ones", steps * batch)                         // (T*B)
              .add("zeros", Math.max(gw, h))                      // (G*H)
              .add("d_input", steps, batch, c.inputSize());       // (T, B, I)
        for (int l = 0; l < c.numLayers(); l++) {
            layout.add("l" + l + ".output", steps, batch, dh);    // (T, B, D*H)
            if (l > 0 && c.dropout() > 0) {
                layout.add("l" + l + ".mask", steps, batch, c.layerInputSize(l));
            }
            if (l < c.numLayers() - 1) {
                layout.add("l" + l + ".d_output", steps, batch, dh);
            }
            for (int d = 0; d < c.directions(); d++) {
                String p = "l" + l + ".d" + d + ".";
                layout.add(p + "gates", steps, batch, gw)          // (T, B, G*H)
                      .add(p + "d_gates", steps, batch, gw)        // (T, B, G*H)
                      .add(p + "h", steps + 1, batch, h)           // (T+1, B, H)
                      .add(p + "dh_total", batch, h)               // (B, H)
                      .add(p + "dh_carry", batch, h)               // (B, H)
                      .add(p + "row_scratch", batch, h)            // (B, H)
                      .add(p + "bias", gw);                        // (G*H)
                if (transposed) {
                    layout.add(p + "w_hh_t", h, gw);               // (H, G*H)
                }
                if (gru) {
                    layout.add(p + "hidden_gates", steps, batch, gw)     // (T, B, 3H)
                          .add(p + "d_hidden_gates", steps, batch, gw);  // (T, B, 3H)
                }
                if (lstm) {
                    layout.add(p + "c", steps + 1, batch, h)       // (T+1, B, H)
                          .add(p + "dc_carry", batch, h);          // (B, H)
                }
            }
        }
    }

    public Stack(RnnConfig config, int steps, int batch, Slab work, Slab params, Slab grads, String prefix,
                 boolean transposed) {
        this.config = config;
        this.steps = steps;
        this.batch = batch;
        Cell cell = Cell.of(config.cell());
        int L = config.numLayers(), D = config.directions(), h = config.hiddenSize();
        int gw = config.cell().gates() * h;
        boolean gru = config.cell() == dev.panamarnn.CellType.GRU;
        this.input = seg(work, "input");
        this.ones = seg(work, "ones");
        for (long i = 0; i < (long) steps * batch; i++) {
            ones.setAtIndex(F, i, 1f);
        }
        this.dInput = seg(work, "d_input");
        this.outputs = new MemorySegment[L];
        this.masks = new MemorySegment[L];
        this.layerGradients = new MemorySegment[L];
        this.layers = new Layer[L][D];
        MemorySegment zeros = seg(work, "zeros");
        for (int l = 0; l < L; l++) {
            outputs[l] = seg(work, "l" + l + ".output");
            masks[l] = l > 0 && config.dropout() > 0 ? seg(work, "l" + l + ".mask") : null;
            layerGradients[l] = l < L - 1 ? seg(work, "l" + l + ".d_output") : null;
            for (int d = 0; d < D; d++) {
                String p = "l" + l + ".d" + d + ".";
                MemorySegment gates = seg(work, p + "gates"), dGates = seg(work, p + "d_gates");
                MemorySegment hs = seg(work, p + "h");
                MemorySegment hiddenGates = gru ? seg(work, p + "hidden_gates") : null;
                MemorySegment dHiddenGates = gru ? seg(work, p + "d_hidden_gates") : null;
                MemorySegment cs = config.cell().hasCellState() ? seg(work, p + "c") : null;
                CellBuffers buffers = new CellBuffers(batch, h, gw,
                        stepSlices(gates, steps, (long) batch * gw), gru ? stepSlices(hiddenGates, steps, (long) batch * gw) : null,
                        stepSlices(hs, steps + 1, (long) batch * h), cs == null ? null : stepSlices(cs, steps + 1, (long) batch * h),
                        stepSlices(dGates, steps, (long) batch * gw), gru ? stepSlices(dHiddenGates, steps, (long) batch * gw) : null,
                        seg(work, p + "dh_total"), seg(work, p + "dh_carry"),
                        cs == null ? null : seg(work, p + "dc_carry"),
                        seg(params, prefix + Names.weightHh(l, d)), seg(params, prefix + Names.biasHh(l, d)),
                        seg(work, p + "bias"), transposed ? seg(work, p + "w_hh_t") : null);
                layers[l][d] = new Layer(cell, d == 1, buffers, steps, config.layerInputSize(l),
                        seg(params, prefix + Names.weightIh(l, d)), seg(params, prefix + Names.biasIh(l, d)),
                        seg(grads, prefix + Names.weightIh(l, d)), seg(grads, prefix + Names.weightHh(l, d)),
                        seg(grads, prefix + Names.biasIh(l, d)), seg(grads, prefix + Names.biasHh(l, d)),
                        gates, dGates, gru ? dHiddenGates : dGates, hs, seg(work, p + "row_scratch"), zeros);
            }
        }
        this.dropoutState = config.seed() ^ 0x5DEECE66DL;
    }

    private static MemorySegment seg(Slab slab, String name) {
        return slab.get(name).segment();
    }

    private static MemorySegment[] stepSlices(MemorySegment all, int count, long floatsPerStep) {
        MemorySegment[] slices = new MemorySegment[count];
        for (int i = 0; i < count; i++) {
            slices[i] = all.asSlice(i * floatsPerStep * Float.BYTES, floatsPerStep * Float.BYTES);
        }
        return slices;
    }

    /** (T, B, I): where the caller puts the (time-major) input before {@link #forward}. */
    public MemorySegment input() {
        return input;
    }

    /** (T, B, D*H): the top layer's output after {@link #forward}. */
    public MemorySegment output() {
        return outputs[outputs.length - 1];
    }

    /** (T, B, I): dL/dx after {@link #backward}. */
    public MemorySegment inputGradient() {
        return dInput;
    }

    public Layer layer(int layer, int direction) {
        return layers[layer][direction];
    }

    /**
     * Forward through all layers. The caller has put each direction's initial state at its
     * {@link Layer#initialIndex()}.
     * @param x (T, B, I) time-major: {@link #input()}, filled by the caller, which is what a later
     *          backward reads; an inference pass may pass the caller's own tensor instead
     * @param inference an inference pass: nothing is kept for backward, and in a unidirectional
     *          stack without lengths (where the two are equal) the top layer's output stays in its
     *          hidden states ({@link #topHiddenStates()}) instead of being copied to {@link #output()}
     * @return (T, B, D*H) where the top output is: {@link #output()} or {@link #topHiddenStates()}
     */
    public MemorySegment forward(Kernels k, MemorySegment x, int[] lengths, boolean training, boolean inference) {
        boolean topOutputInPlace = inference && lengths == null && !config.bidirectional();
        for (int l = 0; l < layers.length; l++) {
            if (l > 0 && training && masks[l] != null) {
                applyNewDropoutMask(k, x, masks[l]);
            }
            for (int d = 0; d < layers[l].length; d++) {
                Layer layer = layers[l][d];
                layer.forward(k, x, lengths, !inference);
                if (!(topOutputInPlace && l == layers.length - 1)) {
                    layer.writeOutput(outputs[l], config.outputSize(), d * config.hiddenSize(), lengths);
                }
            }
            x = outputs[l];
        }
        return topOutputInPlace ? topHiddenStates() : output();
    }

    /** (T, B, H): the top layer's h_1..h_T, unidirectional stacks only (the output of an inference pass). */
    public MemorySegment topHiddenStates() {
        if (config.bidirectional()) {
            throw new IllegalStateException("a bidirectional stack's output joins two directions; it has no single hidden-state buffer");
        }
        return layers[layers.length - 1][0].hiddenStates();
    }

    /** x *= mask, with a fresh mask of 0 or 1/(1-p) per element (inverted dropout). */
    private void applyNewDropoutMask(Kernels k, MemorySegment x, MemorySegment mask) {
        double p = config.dropout();
        float keep = (float) (1 / (1 - p));
        long n = mask.byteSize() / Float.BYTES;
        long state = dropoutState;
        for (long i = 0; i < n; i++) {
            state += 0x9E3779B97F4A7C15L;                       // SplitMix64
            long z = state;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            z ^= z >>> 31;
            double u = (z >>> 11) * 0x1.0p-53;
            float m = u < p ? 0f : keep;
            mask.setAtIndex(F, i, m);
            x.setAtIndex(F, i, x.getAtIndex(F, i) * m);
        }
        dropoutState = state;
    }

    /**
     * Backward through all layers, in reverse. The caller has put dL/dh_n (and dL/dc_n) of each
     * direction in its dh_carry (dc_carry). {@code dOutput} is (T, B, D*H).
     * @param depth steps that receive gradient, counted from the end (T: full BPTT)
     * @param training whether the forward pass applied dropout masks
     */
    public void backward(Kernels k, MemorySegment dOutput, int[] lengths, int depth, boolean training) {
        MemorySegment dy = dOutput;
        for (int l = layers.length - 1; l >= 0; l--) {
            MemorySegment x = l == 0 ? input : outputs[l - 1];
            MemorySegment dx = l == 0 ? dInput : layerGradients[l - 1];
            for (int d = 0; d < layers[l].length; d++) {
                layers[l][d].backward(k, x, ones, dy, config.outputSize(), d * config.hiddenSize(), dx, d > 0, lengths, depth);
            }
            if (l > 0 && training && masks[l] != null) {
                long n = masks[l].byteSize() / Float.BYTES;
                for (long i = 0; i < n; i++) {                   // d(x * mask) / dx = mask
                    dx.setAtIndex(F, i, dx.getAtIndex(F, i) * masks[l].getAtIndex(F, i));
                }
            }
            dy = dx;
        }
    }
}
