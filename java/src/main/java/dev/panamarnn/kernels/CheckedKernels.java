package dev.panamarnn.kernels;

import java.lang.foreign.MemorySegment;

/**
 * The validating front door over any {@link Kernels}: every size, stride and segment is checked
 * before the call, so no user-supplied value reaches native code unchecked. A problem is an
 * {@link IllegalArgumentException} naming the argument, what was expected and what was given; a
 * closed segment is an {@link IllegalStateException}.
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
    public void sgemm(boolean transA, boolean transB, int m, int n, int k,
                      float alpha, MemorySegment a, int lda, MemorySegment b, int ldb,
                      float beta, MemorySegment c, int ldc) {
        nonNegative("m", m);
        nonNegative("n", n);
        nonNegative("k", k);
        matrix("A", a, transA ? k : m, transA ? m : k, lda);
        matrix("B", b, transB ? n : k, transB ? k : n, ldb);
        matrix("C", c, m, n, ldc);
        inner.sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }

    @Override
    public void sgemv(boolean transA, int m, int n, float alpha, MemorySegment a, int lda,
                      MemorySegment x, float beta, MemorySegment y) {
        nonNegative("m", m);
        nonNegative("n", n);
        matrix("A", a, m, n, lda);
        vector("x", x, transA ? m : n);
        vector("y", y, transA ? n : m);
        inner.sgemv(transA, m, n, alpha, a, lda, x, beta, y);
    }

    @Override
    public void saxpy(int n, float alpha, MemorySegment x, MemorySegment y) {
        nonNegative("n", n);
        vector("x", x, n);
        vector("y", y, n);
        inner.saxpy(n, alpha, x, y);
    }

    @Override
    public void sscal(int n, float alpha, MemorySegment x) {
        nonNegative("n", n);
        vector("x", x, n);
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
    public void lstmForwardStep(MemorySegment h, MemorySegment c, MemorySegment gates, MemorySegment cPrev,
                                int batch, int hidden) {
        nonNegative("batch", batch);
        nonNegative("hidden", hidden);
        long bh = (long) batch * hidden;
        vector("h (B, H)", h, bh);
        vector("c (B, H)", c, bh);
        vector("gates (B, 4H)", gates, 4 * bh);
        vector("cPrev (B, H)", cPrev, bh);
        inner.lstmForwardStep(h, c, gates, cPrev, batch, hidden);
    }

    @Override
    public void lstmBackwardStep(MemorySegment dgates, MemorySegment dc, MemorySegment dh,
                                 MemorySegment gates, MemorySegment cPrev, MemorySegment c,
                                 int batch, int hidden) {
        nonNegative("batch", batch);
        nonNegative("hidden", hidden);
        long bh = (long) batch * hidden;
        vector("dgates (B, 4H)", dgates, 4 * bh);
        vector("dc (B, H)", dc, bh);
        vector("dh (B, H)", dh, bh);
        vector("gates (B, 4H)", gates, 4 * bh);
        vector("cPrev (B, H)", cPrev, bh);
        vector("c (B, H)", c, bh);
        inner.lstmBackwardStep(dgates, dc, dh, gates, cPrev, c, batch, hidden);
    }

    @Override
    public void gruForwardStep(MemorySegment h, MemorySegment xg, MemorySegment hg, MemorySegment bHh,
                               MemorySegment hPrev, int batch, int hidden) {
        nonNegative("batch", batch);
        nonNegative("hidden", hidden);
        long bh = (long) batch * hidden;
        vector("h (B, H)", h, bh);
        vector("xg (B, 3H)", xg, 3 * bh);
        vector("hg (B, 3H)", hg, 3 * bh);
        vector("bHh (3H)", bHh, 3L * hidden);
        vector("hPrev (B, H)", hPrev, bh);
        inner.gruForwardStep(h, xg, hg, bHh, hPrev, batch, hidden);
    }

    @Override
    public void gruBackwardStep(MemorySegment dxg, MemorySegment dhg, MemorySegment dhPrev, MemorySegment dh,
                                MemorySegment xg, MemorySegment hg, MemorySegment hPrev, int batch, int hidden) {
        nonNegative("batch", batch);
        nonNegative("hidden", hidden);
        long bh = (long) batch * hidden;
        vector("dxg (B, 3H)", dxg, 3 * bh);
        vector("dhg (B, 3H)", dhg, 3 * bh);
        vector("dhPrev (B, H)", dhPrev, bh);
        vector("dh (B, H)", dh, bh);
        vector("xg (B, 3H)", xg, 3 * bh);
        vector("hg (B, 3H)", hg, 3 * bh);
        vector("hPrev (B, H)", hPrev, bh);
        inner.gruBackwardStep(dxg, dhg, dhPrev, dh, xg, hg, hPrev, batch, hidden);
    }

    @Override
    public void rnnForwardStep(boolean relu, MemorySegment h, MemorySegment pre, int batch, int hidden) {
        nonNegative("batch", batch);
        nonNegative("hidden", hidden);
        long bh = (long) batch * hidden;
        vector("h (B, H)", h, bh);
        vector("pre (B, H)", pre, bh);
        inner.rnnForwardStep(relu, h, pre, batch, hidden);
    }

    @Override
    public void rnnBackwardStep(boolean relu, MemorySegment dpre, MemorySegment dh, MemorySegment h, int batch, int hidden) {
        nonNegative("batch", batch);
        nonNegative("hidden", hidden);
        long bh = (long) batch * hidden;
        vector("dpre (B, H)", dpre, bh);
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

    private static void segment(String name, MemorySegment segment, long floats) {
        if (segment == null) {
            throw new IllegalArgumentException(name + " is null");
        }
        if (!segment.scope().isAlive()) {
            throw new IllegalStateException(name + " is a segment whose arena is closed");
        }
        if (!segment.isNative()) {
            throw new IllegalArgumentException(name + " must be an off-heap segment, got a heap segment");
        }
        if (segment.address() % Float.BYTES != 0) {
            throw new IllegalArgumentException(name + " must be 4-byte aligned, got address 0x" + Long.toHexString(segment.address()));
        }
        long bytes = floats * Float.BYTES;
        if (segment.byteSize() < bytes) {
            throw new IllegalArgumentException(name + " needs " + floats + " floats (" + bytes + " bytes), got a segment of "
                    + segment.byteSize() + " bytes (" + segment.byteSize() / Float.BYTES + " floats)");
        }
    }
}
