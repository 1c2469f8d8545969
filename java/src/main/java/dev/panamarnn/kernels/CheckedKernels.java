package dev.panamarnn.kernels;

import dev.panamarnn.internal.kernels.Int8Packing;
import dev.panamarnn.internal.kernels.Int8Rows;
import dev.panamarnn.internal.kernels.SegmentChecks;
import java.lang.foreign.MemorySegment;

/**
 * The validating front door over any {@link Kernels}: every size, stride and segment is checked
 * before the call, so no user-supplied value reaches native code unchecked. A problem is an
 * {@link IllegalArgumentException} naming the argument, what was expected and what was given (a
 * size whose byte count would overflow a long is refused, never wrapped; an output buffer must not
 * be read-only, since a native write into a read-only mapping kills the JVM); a closed segment is an
 * {@link IllegalStateException}.
 */
public final class CheckedKernels implements Kernels {
    private final Kernels inner;

    public CheckedKernels(Kernels inner) {
        this.inner = inner;
    }

    /** The unchecked implementation this wraps. */
    public Kernels inner() {
        return inner;
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public boolean fastSmallProduct(int m, int n, int k) {
        return inner.fastSmallProduct(m, n, k);
    }

    @Override
    public void sgemm(boolean transA, boolean transB, int m, int n, int k,
                      float alpha, MemorySegment a, int lda, MemorySegment b, int ldb,
                      float beta, MemorySegment c, int ldc) {
        nonNegative("m", m);
        nonNegative("n", n);
        nonNegative("k", k);
        matrix("A", a, transA ? k : m, transA ? m : k, lda);
        matrix("B", b, transB ? n : k, transB ? k : n, ldb);
        matrix("C", c, m, n, ldc);
        SegmentChecks.writable("C", c);
        inner.sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }

    @Override
    public boolean fastPackedProduct(int m, int n, int k) {
        return inner.fastPackedProduct(m, n, k);
    }

    @Override
    public void packWeights(MemorySegment packed, MemorySegment w, int ldw, int n, int k) {
        nonNegative("n", n);
        nonNegative("k", k);
        matrix("W", w, n, k, ldw);
        output("packed", packed, Kernels.packedFloats(n, k));
        inner.packWeights(packed, w, ldw, n, k);
    }

    @Override
    public void packWeightsTransposed(MemorySegment packed, MemorySegment wT, int ldw, int n, int k) {
        nonNegative("n", n);
        nonNegative("k", k);
        matrix("W^T", wT, k, n, ldw);
        output("packed", packed, Kernels.packedFloats(n, k));
        inner.packWeightsTransposed(packed, wT, ldw, n, k);
    }

    @Override
    public void sgemmPacked(int m, int n, int k, MemorySegment x, int ldx, MemorySegment packed, float beta,
                            MemorySegment y, int ldy) {
        nonNegative("m", m);
        nonNegative("n", n);
        nonNegative("k", k);
        matrix("X", x, m, k, ldx);
        vector("packed", packed, Kernels.packedFloats(n, k));
        matrix("Y", y, m, n, ldy);
        SegmentChecks.writable("Y", y);
        inner.sgemmPacked(m, n, k, x, ldx, packed, beta, y, ldy);
    }

    @Override
    public boolean fastPackedVector(int n, int k) {
        return inner.fastPackedVector(n, k);
    }

    @Override
    public void sgemvPacked(int n, int k, MemorySegment x, MemorySegment packed, float beta, MemorySegment y) {
        nonNegative("n", n);
        nonNegative("k", k);
        vector("x", x, k);
        vector("packed", packed, Kernels.packedFloats(n, k));
        output("y", y, n);
        inner.sgemvPacked(n, k, x, packed, beta, y);
    }

    @Override
    public void sgemmAtB(int m, int n, int k, MemorySegment a, int lda, MemorySegment b, int ldb, MemorySegment scratch,
                         MemorySegment c, int ldc) {
        nonNegative("m", m);
        nonNegative("n", n);
        nonNegative("k", k);
        matrix("A", a, k, m, lda);
        matrix("B", b, k, n, ldb);
        matrix("C", c, m, n, ldc);
        SegmentChecks.writable("C", c);
        long scratchFloats = inner.atbScratchFloats(n);
        if (scratchFloats > 0) {
            output("scratch", scratch, scratchFloats);
        }
        inner.sgemmAtB(m, n, k, a, lda, b, ldb, scratch, c, ldc);
    }

    @Override
    public long atbScratchFloats(int n) {
        return inner.atbScratchFloats(n);
    }

    @Override
    public boolean fastAtBProduct(int m, int n, int k) {
        return inner.fastAtBProduct(m, n, k);
    }

    @Override
    public void sgemv(boolean transA, int m, int n, float alpha, MemorySegment a, int lda,
                      MemorySegment x, float beta, MemorySegment y) {
        nonNegative("m", m);
        nonNegative("n", n);
        matrix("A", a, m, n, lda);
        vector("x", x, transA ? m : n);
        output("y", y, transA ? n : m);
        inner.sgemv(transA, m, n, alpha, a, lda, x, beta, y);
    }

    @Override
    public void saxpy(int n, float alpha, MemorySegment x, MemorySegment y) {
        nonNegative("n", n);
        vector("x", x, n);
        output("y", y, n);
        inner.saxpy(n, alpha, x, y);
    }

    @Override
    public void sscal(int n, float alpha, MemorySegment x) {
        nonNegative("n", n);
        output("x", x, n);
        inner.sscal(n, alpha, x);
    }

    @Override
    public float sdot(int n, MemorySegment x, MemorySegment y) {
        nonNegative("n", n);
        vector("x", x, n);
        vector("y", y, n);
        return inner.sdot(n, x, y);
    }

    @Override
    public float snrm2(int n, MemorySegment x) {
        nonNegative("n", n);
        vector("x", x, n);
        return inner.snrm2(n, x);
    }

    @Override
    public void lstmForwardStep(MemorySegment h, MemorySegment c, MemorySegment gates, MemorySegment bias,
                                MemorySegment cPrev, int batch, int hidden) {
        nonNegative("batch", batch);
        nonNegative("hidden", hidden);
        long bh = (long) batch * hidden;
        output("h (B, H)", h, bh);
        output("c (B, H)", c, bh);
        output("gates (B, 4H)", gates, 4 * bh);
        vector("bias (4H)", bias, 4L * hidden);
        vector("cPrev (B, H)", cPrev, bh);
        inner.lstmForwardStep(h, c, gates, bias, cPrev, batch, hidden);
    }

    @Override
    public void lstmBackwardStep(MemorySegment dgates, MemorySegment dc, MemorySegment dh,
                                 MemorySegment gates, MemorySegment cPrev, MemorySegment c,
                                 int batch, int hidden) {
        nonNegative("batch", batch);
        nonNegative("hidden", hidden);
        long bh = (long) batch * hidden;
        output("dgates (B, 4H)", dgates, 4 * bh);
        output("dc (B, H)", dc, bh);
        vector("dh (B, H)", dh, bh);
        vector("gates (B, 4H)", gates, 4 * bh);
        vector("cPrev (B, H)", cPrev, bh);
        vector("c (B, H)", c, bh);
        inner.lstmBackwardStep(dgates, dc, dh, gates, cPrev, c, batch, hidden);
    }

    @Override
    public void gruForwardStep(MemorySegment h, MemorySegment xg, MemorySegment hg, MemorySegment bIh,
                               MemorySegment bHh, MemorySegment hPrev, int batch, int hidden) {
        nonNegative("batch", batch);
        nonNegative("hidden", hidden);
        long bh = (long) batch * hidden;
        output("h (B, H)", h, bh);
        output("xg (B, 3H)", xg, 3 * bh);
        output("hg (B, 3H)", hg, 3 * bh);
        vector("bIh (3H)", bIh, 3L * hidden);
        vector("bHh (3H)", bHh, 3L * hidden);
        vector("hPrev (B, H)", hPrev, bh);
        inner.gruForwardStep(h, xg, hg, bIh, bHh, hPrev, batch, hidden);
    }

    @Override
    public void gruBackwardStep(MemorySegment dxg, MemorySegment dhg, MemorySegment dhPrev, MemorySegment dh,
                                MemorySegment xg, MemorySegment hg, MemorySegment hPrev, int batch, int hidden) {
        nonNegative("batch", batch);
        nonNegative("hidden", hidden);
        long bh = (long) batch * hidden;
        output("dxg (B, 3H)", dxg, 3 * bh);
        output("dhg (B, 3H)", dhg, 3 * bh);
        output("dhPrev (B, H)", dhPrev, bh);
        vector("dh (B, H)", dh, bh);
        vector("xg (B, 3H)", xg, 3 * bh);
        vector("hg (B, 3H)", hg, 3 * bh);
        vector("hPrev (B, H)", hPrev, bh);
        inner.gruBackwardStep(dxg, dhg, dhPrev, dh, xg, hg, hPrev, batch, hidden);
    }

    @Override
    public void gruResetBeforeGatesForwardStep(MemorySegment xg, MemorySegment rh, MemorySegment hrz, MemorySegment bIh,
                                               MemorySegment bHh, MemorySegment hPrev, int batch, int hidden) {
        nonNegative("batch", batch);
        nonNegative("hidden", hidden);
        long bh = (long) batch * hidden;
        output("xg (B, 3H)", xg, 3 * bh);
        output("rh (B, H)", rh, bh);
        vector("hrz (B, 2H)", hrz, 2 * bh);
        vector("bIh (3H)", bIh, 3L * hidden);
        vector("bHh (3H)", bHh, 3L * hidden);
        vector("hPrev (B, H)", hPrev, bh);
        inner.gruResetBeforeGatesForwardStep(xg, rh, hrz, bIh, bHh, hPrev, batch, hidden);
    }

    @Override
    public void gruResetBeforeStateForwardStep(MemorySegment h, MemorySegment xg, MemorySegment hn, MemorySegment bIh,
                                               MemorySegment bHh, MemorySegment hPrev, int batch, int hidden) {
        nonNegative("batch", batch);
        nonNegative("hidden", hidden);
        long bh = (long) batch * hidden;
        output("h (B, H)", h, bh);
        output("xg (B, 3H)", xg, 3 * bh);
        vector("hn (B, H)", hn, bh);
        vector("bIh (3H)", bIh, 3L * hidden);
        vector("bHh (3H)", bHh, 3L * hidden);
        vector("hPrev (B, H)", hPrev, bh);
        inner.gruResetBeforeStateForwardStep(h, xg, hn, bIh, bHh, hPrev, batch, hidden);
    }

    @Override
    public void gruResetBeforeStateBackwardStep(MemorySegment dxg, MemorySegment dhPrev, MemorySegment dh, MemorySegment xg,
                                                MemorySegment hPrev, int batch, int hidden) {
        nonNegative("batch", batch);
        nonNegative("hidden", hidden);
        long bh = (long) batch * hidden;
        output("dxg (B, 3H)", dxg, 3 * bh);
        output("dhPrev (B, H)", dhPrev, bh);
        vector("dh (B, H)", dh, bh);
        vector("xg (B, 3H)", xg, 3 * bh);
        vector("hPrev (B, H)", hPrev, bh);
        inner.gruResetBeforeStateBackwardStep(dxg, dhPrev, dh, xg, hPrev, batch, hidden);
    }

    @Override
    public void gruResetBeforeGatesBackwardStep(MemorySegment dxg, MemorySegment dhPrev, MemorySegment drh, MemorySegment xg,
                                                MemorySegment hPrev, int batch, int hidden) {
        nonNegative("batch", batch);
        nonNegative("hidden", hidden);
        long bh = (long) batch * hidden;
        output("dxg (B, 3H)", dxg, 3 * bh);
        output("dhPrev (B, H)", dhPrev, bh);
        vector("drh (B, H)", drh, bh);
        vector("xg (B, 3H)", xg, 3 * bh);
        vector("hPrev (B, H)", hPrev, bh);
        inner.gruResetBeforeGatesBackwardStep(dxg, dhPrev, drh, xg, hPrev, batch, hidden);
    }

    @Override
    public void rnnForwardStep(boolean relu, MemorySegment h, MemorySegment pre, MemorySegment bias,
                               int batch, int hidden) {
        nonNegative("batch", batch);
        nonNegative("hidden", hidden);
        long bh = (long) batch * hidden;
        output("h (B, H)", h, bh);
        vector("pre (B, H)", pre, bh);
        vector("bias (H)", bias, hidden);
        inner.rnnForwardStep(relu, h, pre, bias, batch, hidden);
    }

    @Override
    public void rnnBackwardStep(boolean relu, MemorySegment dpre, MemorySegment dh, MemorySegment h, int batch, int hidden) {
        nonNegative("batch", batch);
        nonNegative("hidden", hidden);
        long bh = (long) batch * hidden;
        output("dpre (B, H)", dpre, bh);
        vector("dh (B, H)", dh, bh);
        vector("h (B, H)", h, bh);
        inner.rnnBackwardStep(relu, dpre, dh, h, batch, hidden);
    }

    static void nonNegative(String name, int value) {
        if (value < 0) {
            throw new IllegalArgumentException(name + " must be >= 0, got " + value);
        }
    }

    /** A (rows, cols) row-major matrix with row stride ld: ld >= max(1, cols), enough floats. */
    static void matrix(String name, MemorySegment segment, int rows, int cols, int ld) {
        if (ld < Math.max(1, cols)) {
            throw new IllegalArgumentException("leading dimension of " + name + " (" + rows + " x " + cols
                    + ") must be >= " + Math.max(1, cols) + ", got " + ld);
        }
        long needed = rows == 0 || cols == 0 ? 0 : (long) (rows - 1) * ld + cols;
        segment(name + " (" + rows + " x " + cols + ", ld " + ld + ")", segment, needed);
    }

    static void vector(String name, MemorySegment segment, long floats) {
        segment(name, segment, floats);
    }

    /** An output: as {@link #vector}, and not read-only (a native write into a read-only mapping is a SIGSEGV). */
    static void output(String name, MemorySegment segment, long floats) {
        segment(name, segment, floats);
        SegmentChecks.writable(name, segment);
    }

    private static void segment(String name, MemorySegment segment, long floats) {
        SegmentChecks.check(name, segment, floats, "floats");
    }

    /**
     * Also checks the values that index memory or would poison every row: each target of an
     * unmasked row in [0, V), each mask value finite and >= 0, gradScale finite; dlogits either
     * logits itself or not overlapping it. {@code null} optional buffers mean {@link MemorySegment#NULL}.
     */
    @Override
    public double softmaxCrossEntropyForwardBackward(MemorySegment dlogits, MemorySegment losses, MemorySegment logits,
                                                     MemorySegment targets, MemorySegment mask, float gradScale,
                                                     int rows, int vocab) {
        nonNegative("rows", rows);
        if (vocab < 1) {
            throw new IllegalArgumentException("vocab must be >= 1, got " + vocab);
        }
        long nv = (long) rows * vocab;
        vector("logits (N, V)", logits, nv);
        dlogits = orNull(dlogits);
        losses = orNull(losses);
        mask = orNull(mask);
        if (!isNull(dlogits)) {
            output("dlogits (N, V)", dlogits, nv);
            if (dlogits.address() != logits.address()) {
                disjoint("dlogits (N, V)", dlogits, "logits (N, V)", logits, nv);
            }
        }
        if (!isNull(losses)) {
            output("losses (N)", losses, rows);
        }
        if (!isNull(mask)) {
            vector("mask (N)", mask, rows);
        }
        SegmentChecks.check("targets (N) int32", targets, rows, "ints");
        if (!Float.isFinite(gradScale)) {
            throw new IllegalArgumentException("gradScale must be finite, got " + gradScale);
        }
        for (long n = 0; n < rows; n++) {
            float w = !isNull(mask) ? mask.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, n) : 1f;
            if (!(w >= 0 && w < Float.POSITIVE_INFINITY)) {
                throw new IllegalArgumentException("mask[" + n + "] must be finite and >= 0, got " + w);
            }
            int t = targets.getAtIndex(java.lang.foreign.ValueLayout.JAVA_INT, n);
            if (w != 0 && (t < 0 || t >= vocab)) {
                throw new IllegalArgumentException("targets[" + n + "] must be a class id in [0, " + vocab + "), got " + t);
            }
        }
        return inner.softmaxCrossEntropyForwardBackward(dlogits, losses, logits, targets, mask, gradScale, rows, vocab);
    }

