/*
 * shared_pool.c — what librnnk's thread pool (native/src/pool.c, ABI 5) does to the recurrent
 * loop (a measurement for docs/performance.md, not a test).
 *
 * step_breakdown shows the loop costs its GEMMs plus its kernel: the kernel runs on the calling
 * thread while OpenBLAS's second thread waits, and a helper thread of our own either wakes too
 * late (sleeping) or fights OpenBLAS's spinning worker for the two cores (spinning). librnnk's
 * pool serves both: installed with openblas_set_threads_callback_function (OpenBLAS >= 0.3.27
 * then hands every threaded call's jobs to rnnk_pool_openblas_callback instead of to its own
 * workers), it also splits the fused kernels' rows (rnnk_pool_set_threads), as the Java library
 * sets it up at load time.
 *
 * Variants, timed in blocks (each block alone long enough for idle threads of the other
 * threading to fall asleep), all on the unroller's inference loop for one layer:
 *   openblas: gemm            the T recurrent GEMMs on OpenBLAS's own threads (the bound's GEMMs)
 *   openblas: gemm + kernel   the loop before the pool (ABI 4)
 *   pool: gemm                the same GEMMs with their jobs run by librnnk's pool
 *   pool: gemm + kernel       ... and the kernel on the calling thread only (1 pool thread)
 *   pool: gemm + split kernel ... and the kernel's rows split over the pool (the library today)
 *
 *   shared_pool lstm|gru T B H [rounds]     (pool size: OpenBLAS's thread count)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rnnk.h"
#include "bench_support.h"
#include "recurrent_loop.h"

int openblas_get_num_threads(void);
/* OpenBLAS >= 0.3.27, cblas.h: caller-managed threading (the callback's type is rnnk.h's) */
typedef void (*openblas_threads_callback)(int sync, rnnk_openblas_dojob dojob, int numjobs,
                                          size_t jobdata_elsize, void *jobdata, int dojob_data);
void openblas_set_threads_callback_function(openblas_threads_callback callback);

static long BLAS_TASKS;   /* threaded calls the pool has run: 0 would mean OpenBLAS ignored it */

static void counting_callback(int sync, rnnk_openblas_dojob dojob, int numjobs, size_t size,
                              void *data, int dojob_data) {
    BLAS_TASKS++;
    rnnk_pool_openblas_callback(sync, dojob, numjobs, size, data, dojob_data);
}

/* ---- the loop ---- */

enum variant { OB_GEMM, OB_LOOP, POOL_GEMM, POOL_LOOP, POOL_SPLIT, VARIANTS };
static const char *const VARIANT_NAMES[VARIANTS] = {
    "openblas: gemm", "openblas: gemm + kernel", "pool: gemm", "pool: gemm + kernel",
    "pool: gemm + split kernel"};

static double run(struct loop *L, enum variant v, int threads) {
    const int64_t B = L->B, GH = L->G * L->H;
    openblas_set_threads_callback_function(v >= POOL_GEMM ? counting_callback : NULL);
    rnnk_pool_set_threads(v == POOL_SPLIT ? threads : 1);
    memcpy(L->gates, L->gates_init, (size_t)(L->T * B * GH) * sizeof(float));
    double start = now();
    for (int64_t t = 0; t < L->T; t++) {
        recurrent_gemm(L, t, t);
        if (v != OB_GEMM && v != POOL_GEMM) kernel_on_rows(L, t, 0, B);
    }
    double seconds = now() - start;
    openblas_set_threads_callback_function(NULL);
    return seconds;
}

int main(int argc, char **argv) {
    struct loop L;
    int rounds = loop_from_args(&L, argc, argv, "shared_pool", 9);
    if (rounds == 0) return 2;
    int threads = openblas_get_num_threads();
    if (threads < 2) {
        fprintf(stderr, "shared_pool: OpenBLAS has %d thread, nothing to share (OPENBLAS_NUM_THREADS)\n",
                threads);
        return 2;
    }
    const int64_t hidden_rows = (L.T + 1) * L.B * L.H;

    /* the split kernel computes what the single-thread kernel does, bit for bit */
    run(&L, OB_LOOP, threads);
    size_t out_size = (size_t)(hidden_rows) * sizeof(float);
    float *h_single = floats(hidden_rows);
    memcpy(h_single, L.h, out_size);
    memset(L.h + L.B * L.H, 0xff, out_size - (size_t)(L.B * L.H) * sizeof(float));  /* h_0.. = NaN */
    run(&L, POOL_SPLIT, threads);
    if (memcmp(h_single, L.h, out_size) != 0) {
        fprintf(stderr, "shared_pool: the split kernel's h differs from the single thread's\n");
        return 1;
    }

    double *seconds = calloc((size_t)VARIANTS * (size_t)rounds, sizeof(double));
    for (int r = 0; r < rounds; r++) {
        for (int v = 0; v < VARIANTS; v++) {
            usleep(150000);           /* OpenBLAS's idle workers and the pool's helpers sleep */
            run(&L, (enum variant)v, threads); /* warm-up of this threading */
            seconds[v * rounds + r] = run(&L, (enum variant)v, threads);
        }
    }
    printf("%s T=%lld B=%lld H=%lld, %d threads: %d rounds, ms per loop (min / median)\n", argv[1],
           (long long)L.T, (long long)L.B, (long long)L.H, threads, rounds);
    for (int v = 0; v < VARIANTS; v++) {
        qsort(seconds + v * rounds, (size_t)rounds, sizeof(double), by_value);
        printf("  %-28s %9.2f / %9.2f\n", VARIANT_NAMES[v], seconds[v * rounds] * 1e3,
               seconds[v * rounds + rounds / 2] * 1e3);
    }
    printf("  (the pool ran %ld threaded GEMMs for OpenBLAS)\n", BLAS_TASKS);
    free(seconds);
    return 0;
}
