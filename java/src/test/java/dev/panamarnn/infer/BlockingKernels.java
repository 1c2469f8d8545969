package dev.panamarnn.infer;

import dev.panamarnn.kernels.Kernels;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Test double: delegates to real kernels, but once armed the next matrix product (sgemv or sgemm)
 * announces itself and waits to be released — so a test can close or reset an object exactly while
 * a step is inside a kernel.
 */
final class BlockingKernels implements Kernels {
    private final Kernels inner;
    private final AtomicBoolean armed = new AtomicBoolean();
    private volatile CountDownLatch entered = new CountDownLatch(0);
    private volatile CountDownLatch released = new CountDownLatch(0);

    BlockingKernels(Kernels inner) {
        this.inner = inner;
    }

    /** The next product blocks until {@link #release()}. */
    void arm() {
        entered = new CountDownLatch(1);
        released = new CountDownLatch(1);
        armed.set(true);
    }

    /** Waits until a step is blocked inside the armed product. */
    void awaitBlocked() throws InterruptedException {
        if (!entered.await(20, TimeUnit.SECONDS)) {
            throw new AssertionError("no step reached the armed kernel within 20 s");
        }
    }

    void release() {
        released.countDown();
    }

    private void maybeBlock() {
        if (armed.compareAndSet(true, false)) {
            entered.countDown();
            try {
                if (!released.await(20, TimeUnit.SECONDS)) {
                    throw new AssertionError("the blocked kernel was not released within 20 s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public String name() {
        return "blocking-" + inner.name();
    }

    @Override
    public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, MemorySegment a, int lda,
                      MemorySegment b, int ldb, float beta, MemorySegment c, int ldc) {
        maybeBlock();
        inner.sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }

    @Override
    public void sgemv(boolean transA, int m, int n, float alpha, MemorySegment a, int lda, MemorySegment x, float beta,
                      MemorySegment y) {
        maybeBlock();
        inner.sgemv(transA, m, n, alpha, a, lda, x, beta, y);
    }

    @Override
    public void saxpy(int n, float alpha, MemorySegment x, MemorySegment y) {
        inner.saxpy(n, alpha, x, y);
    }

    @Override
    public void sscal(int n, float alpha, MemorySegment x) {
        inner.sscal(n, alpha, x);
    }

    @Override
    public float sdot(int n, MemorySegment x, MemorySegment y) {
        return inner.sdot(n, x, y);
    }

    @Override
    public float snrm2(int n, MemorySegment x) {
        return inner.snrm2(n, x);
    }

    @Override
    public void lstmForwardStep(MemorySegment h, MemorySegment c, MemorySegment gates, MemorySegment cPrev, int batch, int hidden) {
        inner.lstmForwardStep(h, c, gates, cPrev, batch, hidden);
    }

    @Override
    public void lstmBackwardStep(MemorySegment dgates, MemorySegment dc, MemorySegment dh, MemorySegment gates,
                                 MemorySegment cPrev, MemorySegment c, int batch, int hidden) {
        inner.lstmBackwardStep(dgates, dc, dh, gates, cPrev, c, batch, hidden);
    }

    @Override
    public void gruForwardStep(MemorySegment h, MemorySegment xg, MemorySegment hg, MemorySegment bHh, MemorySegment hPrev,
                               int batch, int hidden) {
        inner.gruForwardStep(h, xg, hg, bHh, hPrev, batch, hidden);
    }

    @Override
    public void gruBackwardStep(MemorySegment dxg, MemorySegment dhg, MemorySegment dhPrev, MemorySegment dh, MemorySegment xg,
                                MemorySegment hg, MemorySegment hPrev, int batch, int hidden) {
        inner.gruBackwardStep(dxg, dhg, dhPrev, dh, xg, hg, hPrev, batch, hidden);
    }

    @Override
    public void rnnForwardStep(boolean relu, MemorySegment h, MemorySegment pre, int batch, int hidden) {
        inner.rnnForwardStep(relu, h, pre, batch, hidden);
    }

    @Override
    public void rnnBackwardStep(boolean relu, MemorySegment dpre, MemorySegment dh, MemorySegment h, int batch, int hidden) {
        inner.rnnBackwardStep(relu, dpre, dh, h, batch, hidden);
    }
}
