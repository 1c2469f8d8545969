package dev.panamarnn.internal.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The CTC loss and its gradient in plain Java: the specification of rnnk_ctc_forward_backward
 * (native/src/ctc.c), the same loops in the same order, in double. For each row: log y_t =
 * log_softmax(logits_t); the forward variables alpha and backward variables beta over the extended
 * label l' = (blank, l_1, blank, ..., l_S, blank); loss = -log p(l | x); and the gradient
 * rowScale * (y_t(c) - sum_{s : l'_s = c} exp(alpha_t(s) + beta_t(s) - log y_t(l'_s) - log p)),
 * zero at padded steps. Unchecked (see Kernels#ctcForwardBackward).
 */
final class JavaCtc {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;
    private static final ValueLayout.OfDouble D = ValueLayout.JAVA_DOUBLE;
    private static final ValueLayout.OfInt I = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong L = ValueLayout.JAVA_LONG;
    private static final double NEG_INF = Double.NEGATIVE_INFINITY;

    private JavaCtc() {}

    static double forwardBackward(MemorySegment dlogits, MemorySegment rowLosses, MemorySegment logits, MemorySegment lengths,
                                  MemorySegment labels, MemorySegment labelOffsets, MemorySegment rowScale, MemorySegment scratch,
                                  int steps, int batch, int classes, int blank) {
        double total = 0;
        for (int b = 0; b < batch; b++) {
            long from = labelOffsets.getAtIndex(L, b);
            int labelCount = (int) (labelOffsets.getAtIndex(L, b + 1) - from);
            float scale = rowScale.getAtIndex(F, b);
            double loss = row(dlogits, logits, labels, from, labelCount, lengths.getAtIndex(I, b), scale, scratch, steps, batch, classes, b, blank);
            if (!isNull(rowLosses)) {
                rowLosses.setAtIndex(D, b, loss);
            }
            total += scale * loss;
        }
        return total;
    }

    /** l'_s: the blank at even s, label s/2 at odd s. */
    private static int extended(MemorySegment labels, long from, int s, int blank) {
        return (s & 1) != 0 ? labels.getAtIndex(I, from + (s >> 1)) : blank;
    }

    private static double row(MemorySegment dlogits, MemorySegment logits, MemorySegment labels, long from, int labelCount, int length,
                              float scale, MemorySegment scratch, int steps, int batch, int classes, int b, int blank) {
        int width = 2 * labelCount + 1;
        long alpha = 0, beta = (long) length * width, logp = 2L * length * width, grad = logp + (long) length * classes;
        for (int t = 0; t < length; t++) {                                   // log y_t = x_t - max - log sum e^{x_t - max}
            long x = ((long) t * batch + b) * classes;
            double max = NEG_INF, sum = 0;
            for (int k = 0; k < classes; k++) {
                float v = logits.getAtIndex(F, x + k);
                max = v > max ? v : max;
            }
            for (int k = 0; k < classes; k++) {
                sum += Math.exp(logits.getAtIndex(F, x + k) - max);
            }
            double logZ = max + Math.log(sum);
            for (int k = 0; k < classes; k++) {
                scratch.setAtIndex(D, logp + (long) t * classes + k, logits.getAtIndex(F, x + k) - logZ);
            }
        }
        for (int s = 0; s < width; s++) {                                    // alpha_0: the blank or l_1
            scratch.setAtIndex(D, alpha + s, s < 2 ? scratch.getAtIndex(D, logp + extended(labels, from, s, blank)) : NEG_INF);
        }
        for (int t = 1; t < length; t++) {
            long prev = alpha + (long) (t - 1) * width, cur = alpha + (long) t * width;
            for (int s = 0; s < width; s++) {
                int c = extended(labels, from, s, blank);
                double a = scratch.getAtIndex(D, prev + s);
                if (s >= 1) {
                    a = logAdd(a, scratch.getAtIndex(D, prev + s - 1));
                }
                if (s >= 2 && c != blank && c != extended(labels, from, s - 2, blank)) {
                    a = logAdd(a, scratch.getAtIndex(D, prev + s - 2));
                }
                scratch.setAtIndex(D, cur + s, a + scratch.getAtIndex(D, logp + (long) t * classes + c));
            }
        }
        long last = alpha + (long) (length - 1) * width;
        double logP = width == 1 ? scratch.getAtIndex(D, last)
                                 : logAdd(scratch.getAtIndex(D, last + width - 1), scratch.getAtIndex(D, last + width - 2));
        if (isNull(dlogits)) {
            return -logP;
        }
        long end = beta + (long) (length - 1) * width;                       // beta_{T-1}: l_S or the blank
        for (int s = 0; s < width; s++) {
            scratch.setAtIndex(D, end + s, s >= width - 2
                    ? scratch.getAtIndex(D, logp + (long) (length - 1) * classes + extended(labels, from, s, blank)) : NEG_INF);
        }
        for (int t = length - 2; t >= 0; t--) {
            long next = beta + (long) (t + 1) * width, cur = beta + (long) t * width;
            for (int s = 0; s < width; s++) {
                int c = extended(labels, from, s, blank);
                double v = scratch.getAtIndex(D, next + s);
                if (s + 1 < width) {
                    v = logAdd(v, scratch.getAtIndex(D, next + s + 1));
                }
                if (s + 2 < width && c != blank && c != extended(labels, from, s + 2, blank)) {
                    v = logAdd(v, scratch.getAtIndex(D, next + s + 2));
                }
                scratch.setAtIndex(D, cur + s, v + scratch.getAtIndex(D, logp + (long) t * classes + c));
            }
        }
        for (int t = 0; t < steps; t++) {
            long d = ((long) t * batch + b) * classes;
            if (t >= length) {
                for (int k = 0; k < classes; k++) {
                    dlogits.setAtIndex(F, d + k, 0f);
                }
                continue;
            }
            for (int k = 0; k < classes; k++) {                             // y_t(c), minus the occupancies
                scratch.setAtIndex(D, grad + k, Math.exp(scratch.getAtIndex(D, logp + (long) t * classes + k)));
            }
            for (int s = 0; s < width; s++) {
                int c = extended(labels, from, s, blank);
                double occupancy = scratch.getAtIndex(D, alpha + (long) t * width + s) + scratch.getAtIndex(D, beta + (long) t * width + s)
                        - scratch.getAtIndex(D, logp + (long) t * classes + c) - logP;
                if (occupancy > NEG_INF) {
                    scratch.setAtIndex(D, grad + c, scratch.getAtIndex(D, grad + c) - Math.exp(occupancy));
                }
            }
            for (int k = 0; k < classes; k++) {
                dlogits.setAtIndex(F, d + k, (float) (scale * scratch.getAtIndex(D, grad + k)));
            }
        }
        return -logP;
    }

    private static double logAdd(double a, double b) {
        if (a == NEG_INF) {
            return b;
        }
        if (b == NEG_INF) {
            return a;
        }
        double m = a > b ? a : b;
        return m + Math.log1p(Math.exp(-Math.abs(a - b)));
    }

    private static boolean isNull(MemorySegment s) {
        return s == null || s.equals(MemorySegment.NULL);
    }
}
