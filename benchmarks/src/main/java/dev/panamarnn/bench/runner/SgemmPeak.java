package dev.panamarnn.bench.runner;

import dev.panamarnn.kernels.Kernels;
import java.util.List;

/**
 * The machine's sgemm peak as `rnn bench --peak N` measures it: one square product
 * C (N, N) += A (N, N) B (N, N) through OpenBLAS with the process's core type and threads,
 * 2 N^3 FLOPs, timed once per round next to the steps, so a step's GFLOP/s and the peak are
 * taken under the same machine conditions.
 */
final class SgemmPeak implements AutoCloseable {
    private final int size;
    private final GemmLimit product;

    SgemmPeak(Kernels openBlas, int size) {
        this.size = size;
        this.product = new GemmLimit(openBlas, List.of(new GemmLimit.Gemm(false, false, size, size, size, 1)));
    }

    /** FLOPs of one product: 2 N^3. */
    double flops() {
        return 2.0 * size * size * size;
    }

    /** One product (after one untimed call when {@code warm}), in ms. */
    double timeMs(boolean warm) {
        return product.timeMs(warm ? 1e-9 : 0, 0, 1);
    }

    @Override
    public void close() {
        product.close();
    }
}