    /**
     * Checks: logits (T, B, C) and dlogits (unless NULL, writable, not overlapping); lengths in [1, T];
     * label offsets non-decreasing from 0 within the labels; every label id in [0, C) other than the
     * blank and alignable to its row; row scales finite; scratch large enough for the largest row.
     */
    @Override
    public double ctcForwardBackward(MemorySegment dlogits, MemorySegment rowLosses, MemorySegment logits, MemorySegment lengths,
                                     MemorySegment labels, MemorySegment labelOffsets, MemorySegment rowScale, MemorySegment scratch,
                                     int steps, int batch, int classes, int blank) {
        if (steps < 1 || batch < 1 || classes < 2 || blank < 0 || blank >= classes) {
            throw new IllegalArgumentException("CTC needs T >= 1, B >= 1, C >= 2 and a blank in [0, C), got T=" + steps + ", B=" + batch
                    + ", C=" + classes + ", blank=" + blank);
        }
        long values = (long) steps * batch * classes;
        vector("logits (T, B, C)", logits, values);
        dlogits = orNull(dlogits);
        rowLosses = orNull(rowLosses);
        if (!isNull(dlogits)) {
            output("dlogits (T, B, C)", dlogits, values);
            disjoint("dlogits (T, B, C)", dlogits, "logits (T, B, C)", logits, values);
        }
        if (!isNull(rowLosses)) {
            eightByte("rowLosses (B) double", rowLosses, batch);
            SegmentChecks.writable("rowLosses (B) double", rowLosses);
        }
        SegmentChecks.check("lengths (B) int32", lengths, batch, "ints");
        eightByte("labelOffsets (B + 1) int64", labelOffsets, batch + 1L);
        vector("rowScale (B)", rowScale, batch);
        long labelCount = labelOffsets.getAtIndex(java.lang.foreign.ValueLayout.JAVA_LONG, batch);
        SegmentChecks.check("labels int32", labels, labelCount, "ints");
        long need = 0;
        for (int b = 0; b < batch; b++) {
            int length = lengths.getAtIndex(java.lang.foreign.ValueLayout.JAVA_INT, b);
            long from = labelOffsets.getAtIndex(java.lang.foreign.ValueLayout.JAVA_LONG, b);
            long to = labelOffsets.getAtIndex(java.lang.foreign.ValueLayout.JAVA_LONG, b + 1);
            if (length < 1 || length > steps) {
                throw new IllegalArgumentException("lengths[" + b + "] must be in [1, " + steps + "], got " + length);
            }
            if (from < 0 || to < from || to > labelCount || (b == 0 && from != 0)) {
                throw new IllegalArgumentException("labelOffsets must rise from 0 to " + labelCount + "; row " + b + " has [" + from + ", " + to + ")");
            }
            long required = to - from;
            for (long i = from; i < to; i++) {
                int id = labels.getAtIndex(java.lang.foreign.ValueLayout.JAVA_INT, i);
                if (id < 0 || id >= classes || id == blank) {
                    throw new IllegalArgumentException("label " + (i - from) + " of row " + b + " is " + id + ", expected a class in [0, "
                            + classes + ") other than the blank " + blank);
                }
                if (i > from && id == labels.getAtIndex(java.lang.foreign.ValueLayout.JAVA_INT, i - 1)) {
                    required++;
                }
            }
            if (required > length) {
                throw new IllegalArgumentException("row " + b + "'s label of " + (to - from) + " classes needs at least " + required
                        + " steps, the row has " + length);
            }
            float scale = rowScale.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, b);
            if (!Float.isFinite(scale)) {
                throw new IllegalArgumentException("rowScale[" + b + "] must be finite, got " + scale);
            }
            need = Math.max(need, Kernels.ctcScratch(length, to - from, classes));
        }
        eightByte("scratch double", scratch, need);
        SegmentChecks.writable("scratch double", scratch);
        return inner.ctcForwardBackward(dlogits, rowLosses, logits, lengths, labels, labelOffsets, rowScale, scratch, steps, batch, classes, blank);
    }

    /** An open, off-heap, 8-byte-aligned segment of at least {@code count} 8-byte elements (double, int64). */
    private static void eightByte(String name, MemorySegment segment, long count) {
        SegmentChecks.check(name, segment, count <= Long.MAX_VALUE / 2 ? 2 * count : -1, "4-byte words");
        if (segment.address() % 8 != 0) {
            throw new IllegalArgumentException(name + " must be 8-byte aligned, got address 0x" + Long.toHexString(segment.address()));
        }
    }

    @Override
    public void adamStep(MemorySegment param, MemorySegment expAvg, MemorySegment expAvgSq, MemorySegment grad,
                         double lr, double beta1, double beta2, double eps, double weightDecay, boolean decoupled,
                         double biasCorrection1, double biasCorrection2, long n) {
        if (n < 0) {
            throw new IllegalArgumentException("n must be >= 0, got " + n);
        }
        output("param (n)", param, n);
        output("expAvg (n)", expAvg, n);
        output("expAvgSq (n)", expAvgSq, n);
        vector("grad (n)", grad, n);
        disjoint("param (n)", param, "expAvg (n)", expAvg, n);
        disjoint("param (n)", param, "expAvgSq (n)", expAvgSq, n);
        disjoint("param (n)", param, "grad (n)", grad, n);
        disjoint("expAvg (n)", expAvg, "expAvgSq (n)", expAvgSq, n);
        disjoint("expAvg (n)", expAvg, "grad (n)", grad, n);
        disjoint("expAvgSq (n)", expAvgSq, "grad (n)", grad, n);
        finiteNonNegative("lr", lr);
        finiteNonNegative("eps", eps);
        finiteNonNegative("weightDecay", weightDecay);
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("beta1 and beta2 must be in [0, 1), got " + beta1 + " and " + beta2);
        }
        if (!(biasCorrection1 > 0 && biasCorrection1 <= 1) || !(biasCorrection2 > 0 && biasCorrection2 <= 1)) {
            throw new IllegalArgumentException("bias corrections 1 - beta^t must be in (0, 1], got " + biasCorrection1
                    + " and " + biasCorrection2);
        }
        inner.adamStep(param, expAvg, expAvgSq, grad, lr, beta1, beta2, eps, weightDecay, decoupled,
                biasCorrection1, biasCorrection2, n);
    }

    @Override
    public void sgdStep(MemorySegment param, MemorySegment momentumBuffer, MemorySegment grad,
                        double lr, double momentum, double dampening, double weightDecay, boolean nesterov,
                        boolean firstStep, long n) {
        if (n < 0) {
            throw new IllegalArgumentException("n must be >= 0, got " + n);
        }
        output("param (n)", param, n);
        vector("grad (n)", grad, n);
        disjoint("param (n)", param, "grad (n)", grad, n);
        finiteNonNegative("lr", lr);
        finiteNonNegative("momentum", momentum);
        finiteNonNegative("dampening", dampening);
        finiteNonNegative("weightDecay", weightDecay);
        momentumBuffer = orNull(momentumBuffer);
        if (momentum != 0) {
            if (isNull(momentumBuffer)) {
                throw new IllegalArgumentException("momentum " + momentum + " needs a momentum buffer of " + n + " floats, got NULL");
            }
            output("momentumBuffer (n)", momentumBuffer, n);
            disjoint("param (n)", param, "momentumBuffer (n)", momentumBuffer, n);
            disjoint("grad (n)", grad, "momentumBuffer (n)", momentumBuffer, n);
        }
        if (nesterov && (momentum == 0 || dampening != 0)) {
            throw new IllegalArgumentException("Nesterov momentum needs momentum > 0 and dampening 0, got momentum "
                    + momentum + ", dampening " + dampening);
        }
        inner.sgdStep(param, momentumBuffer, grad, lr, momentum, dampening, weightDecay, nesterov, firstStep, n);
    }

    private static MemorySegment orNull(MemorySegment s) {
        return s == null ? MemorySegment.NULL : s;
    }

    /** {@link MemorySegment#NULL} (a heap segment's address() is an offset and may be 0 too). */
    private static boolean isNull(MemorySegment s) {
        return MemorySegment.NULL.equals(s);
    }

    /** The first {@code floats} floats of a and b must not share a byte. */
    static void disjoint(String aName, MemorySegment a, String bName, MemorySegment b, long floats) {
        long bytes = floats * Float.BYTES;
        if (bytes > 0 && a.address() < b.address() + bytes && b.address() < a.address() + bytes) {
            throw new IllegalArgumentException(aName + " and " + bName + " must not overlap, got addresses 0x"
                    + Long.toHexString(a.address()) + " and 0x" + Long.toHexString(b.address()) + " (" + bytes + " bytes each)");
        }
    }

    static void finiteNonNegative(String name, double value) {
        if (!(value >= 0 && value < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException(name + " must be finite and >= 0, got " + value);
        }
    }

    /** Checks every buffer of the int8 product; xq and xScale must not overlap x, y or the weights. */
    @Override
    public void int8Linear(MemorySegment y, int ldy, MemorySegment xq, MemorySegment xScale, MemorySegment x, int ldx,
                           MemorySegment w, MemorySegment wScale, MemorySegment wComp, float beta, int rows, int n, int k) {
        if (k > Int8Rows.MAX_LENGTH) {
            throw new IllegalArgumentException("k must be at most " + Int8Rows.MAX_LENGTH
                    + " (the int32 sum of k products of 127 * 127), got " + k);
        }
        reducedProduct("int8", y, ldy, x, ldx, xq, rows * Int8Packing.rowStride(k), w, Int8Packing.packedBytes(n, k), rows, n, k);
        output("xScale (rows)", xScale, rows);
        vector("wScale (n)", wScale, n);
        SegmentChecks.check("wComp (n) int32", wComp, n, "ints");
        for (MemorySegment other : new MemorySegment[] {y, x, w, wScale, wComp, xq}) {
            if (xScale.asOverlappingSlice(other).isPresent()) {
                throw new IllegalArgumentException("the int8 product's scratch xScale must not overlap y, x, xq or the weights");
            }
        }
        inner.int8Linear(y, ldy, xq, xScale, x, ldx, w, wScale, wComp, beta, rows, n, k);
    }

    /**
     * What the int8 and bf16 products share: sizes >= 0, y (rows, n) writable, x (rows, k), the
     * converted rows' scratch (its bytes, writable, not overlapping y, x or w) and the weights' bytes.
     */
    private static void reducedProduct(String precision, MemorySegment y, int ldy, MemorySegment x, int ldx, MemorySegment scratch,
                                       long scratchBytes, MemorySegment w, long weightBytes, int rows, int n, int k) {
        nonNegative("rows", rows);
        nonNegative("n", n);
        nonNegative("k", k);
        matrix("y", y, rows, n, ldy);
        SegmentChecks.writable("y", y);
        matrix("x", x, rows, k, ldx);
        String name = precision.equals("int8") ? "xq (rows, round_up(k, 4)) uint8" : "xBf16 (rows, k) bf16";
        SegmentChecks.checkBytes(name, scratch, scratchBytes);
        SegmentChecks.writable(name, scratch);
        SegmentChecks.checkBytes(precision.equals("int8") ? "w (n, k) int8 packed" : "w (n, k) bf16", w, weightBytes);
        for (MemorySegment other : new MemorySegment[] {y, x, w}) {
            if (scratch.asOverlappingSlice(other).isPresent()) {
                throw new IllegalArgumentException("the " + precision + " product's scratch " + name + " must not overlap y, x or w");
            }
        }
    }

    /** Checks every buffer of the bf16 product; xBf16 must not overlap x, y or w. */
    @Override
    public void bf16Linear(MemorySegment y, int ldy, MemorySegment xBf16, MemorySegment x, int ldx, MemorySegment w, float beta,
                           int rows, int n, int k) {
        reducedProduct("bf16", y, ldy, x, ldx, xBf16, 2L * rows * k, w, 2L * n * k, rows, n, k);
        inner.bf16Linear(y, ldy, xBf16, x, ldx, w, beta, rows, n, k);
    }
}
