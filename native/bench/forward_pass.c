/*
 * forward_pass.c — a whole one-layer inference forward in C against its GEMM bound (a measurement
 * for docs/performance.md, not a test). It does what Workspace.infer does for one layer, with
 * librnnk's pool running OpenBLAS's jobs and splitting the kernel's rows as the Java library sets
 * it up, so that the distance of `rnn bench`'s inference pass from its bound can be split into
 * parts without the JVM in the way:
 *   bound: input GEMM       gates (T*B, G*H) += X (T*B, I) W_ih^T with beta 1, as rnn bench times it
 *   bound: recurrent GEMMs  the T products h_{t-1} W_hh^T (B, G*H), all into one slice, beta 1
 *   input GEMM, beta 0      the library's projection: OpenBLAS clears C, then accumulates (ABI 6;
 *                           the kernels add the biases)
 *   recurrent loop          the library's loop: per step the recurrent GEMM (LSTM: into that step's
 *                           gate rows; GRU: into one hidden-gates slice, beta 0) and the fused
 *                           kernel split over the pool
 *   whole pass              the two above, one after the other
 * Rounds interleave the variants so the VM's drift falls on all alike; min and median per variant,
 * and bound / whole pass from the medians. I = H.
 *
 *   forward_pass lstm|gru T B H [rounds]     (pool size: OpenBLAS's thread count)
 * Built with -DRNNK_BUILD_BENCH=ON -DRNNK_OPENBLAS=/path/to/libopenblas.so.0 (see CMakeLists.txt).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rnnk.h"
#include "bench_support.h"
#include "recurrent_loop.h"

int openblas_get_num_threads(void);
typedef void (*openblas_threads_callback)(int sync, rnnk_openblas_dojob dojob, int numjobs,
                                          size_t jobdata_elsize, void *jobdata, int dojob_data);
void openblas_set_threads_callback_function(openblas_threads_callback callback);

enum variant { BOUND_INPUT, BOUND_RECURRENT, INPUT_BETA0, LOOP, WHOLE, VARIANTS };
static const char *const VARIANT_NAMES[VARIANTS] = {
    "bound: input GEMM", "bound: recurrent GEMMs", "input GEMM, beta 0", "recurrent loop",
    "whole pass"};

static float *X, *W_IH;   /* (T*B, H) the input; (G*H, H) W_ih */

static void input_gemm(struct loop *L, float beta) {
    const int64_t rows = L->T * L->B, GH = L->G * L->H;
    cblas_sgemm(CBLAS_ROW_MAJOR, CBLAS_NO_TRANS, CBLAS_TRANS, (int)rows, (int)GH, (int)L->H, 1.0f,
                X, (int)L->H, W_IH, (int)L->H, beta, L->gates, (int)GH);
}

/* the library's step t: GRU keeps one hidden-gates slice in an inference pass */
static void step(struct loop *L, int64_t t) {
    const int64_t B = L->B, H = L->H, GH = L->G * L->H;
    recurrent_gemm(L, t, L->lstm ? t : 0);
    if (L->lstm) {
        kernel_on_rows(L, t, 0, B);
    } else {
        rnnk_gru_forward_step(L->h + (t + 1) * B * H, L->gates + t * B * GH, L->hidden_gemm, L->bias,
                              L->b_hh, L->h + t * B * H, B, H);
    }
}

static double run(struct loop *L, enum variant v) {
    double start = now();
    switch (v) {
    case BOUND_INPUT: input_gemm(L, 1.0f); break;
    case BOUND_RECURRENT:
        for (int64_t t = 0; t < L->T; t++) recurrent_gemm_beta(L, t, 0, 1.0f);
        break;
    case INPUT_BETA0: input_gemm(L, 0.0f); break;
    case LOOP:
        for (int64_t t = 0; t < L->T; t++) step(L, t);
        break;
    case WHOLE:
        input_gemm(L, 0.0f);
        for (int64_t t = 0; t < L->T; t++) step(L, t);
        break;
    default: break;
    }
    return now() - start;
}

int main(int argc, char **argv) {
    struct loop L;
    int rounds = loop_from_args(&L, argc, argv, "forward_pass", 9);
    if (rounds == 0) return 2;
    const int64_t rows = L.T * L.B, GH = L.G * L.H;
    X = floats(rows * L.H);
    fill(X, rows * L.H, 1.0f);
    W_IH = floats(GH * L.H);
    fill(W_IH, GH * L.H, 1.0f / (float)L.H);
    int threads = openblas_get_num_threads();
    openblas_set_threads_callback_function(rnnk_pool_openblas_callback);
    rnnk_pool_set_threads(threads);

    for (int v = 0; v < VARIANTS; v++) run(&L, (enum variant)v);   /* warm-up */
    double *seconds = calloc((size_t)VARIANTS * (size_t)rounds, sizeof(double));
    if (!seconds) {
        fprintf(stderr, "forward_pass: out of memory\n");
        return 1;
    }
    for (int r = 0; r < rounds; r++) {
        for (int v = 0; v < VARIANTS; v++) {
            /* the loop alone starts from the same seeded gate values every round */
            if (v == LOOP) memcpy(L.gates, L.gates_init, (size_t)(rows * GH) * sizeof(float));
            seconds[v * rounds + r] = run(&L, (enum variant)v);
        }
    }
    printf("%s T=%lld B=%lld H=%lld, %d threads: %d rounds, ms (min / median)\n", argv[1],
           (long long)L.T, (long long)L.B, (long long)L.H, threads, rounds);
    double median[VARIANTS];
    for (int v = 0; v < VARIANTS; v++) {
        qsort(seconds + v * rounds, (size_t)rounds, sizeof(double), by_value);
        median[v] = seconds[v * rounds + rounds / 2] * 1e3;
        printf("  %-24s %9.2f / %9.2f\n", VARIANT_NAMES[v], seconds[v * rounds] * 1e3, median[v]);
    }
    double bound = median[BOUND_INPUT] + median[BOUND_RECURRENT];
    printf("  bound %.2f ms / whole pass %.2f ms = %.3f\n", bound, median[WHOLE], bound / median[WHOLE]);
    free(seconds);
    return 0;
}
