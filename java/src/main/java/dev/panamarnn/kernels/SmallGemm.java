package dev.panamarnn.kernels;

/**
 * Which products {@link NativeKernels#sgemm} sends to librnnk's single-threaded rnnk_sgemm_nn
 * instead of OpenBLAS: untransposed (NN), alpha = 1, and at most {@link #MAX_MULTIPLY_ADDS}
 * multiply-adds, where B stays in L1/L2 and OpenBLAS's per-call packing and thread hand-off cost
 * more than the arithmetic.
 *
 * <p>The limit comes from timing T = 200 consecutive recurrent products h_t (m, k) W^T on fresh rows
 * (benchmarks, docs/performance.md "Small products"): OpenBLAS 0.3.31 (Haswell kernels, 2 threads)
 * against rnnk_sgemm_nn (AVX-512 clone). Ours was 2.4x faster at (16, 256, 64), 1.3x at
 * (16, 512, 128) and (64, 256, 64), even at about 1M multiply-adds, and slower from there on: 0.7x
 * at (16, 1024, 256), 0.4x at (64, 1024, 256).
 */
final class SmallGemm {
    /** The largest m*n*k routed to the small kernel: 2^20 multiply-adds. */
    static final long MAX_MULTIPLY_ADDS = 1L << 20;

    private SmallGemm() {}

    /** Whether an NN product with alpha = 1 of this size goes to the small kernel. */
    static boolean covers(int m, int n, int k) {
        return (long) m * n * k <= MAX_MULTIPLY_ADDS;
    }
}
