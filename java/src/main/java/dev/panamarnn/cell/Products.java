package dev.panamarnn.cell;

import dev.panamarnn.kernels.Kernels;
import java.lang.foreign.MemorySegment;

/**
 * The one routing of a step's matrix products, used by the training scan (cells) and by serving
 * (streams and batches) alike: one row is a GEMV (OpenBLAS's M=1 sgemm is much slower than sgemv
 * for the same product; DESIGN.md "Native libraries"), on the packed copy of W where the caller
 * keeps one and the kernels read it faster ({@link Kernels#fastPackedVector}, a single stream's
 * step of an inference model), else on W in place; several rows multiply by a packed copy of W
 * where the caller keeps one and the kernels run that product faster ({@link Kernels#fastPackedProduct}),
 * for products by W^T (forward) and by W itself (backward) alike,
 * else by a transposed copy W^T untransposed when the kernels run that NN product on their
 * small-product path ({@link Kernels#fastSmallProduct}); anything else is one GEMM. Not a kernel: it
 * only chooses one.
 */
public final class Products {
    private Products() {}

    /**
     * y (rows, n) = beta * y + x (rows, k; row stride ldx) * W^T, with W (n, k; row stride ldw) and,
     * when not null, its transpose wT (k, n; row stride n).
     */
    public static void timesTransposed(Kernels kernels, int rows, int n, int k, MemorySegment x, int ldx,
                                       MemorySegment w, int ldw, MemorySegment wT, float beta, MemorySegment y) {
        timesTransposed(kernels, rows, n, k, x, ldx, w, ldw, wT, null, beta, y);
    }

    /**
     * As above, with W also in the kernels' packed form ({@link Kernels#packWeights}; null when the
     * caller keeps none).
     */
    public static void timesTransposed(Kernels kernels, int rows, int n, int k, MemorySegment x, int ldx,
                                       MemorySegment w, int ldw, MemorySegment wT, MemorySegment packed, float beta,
                                       MemorySegment y) {
        if (rows == 1 && packed != null && kernels.fastPackedVector(n, k)) {
            kernels.sgemvPacked(n, k, x, packed, beta, y);                              // W (n, k) * x (k), W packed
        } else if (rows == 1) {
            kernels.sgemv(false, n, k, 1f, w, ldw, x, beta, y);                          // W (n, k) * x (k)
        } else if (packed != null && kernels.fastPackedProduct(rows, n, k)) {
            kernels.sgemmPacked(rows, n, k, x, ldx, packed, beta, y, n);                // x (rows, k) * W^T, W packed
        } else if (wT != null && kernels.fastSmallProduct(rows, n, k)) {
            kernels.sgemm(false, false, rows, n, k, 1f, x, ldx, wT, n, beta, y, n);      // x (rows, k) * W^T (k, n)
        } else {
            kernels.sgemm(false, true, rows, n, k, 1f, x, ldx, w, ldw, beta, y, n);
        }
    }

    /**
     * c (m, n; row stride ldc) += a^T b over {@code rows} rows, a (rows, m; row stride lda) and
     * b (rows, n; row stride ldb) as stored: a weight gradient, dW += dG^T X. On the kernels' own
     * product ({@link Kernels#sgemmAtB}) where the caller keeps its scratch (null when it keeps
     * none) and the kernels run it faster ({@link Kernels#fastAtBProduct}), else one GEMM.
     */
    public static void accumulateTransposedTimes(Kernels kernels, int m, int n, int rows, MemorySegment a, int lda,
                                                 MemorySegment b, int ldb, MemorySegment scratch, MemorySegment c, int ldc) {
        if (scratch != null && kernels.fastAtBProduct(m, n, rows)) {
            kernels.sgemmAtB(m, n, rows, a, lda, b, ldb, scratch, c, ldc);                 // c (m, n) += a^T (m, rows) b (rows, n)
        } else {
            kernels.sgemm(true, false, m, n, rows, 1f, a, lda, b, ldb, 1f, c, ldc);
        }
    }

    /** y (rows, n) = beta * y + x (rows, k) * W (k, n), all contiguous (an NN product already). */
    public static void times(Kernels kernels, int rows, int n, int k, MemorySegment x, MemorySegment w, float beta,
                             MemorySegment y) {
        times(kernels, rows, n, k, x, k, w, beta, y);
    }

    /** y (rows, n) = beta * y + x (rows, k; row stride ldx) * W (k, n), W and y contiguous. */
    public static void times(Kernels kernels, int rows, int n, int k, MemorySegment x, int ldx, MemorySegment w, float beta,
                             MemorySegment y) {
        times(kernels, rows, n, k, x, ldx, w, null, beta, y);
    }

    /**
     * As above, with W also in the kernels' packed form, read from W as it is stored
     * ({@link Kernels#packWeightsTransposed}; null when the caller keeps none).
     */
    public static void times(Kernels kernels, int rows, int n, int k, MemorySegment x, int ldx, MemorySegment w,
                             MemorySegment packed, float beta, MemorySegment y) {
        if (rows == 1) {
            kernels.sgemv(true, k, n, 1f, w, n, x, beta, y);                               // W^T (n, k) * x (k)
        } else if (packed != null && kernels.fastPackedProduct(rows, n, k)) {
            kernels.sgemmPacked(rows, n, k, x, ldx, packed, beta, y, n);                  // x (rows, k) * W (k, n), packed
        } else {
            kernels.sgemm(false, false, rows, n, k, 1f, x, ldx, w, n, beta, y, n);
        }
    }
}
