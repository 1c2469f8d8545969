/*
 * step_breakdown.c — where a recurrent forward loop's time goes beyond its GEMMs (a measurement
 * for docs/performance.md, not a test). The loop is the unroller's inference forward for one
 * layer: per step t, the recurrent GEMM on OpenBLAS, then librnnk's fused kernel. Each variant
 * below replaces one part, and all variants are timed in interleaved rounds so that the VM's
 * drift falls on all of them alike:
 *   gemm, fresh slices   the T recurrent GEMMs alone, each writing its own step's gate rows
 *   gemm, one slice      the same GEMMs all writing one slice (cache-hot, as rnn bench's bound)
 *   gemm + kernel        the real loop
 *   gemm + spin          the GEMM, then a busy wait as long as the kernel (no memory, no math)
 *   gemm + touch         the GEMM, then one pass over the kernel's memory (no transcendentals)
 *   kernel               the fused kernels alone
 * If "gemm + kernel" costs more than "gemm" + "kernel" and spin or touch do not, the extra comes
 * from running the kernel's vector code between the GEMMs, not from the pause between them or
 * from the memory it touches.
 *
 *   step_breakdown lstm|gru T B H [rounds]     (OpenBLAS's threads: OPENBLAS_NUM_THREADS)
 * Built with -DRNNK_BUILD_BENCH=ON -DRNNK_OPENBLAS=/path/to/libopenblas.so.0 (see CMakeLists.txt).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rnnk.h"
#include "bench_support.h"
#include "recurrent_loop.h"

enum variant { GEMM_FRESH, GEMM_ONE_SLICE, GEMM_KERNEL, GEMM_SPIN, GEMM_TOUCH, KERNEL, VARIANTS };
static const char *const VARIANT_NAMES[VARIANTS] = {
    "gemm, fresh slices", "gemm, one slice (as the bound)", "gemm + kernel (the loop)",
    "gemm + spin (kernel's time)", "gemm + touch (kernel's memory)", "kernel"};

static double SPIN_SECONDS;   /* per step: the kernel's time, measured */

/* one pass over the kernel's memory: read the step's gate rows and c_{t-1}, write h_t and c_t */
static void touch(const struct loop *L, int64_t t) {
    const float *g = L->gates + t * L->B * L->G * L->H;
    float *h = L->h + (t + 1) * L->B * L->H;
    for (int64_t b = 0; b < L->B; b++) {
        for (int64_t j = 0; j < L->H; j++) {
            float sum = 0.0f;
            for (int64_t q = 0; q < L->G; q++) sum += g[(b * L->G + q) * L->H + j];
            h[b * L->H + j] = sum;
        }
    }
}

static double run(struct loop *L, enum variant v) {
    const int64_t B = L->B, GH = L->G * L->H;
    memcpy(L->gates, L->gates_init, (size_t)(L->T * B * GH) * sizeof(float));
    double start = now();
    for (int64_t t = 0; t < L->T; t++) {
        if (v != KERNEL) recurrent_gemm(L, t, v == GEMM_ONE_SLICE ? 0 : t);
        if (v == GEMM_KERNEL || v == KERNEL) {
            kernel_on_rows(L, t, 0, L->B);
        } else if (v == GEMM_SPIN) {
            double until = now() + SPIN_SECONDS;
            while (now() < until) {
            }
        } else if (v == GEMM_TOUCH) {
            touch(L, t);
        }
    }
    return now() - start;
}

int main(int argc, char **argv) {
    struct loop L;
    int rounds = loop_from_args(&L, argc, argv, "step_breakdown", 11);
    if (rounds == 0) return 2;

    for (int v = 0; v < VARIANTS; v++) run(&L, (enum variant)v);   /* warm-up */
    double kernel_min = 1e30;
    for (int r = 0; r < 5; r++) {
        double s = run(&L, KERNEL);
        if (s < kernel_min) kernel_min = s;
    }
    SPIN_SECONDS = kernel_min / (double)L.T;

    double *seconds = calloc((size_t)VARIANTS * (size_t)rounds, sizeof(double));
    for (int r = 0; r < rounds; r++) {
        for (int v = 0; v < VARIANTS; v++) seconds[v * rounds + r] = run(&L, (enum variant)v);
    }
    printf("%s T=%lld B=%lld H=%lld: %d interleaved rounds, ms per loop (min / median)\n", argv[1],
           (long long)L.T, (long long)L.B, (long long)L.H, rounds);
    double min[VARIANTS], median[VARIANTS];
    for (int v = 0; v < VARIANTS; v++) {
        qsort(seconds + v * rounds, (size_t)rounds, sizeof(double), by_value);
        min[v] = seconds[v * rounds] * 1e3;
        median[v] = seconds[v * rounds + rounds / 2] * 1e3;
        printf("  %-32s %9.2f / %9.2f\n", VARIANT_NAMES[v], min[v], median[v]);
    }
    printf("  %-32s %9.2f / %9.2f\n", "loop - (gemm fresh + kernel)",
           min[GEMM_KERNEL] - min[GEMM_FRESH] - min[KERNEL],
           median[GEMM_KERNEL] - median[GEMM_FRESH] - median[KERNEL]);
    printf("  %-32s %9.2f / %9.2f\n", "spin - (gemm fresh + its wait)",
           min[GEMM_SPIN] - min[GEMM_FRESH] - kernel_min * 1e3,
           median[GEMM_SPIN] - median[GEMM_FRESH] - kernel_min * 1e3);
    free(seconds);
    return 0;
}
