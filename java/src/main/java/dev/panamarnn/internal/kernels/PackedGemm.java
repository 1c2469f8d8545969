package dev.panamarnn.internal.kernels;

import java.util.Locale;
import java.util.Set;

/**
 * Which products with packed weights {@link NativeKernels} says to run on librnnk's
 * rnnk_sgemm_packed (single-threaded, AVX-512 where the CPU has it, the weights packed once)
 * instead of OpenBLAS's sgemm (which packs W again on every call): every product of 2 rows or more
 * while OpenBLAS runs on one thread, and, with more OpenBLAS threads, the products of at most
 * {@link #MAX_ROWS_ANY_THREADS} rows (a step of a batch), which OpenBLAS's threads do not speed up
 * enough to pay for the repacking. One row is a GEMV (cell.Products).
 *
 * <p>The limits are measured, not derived: docs/performance.md, "Weights packed once (ABI 9)".
 */
final class PackedGemm {
    /** The most rows sent to the packed kernel when OpenBLAS has more than one thread. */
    static final int MAX_ROWS_ANY_THREADS = 256;

    private PackedGemm() {}

    /**
     * OpenBLAS's core types with AVX-512 kernels (openblas_get_corename), whose transposed product
     * C += A^T B runs as fast as or faster than librnnk's rnnk_sgemm_atb.
     */
    private static final Set<String> AVX512_CORES = Set.of("skylakex", "cooperlake", "sapphirerapids");

    /**
     * Whether a product of m rows goes to the packed kernel while OpenBLAS runs {@code blasThreads}
     * threads: only where librnnk runs its AVX-512 tiles ({@code wideTiles}). Its AVX2 path is
     * correct but far slower than OpenBLAS (its 16-float vectors are split and spilled: 7.5 against
     * 212 GFLOP/s at 64 x 1024 x 512; docs/performance.md, "CPUs without AVX-512 keep OpenBLAS"),
     * so a CPU without AVX-512 keeps OpenBLAS for every product.
     */
    static boolean covers(int m, int blasThreads, boolean wideTiles) {
        return wideTiles && m >= 2 && (m <= MAX_ROWS_ANY_THREADS || blasThreads == 1);
    }

    /** Whether one row's product reads the packed copy ({@code rnnk_sgemv_packed}): as for {@link #covers}, only with AVX-512. */
    static boolean coversVector(boolean wideTiles) {
        return wideTiles;
    }

    /**
     * Whether the weight gradients' products dW += dG^T X go to rnnk_sgemm_atb: where librnnk runs
     * its AVX-512 tiles ({@code wideTiles}) while OpenBLAS runs one thread on narrower kernels (its
     * Haswell or Zen core types, chosen by OPENBLAS_CORETYPE on an AVX-512 CPU). With OpenBLAS's own
     * AVX-512 kernels, more threads, or a CPU without AVX-512 (librnnk's 2-row AVX2 tiles are not
     * measured to win), OpenBLAS keeps them.
     */
    static boolean coversAtB(boolean wideTiles, int blasThreads, boolean avx512Blas) {
        return wideTiles && blasThreads == 1 && !avx512Blas;
    }

    /** Whether OpenBLAS's core type (openblas_get_corename, any case; null when unknown) is one of its AVX-512 ones. */
    static boolean avx512Core(String blasCore) {
        return blasCore != null && AVX512_CORES.contains(blasCore.toLowerCase(Locale.ROOT));
    }
}
