package dev.panamarnn.internal.kernels;

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

    /** Whether a product of m rows goes to the packed kernel while OpenBLAS runs {@code blasThreads} threads. */
    static boolean covers(int m, int blasThreads) {
        return m >= 2 && (m <= MAX_ROWS_ANY_THREADS || blasThreads == 1);
    }
}
