package dev.panamarnn.internal.kernels;

/**
 * Which products {@link NativeKernels#sgemm} sends to librnnk's single-threaded rnnk_sgemm_nn
 * instead of OpenBLAS: untransposed (NN), alpha = 1, and at most {@link #MAX_MULTIPLY_ADDS}
 * multiply-adds, where B stays in L1/L2 and OpenBLAS's per-call packing and thread hand-off cost
 * more than the arithmetic.
 *
 * <p>The limit comes from timing T = 200 consecutive recurrent products h_t (m, k) W^T on fresh rows
 * (docs/performance.md "librnnk's small GEMM"): OpenBLAS 0.3.31 with 2 threads, with the Haswell
 * kernels the environment forces and with the SkylakeX ones it picks by itself, against
 * rnnk_sgemm_nn's AVX-512 FMA clone. Ours was faster up to 2^21 multiply-adds with both: at
 * (16, 256, 64) 3.1x / 2.3x, at (32, 512, 128) 1.3x / 1.2x, at (32, 256, 256) 1.2x / 1.4x. At
 * 2^22 it still won against the Haswell kernels but lost against SkylakeX ((64, 256, 256): 1.1x /
 * 0.80x), and from 2^23 on it lost against both ((32, 1024, 256): 0.84x / 0.56x).
 */
final class SmallGemm {
    /** The largest m*n*k routed to the small kernel: 2^21 multiply-adds. */
    static final long MAX_MULTIPLY_ADDS = 1L << 21;

    private SmallGemm() {}

    /** Whether an NN product with alpha = 1 of this size goes to the small kernel. */
    static boolean covers(int m, int n, int k) {
        return (long) m * n * k <= MAX_MULTIPLY_ADDS;
    }
}
