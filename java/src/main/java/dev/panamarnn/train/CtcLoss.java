package dev.panamarnn.train;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Connectionist temporal classification (Graves et al., 2006): the negative log-likelihood of a
 * label sequence l (length S, no blanks) summed over every alignment of it to the T_b steps of a
 * row, where an alignment emits one of C classes per step, and collapsing repeats then removing the
 * blank gives l. Computed in the log domain over the extended label l' = (blank, l_1, blank, ...,
 * l_S, blank) of length 2S + 1:
 * <pre>
 *   log y_t(c)   = log_softmax(logits_t)(c)
 *   alpha_t(s)   = logsumexp(alpha_{t-1}(s), alpha_{t-1}(s-1), [alpha_{t-1}(s-2) if l'_s != blank and l'_s != l'_{s-2}]) + log y_t(l'_s)
 *   beta_t(s)    = logsumexp(beta_{t+1}(s), beta_{t+1}(s+1), [beta_{t+1}(s+2) if l'_s != blank and l'_s != l'_{s+2}]) + log y_t(l'_s)
 *   log p(l | x) = logsumexp(alpha_{T-1}(2S), alpha_{T-1}(2S-1))
 *   dL/dlogits_t(c) = y_t(c) - sum_{s : l'_s = c} exp(alpha_t(s) + beta_t(s) - log y_t(l'_s) - log p)
 * </pre>
 * The reduction is PyTorch's default for {@code F.ctc_loss(log_softmax(logits), ...)}: each row's
 * loss divided by its label length (at least 1), averaged over the rows; the gradient is that of
 * the mean, with zeros at steps beyond a row's length. Sums and logarithms run in double.
 *
 * <p>Logits are time-major (T, B, C) float32, as a per-step head writes them. A row whose label
 * cannot be aligned to its steps (it needs S plus one step per adjacent repeat) is refused before
 * anything is computed. One instance keeps its scratch (grown to the largest row seen, then
 * reused): not thread-safe, and no allocation once warm.
 */
public final class CtcLoss {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;
    private static final double NEG_INF = Double.NEGATIVE_INFINITY;

    private final int classes;
    private final int blank;
    private double[] alpha = new double[0];      // (T_b, 2S+1) row-major, one row at a time
    private double[] beta = new double[0];
    private double[] logProbs = new double[0];   // (T_b, C) log_softmax of the row's logits
    private int[] extended = new int[0];         // (2S+1) l'
    private double[] logitsGradient = new double[0];   // (C) one step's gradient before scaling

    /** @param blank the blank's class index in [0, classes) */
    public CtcLoss(int classes, int blank) {
        if (classes < 2) {
            throw new IllegalArgumentException("CTC needs at least 2 classes (the blank and one label), got " + classes);
        }
        if (blank < 0 || blank >= classes) {
            throw new IllegalArgumentException("blank index must be in [0, " + classes + "), got " + blank);
        }
        this.classes = classes;
        this.blank = blank;
    }

    public int classes() {
        return classes;
    }

    public int blank() {
        return blank;
    }

    /**
     * The mean loss and its gradient.
     * @param logits    (T, B, C) float32, time-major
     * @param lengths   (B) each row's steps, in [1, T]
     * @param labels    (B) each row's label sequence: class ids in [0, C) other than the blank; may be empty
     * @param dLogits   (T, B, C) out: dL/dlogits, written everywhere (zeros at padded steps); or null for the loss only
     * @param rowLosses (B) out: each row's -log p(l | x) before the reduction, or null
     * @return the mean over rows of -log p(l_b | x_b) / max(1, S_b)
     */
    public double forwardBackward(MemorySegment logits, int steps, int batch, int[] lengths, int[][] labels,
                                  MemorySegment dLogits, double[] rowLosses) {
        check(logits, steps, batch, lengths, labels, dLogits, rowLosses);
        double total = 0;
        for (int b = 0; b < batch; b++) {
            double loss = row(logits, steps, batch, b, lengths[b], labels[b], dLogits, 1.0 / (batch * (double) Math.max(1, labels[b].length)));
            if (rowLosses != null) {
                rowLosses[b] = loss;
            }
            total += loss / Math.max(1, labels[b].length);
        }
        return total / batch;
    }

    /** The fewest steps that can emit {@code label}: its length plus one blank between each pair of equal neighbours. */
    public static int requiredSteps(int[] label) {
        int need = label.length;
        for (int i = 1; i < label.length; i++) {
            if (label[i] == label[i - 1]) {
                need++;
            }
        }
        return need;
    }

    /** One row: alpha, beta, its loss; its gradient scaled by {@code scale} when dLogits is given. */
    private double row(MemorySegment logits, int steps, int batch, int b, int length, int[] label, MemorySegment dLogits, double scale) {
        int c = classes, width = 2 * label.length + 1;
        ensureScratch(length, width);
        for (int s = 0; s < width; s++) {
            extended[s] = (s & 1) == 0 ? blank : label[s >> 1];
        }
        for (int t = 0; t < length; t++) {                                   // log y_t = log_softmax(logits_t)
            long at = ((long) t * batch + b) * c;
            double max = NEG_INF;
            for (int k = 0; k < c; k++) {
                max = Math.max(max, logits.getAtIndex(F, at + k));
            }
            double sum = 0;
            for (int k = 0; k < c; k++) {
                sum += Math.exp(logits.getAtIndex(F, at + k) - max);
            }
            double logZ = max + Math.log(sum);
            for (int k = 0; k < c; k++) {
                logProbs[t * c + k] = logits.getAtIndex(F, at + k) - logZ;
            }
        }
        forward(length, width);
        double logP = width == 1 ? alpha[(length - 1) * width]
                                 : logSumExp(alpha[(length - 1) * width + width - 1], alpha[(length - 1) * width + width - 2]);
        if (dLogits != null) {
            backward(length, width);
            gradient(dLogits, steps, batch, b, length, width, logP, scale);
        }
        return -logP;
    }

    private void forward(int length, int width) {
        int c = classes;
        for (int s = 0; s < width; s++) {
            alpha[s] = s < 2 ? logProbs[extended[s]] : NEG_INF;
        }
        for (int t = 1; t < length; t++) {
            int row = t * width, prev = row - width;
            for (int s = 0; s < width; s++) {
                double a = alpha[prev + s];
                if (s >= 1) {
                    a = logSumExp(a, alpha[prev + s - 1]);
                }
                if (s >= 2 && extended[s] != blank && extended[s] != extended[s - 2]) {
                    a = logSumExp(a, alpha[prev + s - 2]);
                }
                alpha[row + s] = a + logProbs[t * c + extended[s]];
            }
        }
    }

    private void backward(int length, int width) {
        int c = classes, last = (length - 1) * width;
        for (int s = 0; s < width; s++) {
            beta[last + s] = s >= width - 2 ? logProbs[(length - 1) * c + extended[s]] : NEG_INF;
        }
        for (int t = length - 2; t >= 0; t--) {
            int row = t * width, next = row + width;
            for (int s = 0; s < width; s++) {
                double v = beta[next + s];
                if (s + 1 < width) {
                    v = logSumExp(v, beta[next + s + 1]);
                }
                if (s + 2 < width && extended[s] != blank && extended[s] != extended[s + 2]) {
                    v = logSumExp(v, beta[next + s + 2]);
                }
                beta[row + s] = v + logProbs[t * c + extended[s]];
            }
        }
    }

    /** dL/dlogits_t(c) = scale * (y_t(c) - occupancy of c at t); zeros beyond the row's length. */
    private void gradient(MemorySegment dLogits, int steps, int batch, int b, int length, int width, double logP, double scale) {
        int c = classes;
        for (int t = 0; t < steps; t++) {
            long at = ((long) t * batch + b) * c;
            if (t >= length) {
                for (int k = 0; k < c; k++) {
                    dLogits.setAtIndex(F, at + k, 0f);
                }
                continue;
            }
            for (int k = 0; k < c; k++) {                                    // y_t(c), then minus the occupancies
                logitsGradient[k] = Math.exp(logProbs[t * c + k]);
            }
            for (int s = 0; s < width; s++) {
                int k = extended[s];
                double logOccupancy = alpha[t * width + s] + beta[t * width + s] - logProbs[t * c + k] - logP;
                if (logOccupancy > NEG_INF) {
                    logitsGradient[k] -= Math.exp(logOccupancy);
                }
            }
            for (int k = 0; k < c; k++) {
                dLogits.setAtIndex(F, at + k, (float) (scale * logitsGradient[k]));
            }
        }
    }

    private void ensureScratch(int length, int width) {
        long cells = (long) length * width;
        if (cells > Integer.MAX_VALUE - 8 || (long) length * classes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a row of " + length + " steps and a label of " + (width / 2) + " classes is too large for CTC");
        }
        if (alpha.length < cells) {
            alpha = new double[(int) cells];
            beta = new double[(int) cells];
        }
        if (logProbs.length < length * classes) {
            logProbs = new double[length * classes];
        }
        if (extended.length < width) {
            extended = new int[width];
        }
        if (logitsGradient.length < classes) {
            logitsGradient = new double[classes];
        }
    }

    private static double logSumExp(double a, double b) {
        if (a == NEG_INF) {
            return b;
        }
        if (b == NEG_INF) {
            return a;
        }
        double max = Math.max(a, b);
        return max + Math.log1p(Math.exp(-Math.abs(a - b)));
    }

    private void check(MemorySegment logits, int steps, int batch, int[] lengths, int[][] labels, MemorySegment dLogits, double[] rowLosses) {
        if (steps < 1 || batch < 1) {
            throw new IllegalArgumentException("CTC needs steps >= 1 and batch >= 1, got T=" + steps + ", B=" + batch);
        }
        long values = (long) steps * batch * classes;
        Segments.require("logits (T, B, C)", logits, values);
        if (dLogits != null) {
            Segments.requireWritable("dLogits (T, B, C)", dLogits, values);
        }
        if (lengths == null || lengths.length != batch || labels == null || labels.length != batch) {
            throw new IllegalArgumentException("CTC needs " + batch + " lengths and " + batch + " label sequences, got "
                    + (lengths == null ? "none" : lengths.length) + " and " + (labels == null ? "none" : labels.length));
        }
        if (rowLosses != null && rowLosses.length != batch) {
            throw new IllegalArgumentException("rowLosses must hold " + batch + " values, got " + rowLosses.length);
        }
        for (int b = 0; b < batch; b++) {
            if (lengths[b] < 1 || lengths[b] > steps) {
                throw new IllegalArgumentException("row " + b + " has length " + lengths[b] + ", expected 1.." + steps);
            }
            int[] label = labels[b];
            if (label == null) {
                throw new IllegalArgumentException("row " + b + " has no label sequence");
            }
            for (int i = 0; i < label.length; i++) {
                if (label[i] < 0 || label[i] >= classes || label[i] == blank) {
                    throw new IllegalArgumentException("row " + b + ", label " + i + " is " + label[i] + ", expected a class in [0, " + classes
                            + ") other than the blank " + blank);
                }
            }
            int need = requiredSteps(label);
            if (need > lengths[b]) {
                throw new IllegalArgumentException("row " + b + "'s label of " + label.length + " classes needs at least " + need
                        + " steps, the row has " + lengths[b]);
            }
        }
    }
}
