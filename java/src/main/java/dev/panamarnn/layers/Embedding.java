package dev.panamarnn.layers;

import dev.panamarnn.tensor.Slab;
import dev.panamarnn.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A token embedding, PyTorch's nn.Embedding(V, E): {@code weight} (V, E), row v the vector of
 * token v. Forward gathers one row per token id (no one-hot GEMM); backward scatter-adds each
 * row's gradient into dWeight (a token seen twice gets both). The weight and its gradient are
 * slices of caller-owned slabs ({@link #addParameters}), so a whole model shares one parameter slab
 * and one gradient slab. Token ids are int32 — an off-heap segment (native byte order) or an int[].
 * Every id is checked against [0, V) before anything is written. Nothing is allocated per call;
 * forward may run on many threads at once, backward on one.
 */
public final class Embedding {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;
    private static final ValueLayout.OfInt I = ValueLayout.JAVA_INT;

    private final String prefix;
    private final int vocab;
    private final int dim;
    private final Tensor weight;        // (V, E)
    private final Tensor weightGrad;    // (V, E) dL/dweight, backward adds into it

    /** Adds {@code prefix + "weight"} (V, E) to a slab layout (e.g. prefix "embedding."). */
    public static void addParameters(Slab.Layout.Builder layout, String prefix, int vocab, int dim) {
        Layers.positive("vocab", vocab);
        Layers.positive("dim", dim);
        layout.add(prefix + "weight", vocab, dim);
    }

    /**
     * The embedding over {@code prefix + "weight"} of the slabs, initialised N(0, 1) from
     * {@code seed} (nn.Embedding's rule; a model file loaded afterwards overwrites it).
     */
    public Embedding(Slab parameters, Slab gradients, String prefix, int vocab, int dim, long seed) {
        Layers.positive("vocab", vocab);
        Layers.positive("dim", dim);
        this.prefix = prefix;
        this.vocab = vocab;
        this.dim = dim;
        this.weight = Layers.tensor(parameters, prefix + "weight", vocab, dim);
        this.weightGrad = Layers.tensor(gradients, prefix + "weight", vocab, dim);
        initialise(seed);
    }

    /** Redraws the weight ~ N(0, 1) from {@code seed}, row-major. */
    public void initialise(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        for (long i = 0; i < weight.size(); i++) {
            weight.set(i, (float) random.nextGaussian());
        }
    }

    /**
     * out (N, E): row r = weight[ids[r]].
     * @param out (N, E) out, written
     * @param ids (N) int32 token ids in [0, V)
     */
    public void forward(MemorySegment out, MemorySegment ids, int rows) {
        Layers.alive(weight, "Embedding", prefix, false);
        Layers.nonNegative("rows", rows);
        Layers.require("ids (N) int32", ids, rows);
        checkIds(ids, null, 0, rows);
        Layers.requireWritable("out (N, E)", out, (long) rows * dim);
        gather(out, ids, null, 0, rows);
    }

    /** The same with the ids in {@code ids[offset .. offset + rows)}. */
    public void forward(MemorySegment out, int[] ids, int offset, int rows) {
        Layers.alive(weight, "Embedding", prefix, false);
        Layers.range("ids", ids, offset, rows);
        checkIds(null, ids, offset, rows);
        Layers.requireWritable("out (N, E)", out, (long) rows * dim);
        gather(out, null, ids, offset, rows);
    }

    /**
     * dWeight[ids[r]] += dOut[r] for every row r (the mirror of forward's gather).
     * @param dOut (N, E) dL/dout
     * @param ids  (N) the token ids forward was given
     */
    public void backward(MemorySegment dOut, MemorySegment ids, int rows) {
        Layers.alive(weightGrad, "Embedding", prefix, true);
        Layers.nonNegative("rows", rows);
        Layers.require("ids (N) int32", ids, rows);
        checkIds(ids, null, 0, rows);
        Layers.require("dOut (N, E)", dOut, (long) rows * dim);
        scatterAdd(dOut, ids, null, 0, rows);
    }

    /** The same with the ids in {@code ids[offset .. offset + rows)}. */
    public void backward(MemorySegment dOut, int[] ids, int offset, int rows) {
        Layers.alive(weightGrad, "Embedding", prefix, true);
        Layers.range("ids", ids, offset, rows);
        checkIds(null, ids, offset, rows);
        Layers.require("dOut (N, E)", dOut, (long) rows * dim);
        scatterAdd(dOut, null, ids, offset, rows);
    }

    private int id(MemorySegment ids, int[] array, int offset, int r) {
        return array != null ? array[offset + r] : ids.getAtIndex(I, r);
    }

    private void checkIds(MemorySegment ids, int[] array, int offset, int rows) {
        for (int r = 0; r < rows; r++) {
            int id = id(ids, array, offset, r);
            if (id < 0 || id >= vocab) {
                throw new IllegalArgumentException("token id " + id + " at position " + r + " is outside the vocabulary [0, "
                        + vocab + ") of embedding '" + prefix + "weight'");
            }
        }
    }

    private void gather(MemorySegment out, MemorySegment ids, int[] array, int offset, int rows) {
        long rowBytes = (long) dim * Float.BYTES;
        MemorySegment w = weight.segment();
        for (int r = 0; r < rows; r++) {
            MemorySegment.copy(w, id(ids, array, offset, r) * rowBytes, out, r * rowBytes, rowBytes);
        }
    }

    private void scatterAdd(MemorySegment dOut, MemorySegment ids, int[] array, int offset, int rows) {
        MemorySegment dw = weightGrad.segment();
        for (int r = 0; r < rows; r++) {
            long to = (long) id(ids, array, offset, r) * dim, from = (long) r * dim;
            for (long j = 0; j < dim; j++) {
                dw.setAtIndex(F, to + j, dw.getAtIndex(F, to + j) + dOut.getAtIndex(F, from + j));
            }
        }
    }

    public int vocab() {
        return vocab;
    }

    public int dim() {
        return dim;
    }

    /** (V, E), a view into the parameter slab. */
    public Tensor weight() {
        return weight;
    }

    /** (V, E), a view into the gradient slab. */
    public Tensor weightGradient() {
        return weightGrad;
    }

    public String prefix() {
        return prefix;
    }

    @Override
    public String toString() {
        return "Embedding(" + vocab + ", " + dim + ") '" + prefix + "weight' " + Arrays.toString(weight.shape());
    }
}
