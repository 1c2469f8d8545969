package dev.panamarnn.train;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Mean squared error between predictions and targets of D features for N rows, with a mask for
 * padded rows — the mean over the features of the unmasked rows:
 * <pre>
 *   loss          = (1 / (D sum_n mask_n)) sum_n mask_n sum_d (prediction_nd - target_nd)^2
 *   dprediction_n = 2 mask_n (prediction_n - target_n) / (D sum_n mask_n)
 * </pre>
 * PyTorch's {@code F.mse_loss(prediction, target, reduction='mean')} when the mask is all ones.
 * A "row count" instead of a mask: pass the number of leading rows as {@code rows} and no mask.
 * Plain Java (one pass, sums in double); stateless, thread-safe, allocates nothing. Masked rows
 * are not read (NaN there is fine) and get a zero gradient. When every row is masked the loss and
 * the gradient are 0.
 */
public final class MeanSquaredError {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;

    private MeanSquaredError() {}

    /**
     * Mean loss over the unmasked rows and its gradient.
     * @param dprediction (N, D) out: dL/dprediction, written; may be {@code prediction} or {@code target} itself
     * @param prediction  (N, D) in
     * @param target      (N, D) in
     * @param mask        (N) floats, 0 for padded rows; null or {@link MemorySegment#NULL}: all rows
     */
    public static double forwardBackward(MemorySegment dprediction, MemorySegment prediction, MemorySegment target,
                                         MemorySegment mask, int rows, int dim) {
        if (Segments.absent(dprediction)) {
            throw new IllegalArgumentException("dprediction (N, D) is null");
        }
        return run(dprediction, prediction, target, mask, rows, dim);
    }

    /** The mean loss only. */
    public static double forward(MemorySegment prediction, MemorySegment target, MemorySegment mask, int rows, int dim) {
        return run(MemorySegment.NULL, prediction, target, mask, rows, dim);
    }

    private static double run(MemorySegment dprediction, MemorySegment prediction, MemorySegment target,
                              MemorySegment mask, int rows, int dim) {
        Segments.nonNegative("rows", rows);
        Segments.positive("dim", dim);
        long nd = (long) rows * dim;
        boolean gradient = !Segments.absent(dprediction);
        if (gradient) {
            Segments.requireWritable("dprediction (N, D)", dprediction, nd);
        }
        Segments.require("prediction (N, D)", prediction, nd);
        Segments.require("target (N, D)", target, nd);
        if (gradient) {
            Segments.sameOrDisjoint("dprediction (N, D)", dprediction, "prediction (N, D)", prediction, nd);
            Segments.sameOrDisjoint("dprediction (N, D)", dprediction, "target (N, D)", target, nd);
        }
        boolean masked = !Segments.absent(mask);
        double count = rows;
        if (masked) {
            Segments.require("mask (N)", mask, rows);
            count = 0;
            for (long n = 0; n < rows; n++) {
                float w = mask.getAtIndex(F, n);
                if (!(w >= 0 && w < Float.POSITIVE_INFINITY)) {
                    throw new IllegalArgumentException("mask[" + n + "] must be finite and >= 0, got " + w);
                }
                count += w;
            }
        }
        double divisor = count * dim;                // D sum_n mask_n
        double sum = 0;                              // sum_n mask_n sum_d (p - t)^2
        for (long n = 0; n < rows; n++) {
            float w = masked ? mask.getAtIndex(F, n) : 1f;
            long row = n * dim;
            if (w == 0) {
                for (long d = 0; gradient && d < dim; d++) {
                    dprediction.setAtIndex(F, row + d, 0f);
                }
                continue;
            }
            double rowSum = 0;
            double g = 2.0 * w / divisor;            // dL/dp = 2 w (p - t) / (D count)
            for (long d = 0; d < dim; d++) {
                double diff = (double) prediction.getAtIndex(F, row + d) - target.getAtIndex(F, row + d);
                rowSum += diff * diff;
                if (gradient) {
                    dprediction.setAtIndex(F, row + d, (float) (g * diff));
                }
            }
            sum += w * rowSum;
        }
        return divisor > 0 ? sum / divisor : 0;
    }
}
