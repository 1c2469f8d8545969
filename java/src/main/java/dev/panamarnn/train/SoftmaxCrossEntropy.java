package dev.panamarnn.train;

import dev.panamarnn.kernels.Kernels;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Softmax cross-entropy over a vocabulary of V classes for N rows (e.g. the T*B steps of a batch),
 * with a mask for padded rows — the mean over the unmasked rows:
 * <pre>
 *   loss      = (1 / sum_n mask_n) sum_n mask_n * (-log softmax(logits_n)[targets_n])
 *   dlogits_n = mask_n * (softmax(logits_n) - onehot(targets_n)) / sum_n mask_n
 * </pre>
 * PyTorch's {@code F.cross_entropy(logits, targets, reduction='mean')} when the mask is all ones,
 * with {@code ignore_index} when it is 0/1 (and its per-row weighted mean for other weights).
 * Forward and backward are one fused pass over each row
 * ({@link Kernels#softmaxCrossEntropyForwardBackward}: librnnk natively), numerically stable for
 * any finite logits. A "row count" instead of a mask: pass the number of leading rows to use as
 * {@code rows} and no mask; rows after them are not touched.
 *
 * <p>Stateless and thread-safe; nothing is allocated. Every target of an unmasked row must be in
 * [0, V), every mask value finite and >= 0, or the call throws before writing anything. When every
 * row is masked the loss and the gradient are 0 (PyTorch would give NaN).
 */
public final class SoftmaxCrossEntropy {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;
    private static final ValueLayout.OfInt I = ValueLayout.JAVA_INT;

    private SoftmaxCrossEntropy() {}

    /**
     * Mean loss over the unmasked rows, and its gradient.
     * @param dlogits (N, V) out: dL/dlogits, written (masked rows: 0); may be {@code logits} itself
     * @param logits  (N, V) in
     * @param targets (N) int32 class ids (native byte order); not read for masked rows
     * @param mask    (N) floats, 0 for padded rows, 1 otherwise; null or {@link MemorySegment#NULL}: all rows
     * @return the mean loss (nats)
     */
    public static double forwardBackward(Kernels kernels, MemorySegment dlogits, MemorySegment logits,
                                         MemorySegment targets, MemorySegment mask, int rows, int vocab) {
        return forwardBackward(kernels, dlogits, MemorySegment.NULL, logits, targets, mask, rows, vocab);
    }

    /**
     * The same, also writing each row's loss.
     * @param rowLosses (N) out: -log softmax(logits_n)[targets_n] (0 for masked rows), or null
     */
    public static double forwardBackward(Kernels kernels, MemorySegment dlogits, MemorySegment rowLosses,
                                         MemorySegment logits, MemorySegment targets, MemorySegment mask,
                                         int rows, int vocab) {
        if (Segments.absent(dlogits)) {
            throw new IllegalArgumentException("dlogits (N, V) is null");
        }
        return run(kernels, dlogits, rowLosses, logits, targets, mask, rows, vocab);
    }

    /** The mean loss only (evaluation): the logits are not modified and no gradient is written. */
    public static double forward(Kernels kernels, MemorySegment logits, MemorySegment targets, MemorySegment mask,
                                 int rows, int vocab) {
        return run(kernels, MemorySegment.NULL, MemorySegment.NULL, logits, targets, mask, rows, vocab);
    }

    /** The mean loss only, also writing each row's loss into {@code rowLosses} (N). */
    public static double forward(Kernels kernels, MemorySegment rowLosses, MemorySegment logits, MemorySegment targets,
                                 MemorySegment mask, int rows, int vocab) {
        return run(kernels, MemorySegment.NULL, rowLosses, logits, targets, mask, rows, vocab);
    }

    private static double run(Kernels kernels, MemorySegment dlogits, MemorySegment rowLosses, MemorySegment logits,
                              MemorySegment targets, MemorySegment mask, int rows, int vocab) {
        Kernels k = Segments.unchecked(kernels);
        Segments.nonNegative("rows", rows);
        Segments.positive("vocab", vocab);
        long nv = (long) rows * vocab;
        if (!Segments.absent(dlogits)) {
            Segments.requireWritable("dlogits (N, V)", dlogits, nv);
        }
        Segments.require("logits (N, V)", logits, nv);
        Segments.require("targets (N)", targets, rows);
        if (!Segments.absent(dlogits)) {
            Segments.sameOrDisjoint("dlogits (N, V)", dlogits, "logits (N, V)", logits, nv);
        }
        if (Segments.absent(rowLosses)) {
            rowLosses = MemorySegment.NULL;
        } else {
            Segments.requireWritable("rowLosses (N)", rowLosses, rows);
        }
        if (Segments.absent(mask)) {
            mask = MemorySegment.NULL;
        } else {
            Segments.require("mask (N)", mask, rows);
        }
        double count = 0;   // sum of the mask: the mean's divisor
        for (long n = 0; n < rows; n++) {
            float w = mask == MemorySegment.NULL ? 1f : mask.getAtIndex(F, n);
            if (!(w >= 0 && w < Float.POSITIVE_INFINITY)) {
                throw new IllegalArgumentException("mask[" + n + "] must be finite and >= 0, got " + w);
            }
            int t = targets.getAtIndex(I, n);
            if (w != 0 && (t < 0 || t >= vocab)) {
                throw new IllegalArgumentException("targets[" + n + "] must be a class id in [0, " + vocab + "), got " + t);
            }
            count += w;
        }
        float scale = count > 0 ? (float) (1 / count) : 0f;
        double sum = k.softmaxCrossEntropyForwardBackward(dlogits, rowLosses, logits, targets, mask, scale, rows, vocab);
        return count > 0 ? sum / count : 0;
    }
}
