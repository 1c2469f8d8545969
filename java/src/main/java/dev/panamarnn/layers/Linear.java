package dev.panamarnn.layers;

import dev.panamarnn.kernels.CheckedKernels;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.tensor.Slab;
import dev.panamarnn.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

/**
 * A fully connected layer, PyTorch's nn.Linear(in, out): {@code weight} (out, in), {@code bias}
 * (out), y = x W^T + b, initialised U(-1/sqrt(in), 1/sqrt(in)). Applied to any number of rows:
 * every time step of a (T, B, H) output as T*B rows, or just the rows the caller passes (the last
 * step, each sequence's final state). Forward is one GEMM (a GEMV for a single row) after the bias
 * is copied into y; backward is dW += dy^T x, db += column sums of dy, dx = dy W. The weight, the
 * bias and their gradients are slices of caller-owned slabs ({@link #addParameters}).
 *
 * <p>Nothing is allocated per call. Forward may run on many threads at once; backward uses a
 * per-layer scratch row and runs on one thread at a time.
 */
public final class Linear {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;

    private final Kernels kernels;
    private final String prefix;
    private final int in;
    private final int out;
    private final Tensor weight;       // (out, in)
    private final Tensor bias;         // (out)
    private final Tensor weightGrad;   // (out, in) dL/dW, backward adds into it
    private final Tensor biasGrad;     // (out) dL/db, backward adds into it
    private final float[] dyRow;       // (out) scratch: one row of dy
    private final double[] dbSum;      // (out) scratch: column sums of dy in double

    /** Adds {@code prefix + "weight"} (out, in) and {@code prefix + "bias"} (out) to a slab layout. */
    public static void addParameters(Slab.Layout.Builder layout, String prefix, int in, int out) {
        Layers.positive("in", in);
        Layers.positive("out", out);
        layout.add(prefix + "weight", out, in)    // (out, in)
              .add(prefix + "bias", out);         // (out)
    }

    /**
     * The layer over {@code prefix + "weight"} and {@code prefix + "bias"} of the slabs,
     * initialised U(-1/sqrt(in), 1/sqrt(in)) from {@code seed} (weight then bias, row-major; a
     * model file loaded afterwards overwrites it).
     */
    public Linear(Kernels kernels, Slab parameters, Slab gradients, String prefix, int in, int out, long seed) {
        if (kernels == null) {
            throw new IllegalArgumentException("kernels is null");
        }
        Layers.positive("in", in);
        Layers.positive("out", out);
        this.kernels = kernels instanceof CheckedKernels c ? c.inner() : kernels;   // shapes are checked here
        this.prefix = prefix;
        this.in = in;
        this.out = out;
        this.weight = Layers.tensor(parameters, prefix + "weight", out, in);
        this.bias = Layers.tensor(parameters, prefix + "bias", out);
        this.weightGrad = Layers.tensor(gradients, prefix + "weight", out, in);
        this.biasGrad = Layers.tensor(gradients, prefix + "bias", out);
        this.dyRow = new float[out];
        this.dbSum = new double[out];
        initialise(seed);
    }

    /** Redraws weight and bias ~ U(-1/sqrt(in), 1/sqrt(in)) from {@code seed}. */
    public void initialise(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double bound = 1 / Math.sqrt(in);
        for (Tensor t : new Tensor[] {weight, bias}) {
            for (long i = 0; i < t.size(); i++) {
                t.set(i, (float) ((random.nextDouble() * 2 - 1) * bound));
            }
        }
    }

    /**
     * y = x W^T + b.
     * @param y (N, out) out, written; must not overlap x
     * @param x (N, in)
     */
    public void forward(MemorySegment y, MemorySegment x, int rows) {
        Layers.alive(weight, "Linear", prefix, false);
        Layers.nonNegative("rows", rows);
        long nIn = (long) rows * in, nOut = (long) rows * out;
        Layers.require("x (N, in)", x, nIn);
        Layers.requireWritable("y (N, out)", y, nOut);
        Layers.disjoint("y (N, out)", y, nOut, "x (N, in)", x, nIn);
        MemorySegment b = bias.segment(), w = weight.segment();
        long rowBytes = (long) out * Float.BYTES;
        for (long r = 0; r < rows; r++) {
            MemorySegment.copy(b, 0, y, r * rowBytes, rowBytes);             // y_r = b
        }
        if (rows == 1) {
            kernels.sgemv(false, out, in, 1f, w, in, x, 1f, y);               // y += W x
        } else if (rows > 1) {
            kernels.sgemm(false, true, rows, out, in, 1f, x, in, w, in, 1f, y, out);   // y += x W^T
        }
    }

