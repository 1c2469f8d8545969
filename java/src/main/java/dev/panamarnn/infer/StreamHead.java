package dev.panamarnn.infer;

import dev.panamarnn.cell.Products;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.model.Head;
import dev.panamarnn.tensor.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * The head of an {@link InferenceModel} built from a whole model: the top layer's h_t (H floats)
 * to the model's outputs (logits or regression values), as the model's {@code Head} does —
 * {@code nn.Linear(H, outputs)}, or {@code nn.Linear(H, K), nn.ReLU(), nn.Linear(K, outputs)}:
 * <pre>
 *   y (B, outputs) = x (B, H) W^T + b                                    one Linear
 *   a (B, K) = relu(x W0^T + b0);  y (B, outputs) = a W2^T + b2          with a hidden layer
 *   y = y * targetStd + targetMean  per output                           a regressor with target normalisation
 * </pre>
 * Each Linear copies its bias into the rows and then adds one GEMV (one row: a single stream) or
 * one GEMM (a batch), exactly the order of operations of the training Linear. The weights are views
 * of the model's immutable slab, as are the target normalisation's mean and std ({@link Head#denormalise},
 * the model's own arithmetic); the caller owns y and the scratch a, so nothing is allocated.
 */
final class StreamHead {
    /** H: what the head reads. */
    final int in;
    /** K: the hidden layer's width, 0 for one Linear. */
    final int hidden;
    final int outputs;
    private final Kernels kernels;
    private final MemorySegment firstWeight;    // (K, H) with a hidden layer, else (outputs, H)
    private final MemorySegment firstBias;      // (K) or (outputs)
    private final MemorySegment secondWeight;   // (outputs, K), or null
    private final MemorySegment secondBias;     // (outputs), or null
    private final MemorySegment targetMean;     // (outputs), or null: no target normalisation
    private final MemorySegment targetStd;      // (outputs), or null

    StreamHead(Kernels kernels, int in, int hidden, int outputs, MemorySegment firstWeight, MemorySegment firstBias,
               MemorySegment secondWeight, MemorySegment secondBias, MemorySegment targetMean, MemorySegment targetStd) {
        this.kernels = kernels;
        this.in = in;
        this.hidden = hidden;
        this.outputs = outputs;
        this.firstWeight = firstWeight;
        this.firstBias = firstBias;
        this.secondWeight = secondWeight;
        this.secondBias = secondBias;
        this.targetMean = targetMean;
        this.targetStd = targetStd;
    }

    /** True when the outputs are denormalised into the targets' units. */
    boolean denormalises() {
        return targetMean != null;
    }

    /**
     * y = head(x) for {@code rows} rows.
     * @param y       (B, outputs) out, row stride outputs
     * @param scratch (B, K) the hidden activations; unused (may be null) without a hidden layer
     * @param x       (B, H) in, row stride {@code ldx} (a stream's h_{L-1}, or the top window of a batch's V)
     */
    void forward(MemorySegment y, MemorySegment scratch, MemorySegment x, int ldx, int rows) {
        if (secondWeight == null) {
            linear(y, x, ldx, firstWeight, firstBias, in, outputs, rows);
        } else {
            linear(scratch, x, ldx, firstWeight, firstBias, in, hidden, rows);
            long n = (long) rows * hidden;
            for (long i = 0; i < n; i++) {                               // ReLU in place (NaN -> 0, as Head)
                if (!(scratch.getAtIndex(Tensor.FLOAT, i) > 0)) {
                    scratch.setAtIndex(Tensor.FLOAT, i, 0f);
                }
            }
            linear(y, scratch, hidden, secondWeight, secondBias, hidden, outputs, rows);
        }
        if (targetMean != null) {
            Head.denormalise(y, y, targetMean, targetStd, rows, outputs);  // y = z * targetStd + targetMean, in place
        }
    }

    /** y (B, out) = b in every row, then += x (B, in; row stride ldx) W^T with W (out, in). */
    private void linear(MemorySegment y, MemorySegment x, int ldx, MemorySegment w, MemorySegment b, int inWidth, int out, int rows) {
        long rowBytes = (long) out * Float.BYTES;
        for (long r = 0; r < rows; r++) {
            MemorySegment.copy(b, 0, y, r * rowBytes, rowBytes);
        }
        Products.timesTransposed(kernels, rows, out, inWidth, x, ldx, w, inWidth, null, 1f, y);   // y += X W^T
    }
}
