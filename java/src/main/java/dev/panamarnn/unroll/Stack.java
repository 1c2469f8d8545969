package dev.panamarnn.unroll;

import dev.panamarnn.CellType;
import dev.panamarnn.RnnConfig;
import dev.panamarnn.cell.Cell;
import dev.panamarnn.cell.DirectionParameters;
import dev.panamarnn.cell.Slices;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.tensor.Slab;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Layers in sequence, each one direction or two (Bidirectional: outputs concatenated on the feature
 * axis, forward direction first), with dropout between layers in training. Owns no memory: every
 * buffer is a slice of the workspace slab, laid out by {@link StackBuffers}.
 */
public final class Stack {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;

    private final RnnConfig config;
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
     * Whether the products of a step (B, H) x W_hh^T and the input projection (T*B, In) x W_ih^T
     * run on the kernels' packed product ({@link Kernels#fastPackedProduct}), reading copies of W_hh
     * and W_ih packed at the start of every forward scan; not the reset-before GRU, whose recurrent
     * product comes in two parts. Batch 1 uses GEMV on W_hh instead.
     */
    public static boolean packedWeights(Kernels k, RnnConfig c, int batch) {
        return batch > 1 && c.cell() != CellType.GRU_RESET_BEFORE
                && k.fastPackedProduct(batch, c.cell().gates() * c.hiddenSize(), c.hiddenSize());
    }

    /**
     * The floats of scratch the weight gradients' products dW_ih += dG^T X and dW_hh += dG^T H_prev
     * over the T*B rows need when they run on the kernels' own product ({@link Kernels#fastAtBProduct},
     * {@link Kernels#atbScratchFloats} for the widest X or H_prev of the stack); 0 when they stay
     * GEMMs.
     */
    public static long atbScratchFloats(Kernels k, RnnConfig c, int steps, int batch) {
        int widest = c.hiddenSize();                                   // H_prev's width, or a layer input's
        for (int l = 0; l < c.numLayers(); l++) {
            widest = Math.max(widest, c.layerInputSize(l));
        }
        return k.fastAtBProduct(c.cell().gates() * c.hiddenSize(), widest, steps * batch) ? k.atbScratchFloats(widest) : 0;
    }

    /**
     * Adds this stack's buffers for (T, B) to a workspace layout; with {@code transposed} also
     * W_hh^T per layer and direction (see {@link #transposedRecurrentWeights}), with {@code packed}
     * W_hh and W_ih packed (see {@link #packedWeights}), with {@code atbScratchFloats} > 0 the
     * weight gradients' scratch (see {@link #atbScratchFloats}).
     */
    public static void addBuffers(Slab.Layout.Builder layout, RnnConfig c, int steps, int batch, boolean transposed,
                                  boolean packed, long atbScratchFloats) {
        new StackBuffers(Slices.sizing(layout), c, steps, batch, transposed, packed, atbScratchFloats, null);
    }

    /** The stack over the buffers {@link #addBuffers} laid out in {@code work}, with the network's parameters and gradients. */
    public Stack(RnnConfig config, int steps, int batch, Slab work, Slab params, Slab grads, String prefix,
                 boolean transposed, boolean packed, long atbScratchFloats) {
        this.config = config;
        int L = config.numLayers(), D = config.directions();
        DirectionParameters[][] parameters = new DirectionParameters[L][D];
        for (int l = 0; l < L; l++) {
            for (int d = 0; d < D; d++) {
                parameters[l][d] = parameters(params, grads, prefix, l, d);
            }
        }
        StackBuffers buffers = new StackBuffers(Slices.slicing(work), config, steps, batch, transposed, packed, atbScratchFloats, parameters);
        this.input = buffers.input;
        this.ones = buffers.ones;
        for (long i = 0; i < (long) steps * batch; i++) {
            ones.setAtIndex(F, i, 1f);
        }
        this.dInput = buffers.dInput;
        this.outputs = buffers.outputs;
        this.masks = buffers.masks;
        this.layerGradients = buffers.layerGradients;
        this.layers = new Layer[L][D];
        Cell cell = Cell.of(config.cell());
        for (int l = 0; l < L; l++) {
            for (int d = 0; d < D; d++) {
                layers[l][d] = new Layer(cell, d == 1, buffers.directions[l][d], config.layerInputSize(l), buffers.zeros);
            }
        }
        this.dropoutState = config.seed() ^ 0x5DEECE66DL;
    }

    /** The views of layer l, direction d's parameters and gradients (PyTorch names under {@code prefix}). */
    private static DirectionParameters parameters(Slab params, Slab grads, String prefix, int l, int d) {
        String wIh = prefix + Names.weightIh(l, d), wHh = prefix + Names.weightHh(l, d);
        String bIh = prefix + Names.biasIh(l, d), bHh = prefix + Names.biasHh(l, d);
        return new DirectionParameters(seg(params, wIh), seg(params, bIh), seg(params, wHh), seg(params, bHh),
                seg(grads, wIh), seg(grads, bIh), seg(grads, wHh), seg(grads, bHh));
    }

    private static MemorySegment seg(Slab slab, String name) {
        return slab.get(name).segment();
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

    /**
     * The next training forward's dropout masks come from the SplitMix64 stream that starts at
     * mix64(seed), so nearby seeds (consecutive step numbers) start far apart; later forwards
     * continue it.
     */
    public void reseedDropout(long seed) {
        dropoutState = mix64(seed);
    }

    /** SplitMix64's output function: a bijection of the 64-bit state that scrambles every bit. */
    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** x *= mask, with a fresh mask of 0 or 1/(1-p) per element (inverted dropout). */
    private void applyNewDropoutMask(Kernels k, MemorySegment x, MemorySegment mask) {
        double p = config.dropout();
        float keep = (float) (1 / (1 - p));
        long n = mask.byteSize() / Float.BYTES;
        long state = dropoutState;
        for (long i = 0; i < n; i++) {
            state += 0x9E3779B97F4A7C15L;                       // SplitMix64
            double u = (mix64(state) >>> 11) * 0x1.0p-53;
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