    /** {@link #forward(MemorySegment, MemorySegment, int)} over tensors: x (..., in), y (..., out) with the same rows. */
    public void forward(Tensor y, Tensor x) {
        Layers.notNull("y", y);
        Layers.notNull("x", x);
        forward(y.segment(), x.segment(), rows("x", x, in, "y", y, out));
    }

    /**
     * Backward of y = x W^T + b: dW += dy^T x, db += sum over rows of dy (added into the gradient
     * slab), and dx = dy W (written).
     * @param dx (N, in) out: dL/dx, written; null or {@link MemorySegment#NULL} when not needed.
     *           Must not overlap dy (it may overlap x, which is read first)
     * @param dy (N, out) dL/dy
     * @param x  (N, in) the input forward was given
     */
    public void backward(MemorySegment dx, MemorySegment dy, MemorySegment x, int rows) {
        Layers.alive(weight, "Linear", prefix, false);
        Layers.alive(weightGrad, "Linear", prefix, true);
        Layers.nonNegative("rows", rows);
        long nIn = (long) rows * in, nOut = (long) rows * out;
        Layers.require("dy (N, out)", dy, nOut);
        Layers.require("x (N, in)", x, nIn);
        boolean inputGradient = !Layers.absent(dx);
        if (inputGradient) {
            Layers.requireWritable("dx (N, in)", dx, nIn);
            Layers.disjoint("dx (N, in)", dx, nIn, "dy (N, out)", dy, nOut);
        }
        if (rows == 0) {
            return;
        }
        MemorySegment w = weight.segment();
        kernels.sgemm(true, false, out, in, rows, 1f, dy, out, x, in, 1f, weightGrad.segment(), in);   // dW += dy^T x
        java.util.Arrays.fill(dbSum, 0);
        for (long r = 0; r < rows; r++) {                                                               // db += colsum dy
            MemorySegment.copy(dy, F, r * out * Float.BYTES, dyRow, 0, out);
            for (int j = 0; j < out; j++) {
                dbSum[j] += dyRow[j];
            }
        }
        MemorySegment db = biasGrad.segment();
        for (int j = 0; j < out; j++) {
            db.setAtIndex(F, j, (float) (db.getAtIndex(F, j) + dbSum[j]));
        }
        if (inputGradient) {
            if (rows == 1) {
                kernels.sgemv(true, out, in, 1f, w, in, dy, 0f, dx);                                 // dx = W^T dy
            } else {
                kernels.sgemm(false, false, rows, in, out, 1f, dy, out, w, in, 0f, dx, in);          // dx = dy W
            }
        }
    }

    /** {@link #backward(MemorySegment, MemorySegment, MemorySegment, int)} over tensors; dx may be null. */
    public void backward(Tensor dx, Tensor dy, Tensor x) {
        Layers.notNull("dy", dy);
        Layers.notNull("x", x);
        int rows = rows("x", x, in, "dy", dy, out);
        if (dx != null && dx.size() != x.size()) {
            throw new IllegalArgumentException("dx must have x's " + x.size() + " elements, got " + dx.size());
        }
        backward(dx == null ? null : dx.segment(), dy.segment(), x.segment(), rows);
    }

    /** Rows of a (..., aDim) and b (..., bDim) tensor, which must agree. */
    private static int rows(String aName, Tensor a, int aDim, String bName, Tensor b, int bDim) {
        if (a.dim(a.rank() - 1) != aDim || b.dim(b.rank() - 1) != bDim || a.size() / aDim != b.size() / bDim) {
            throw new IllegalArgumentException(aName + " must be (N, " + aDim + ") and " + bName + " (N, " + bDim + ") with the same N, got "
                    + java.util.Arrays.toString(a.shape()) + " and " + java.util.Arrays.toString(b.shape()));
        }
        return Math.toIntExact(a.size() / aDim);
    }

    public int in() {
        return in;
    }

    public int out() {
        return out;
    }

    /** (out, in), a view into the parameter slab. */
    public Tensor weight() {
        return weight;
    }

    /** (out), a view into the parameter slab. */
    public Tensor bias() {
        return bias;
    }

    /** (out, in), a view into the gradient slab. */
    public Tensor weightGradient() {
        return weightGrad;
    }

    /** (out), a view into the gradient slab. */
    public Tensor biasGradient() {
        return biasGrad;
    }

    public String prefix() {
        return prefix;
    }

    @Override
    public String toString() {
        return "Linear(" + in + ", " + out + ") '" + prefix + "weight', '" + prefix + "bias'";
    }
}
