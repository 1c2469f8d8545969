package dev.panamarnn.internal.kernels;

/**
 * Which products {@link NativeKernels#sgemm} sends to librnnk's single-threaded rnnk_sgemm_nn
 * instead of OpenBLAS: untransposed (NN), alpha = 1, and at most {@link #MAX_MULTIPLY_ADDS}
 * multiply-adds, where B stays in L1/L2 and OpenBLAS's per-call packing and thread hand-off cost
 * more than the arithmetic.
 *
 * <p>The limit is measured, not derived: docs/performance.md, "librnnk's small GEMM" and "Notes
 * moved from the code", has the timings it comes from.
 */
final class SmallGemm {
    /** The largest m*n*k routed to the small kernel: 2^21 multiply-adds. */
    static final long MAX_MULTIPLY_ADDS = 1L << 21;

    private SmallGemm() {}

    /**
     * Whether an NN product with alpha = 1 of this size goes to the small kernel: only where librnnk
     * runs its AVX-512 code ({@code avx512}). Its kernels hold 16-float vectors, which without
     * AVX-512 the compiler splits and spills: the AVX2 build ran a 16 x 256 x 256 product at 2.6
     * GFLOP/s against 139 for the AVX-512 one (docs/performance.md, "CPUs without AVX-512 keep
     * OpenBLAS"), so a CPU without AVX-512 keeps OpenBLAS.
     */
    static boolean covers(int m, int n, int k, boolean avx512) {
        return avx512 && (long) m * n * k <= MAX_MULTIPLY_ADDS;
    }
}
