package dev.panamarnn.train;

import dev.panamarnn.internal.memory.OffHeap;
import dev.panamarnn.kernels.KernelSelection;
import dev.panamarnn.kernels.Kernels;
import java.lang.foreign.Arena;
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
 * the mean, with zeros at steps beyond a row's length. Sums and logarithms run in double, in the
 * kernels' {@link Kernels#ctcForwardBackward} (librnnk natively, {@code JavaCtc} in pure Java).
 *
 * <p>Logits are time-major (T, B, C) float32, as a per-step head writes them. A row whose label
 * cannot be aligned to its steps (it needs S plus one step per adjacent repeat) is refused before
 * anything is computed. One instance keeps its off-heap buffers (grown to the largest batch seen,
 * then reused): not thread-safe, no allocation once warm, and closed when done.
 */
public final class CtcLoss implements AutoCloseable {
    private static final ValueLayout.OfInt I = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong L = ValueLayout.JAVA_LONG;
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;
    private static final ValueLayout.OfDouble D = ValueLayout.JAVA_DOUBLE;

    private final Kernels kernels;
    private final int classes;
    private final int blank;
    private Arena arena = Arena.ofShared();
    private int batchCapacity = -1;          // rows the buffers hold
    private long labelCapacity = -1;         // label ids
    private long scratchCapacity = -1;       // doubles
    private MemorySegment lengthsBuffer;     // (B) int32
    private MemorySegment labelsBuffer;      // (sum S_b) int32
    private MemorySegment offsetsBuffer;     // (B + 1) int64
    private MemorySegment scaleBuffer;       // (B) float: 1 / (B max(1, S_b))
    private MemorySegment lossesBuffer;      // (B) double
    private MemorySegment scratch;           // doubles for the largest row

    /** On the JVM's selected kernels. */
    public CtcLoss(int classes, int blank) {
        this(KernelSelection.selected(), classes, blank);
    }

    /** @param blank the blank's class index in [0, classes) */
    public CtcLoss(Kernels kernels, int classes, int blank) {
        if (kernels == null) {
            throw new IllegalArgumentException("kernels are required");
        }
        if (classes < 2) {
            throw new IllegalArgumentException("CTC needs at least 2 classes (the blank and one label), got " + classes);
        }
        if (blank < 0 || blank >= classes) {
            throw new IllegalArgumentException("blank index must be in [0, " + classes + "), got " + blank);
        }
        this.kernels = Segments.unchecked(kernels);
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
     * @param logits    (T, B, C) float32, time-major, off-heap
     * @param lengths   (B) each row's steps, in [1, T]
     * @param labels    (B) each row's label sequence: class ids in [0, C) other than the blank; may be empty
     * @param dLogits   (T, B, C) out: dL/dlogits, written everywhere (zeros at padded steps); or null for the loss only
     * @param rowLosses (B) out: each row's -log p(l | x) before the reduction, or null
     * @return the mean over rows of -log p(l_b | x_b) / max(1, S_b)
     */
    public double forwardBackward(MemorySegment logits, int steps, int batch, int[] lengths, int[][] labels,
                                  MemorySegment dLogits, double[] rowLosses) {
        if (!arena.scope().isAlive()) {
            throw new IllegalStateException("this CtcLoss is closed");
        }
        long need = check(logits, steps, batch, lengths, labels, dLogits, rowLosses);
        long labelCount = 0;
        for (int[] label : labels) {
            labelCount += label.length;
        }
        ensureCapacity(batch, labelCount, need);
        long at = 0;
        for (int b = 0; b < batch; b++) {
            lengthsBuffer.setAtIndex(I, b, lengths[b]);
            offsetsBuffer.setAtIndex(L, b, at);
            for (int id : labels[b]) {
                labelsBuffer.setAtIndex(I, at++, id);
            }
            scaleBuffer.setAtIndex(F, b, (float) (1.0 / ((double) batch * Math.max(1, labels[b].length))));
        }
        offsetsBuffer.setAtIndex(L, batch, at);
        kernels.ctcForwardBackward(dLogits == null ? MemorySegment.NULL : dLogits, lossesBuffer, logits, lengthsBuffer,
                labelsBuffer, offsetsBuffer, scaleBuffer, scratch, steps, batch, classes, blank);
        double total = 0;                          // the mean in double (the kernel's float row scales are the gradient's)
        for (int b = 0; b < batch; b++) {
            double loss = lossesBuffer.getAtIndex(D, b);
            total += loss / Math.max(1, labels[b].length);
            if (rowLosses != null) {
                rowLosses[b] = loss;
            }
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

    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }

    /** Grows the buffers (a new arena, the old one closed) when a batch needs more than they hold. */
    private void ensureCapacity(int batch, long labelCount, long scratchDoubles) {
        if (batch <= batchCapacity && labelCount <= labelCapacity && scratchDoubles <= scratchCapacity) {
            return;
        }
        int rows = Math.max(batch, batchCapacity);
        long ids = Math.max(Math.max(labelCount, labelCapacity), 1);
        long doubles = Math.max(scratchDoubles, scratchCapacity);
        Arena next = Arena.ofShared();
        try {
            String what = "CTC buffers (B=" + rows + ", " + ids + " labels)";
            lengthsBuffer = OffHeap.allocate(next, (long) rows * Integer.BYTES, 8, what, "B");
            labelsBuffer = OffHeap.allocate(next, ids * Integer.BYTES, 8, what, "the labels");
            offsetsBuffer = OffHeap.allocate(next, (rows + 1L) * Long.BYTES, 8, what, "B");
            scaleBuffer = OffHeap.allocate(next, (long) rows * Float.BYTES, 8, what, "B");
            lossesBuffer = OffHeap.allocate(next, (long) rows * Double.BYTES, 8, what, "B");
            scratch = OffHeap.allocate(next, Math.multiplyExact(doubles, Double.BYTES), 8, "CTC scratch (" + doubles + " doubles)",
                    "the steps or labels per row");
        } catch (RuntimeException | Error e) {
            next.close();
            throw e;
        }
        arena.close();
        arena = next;
        batchCapacity = rows;
        labelCapacity = ids;
        scratchCapacity = doubles;
    }

    /** The checks before anything is computed; returns the scratch doubles the largest row needs. */
    private long check(MemorySegment logits, int steps, int batch, int[] lengths, int[][] labels, MemorySegment dLogits, double[] rowLosses) {
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
        long need = 0;
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
            int required = requiredSteps(label);
            if (required > lengths[b]) {
                throw new IllegalArgumentException("row " + b + "'s label of " + label.length + " classes needs at least " + required
                        + " steps, the row has " + lengths[b]);
            }
            need = Math.max(need, Kernels.ctcScratch(lengths[b], label.length, classes));
        }
        return need;
    }
}
