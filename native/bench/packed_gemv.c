/*
 * packed_gemv.c — the product of a single stream's step, y (N) = W x with W (N, K), three ways
 * (a measurement for docs/performance.md, not a test): OpenBLAS's cblas_sgemv on W in place
 * (row-major, what StreamState ran before librnnk ABI 13), rnnk_sgemm_packed with M = 1 on W packed
 * once (one multiply-add chain per 16 columns), and rnnk_sgemv_packed on the same packed W (eight
 * chains). Shapes: LSTM H=256 and 512 ([W_ih | W_hh] (4H, 2H)), GRU's W_ih (3H, H) for H=256 and
 * 512. Each round times the three in turn (the order rotating), `reps` products each; printed per
 * contender: the median and the fastest round in us per product and in GB/s of weights read
 * (4 N K bytes per product; on a shared machine the fastest round is the least disturbed), and the
 * largest difference from OpenBLAS's result.
 *
 *   packed_gemv [rounds=31]
 * Under each OpenBLAS core: OPENBLAS_CORETYPE=Haswell build/packed_gemv, env -u OPENBLAS_CORETYPE ...
 * Built with -DRNNK_BUILD_BENCH=ON -DRNNK_OPENBLAS=/path/to/libopenblas.so.0 (see CMakeLists.txt).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "rnnk.h"
#include "bench_support.h"

enum { CBLAS_ROW_MAJOR = 101, CBLAS_NO_TRANS = 111 };
void cblas_sgemv(int order, int trans, int m, int n, float alpha, const float *a, int lda, const float *x, int incx,
                 float beta, float *y, int incy);
void openblas_set_num_threads(int threads);
char *openblas_get_corename(void);

static const int SHAPES[][2] = {{1024, 512}, {2048, 1024}, {768, 256}, {1536, 512}};   /* (N, K) */
static const char *NAMES[] = {"OpenBLAS sgemv", "sgemm_packed M=1", "sgemv_packed"};
enum { CONTENDERS = 3, MAX_ROUNDS = 999 };

static void product(int c, float *y, const float *W, const float *P, const float *x, int N, int K) {
    if (c == 0) {
        cblas_sgemv(CBLAS_ROW_MAJOR, CBLAS_NO_TRANS, N, K, 1.0f, W, K, x, 1, 0.0f, y, 1);
    } else if (c == 1) {
        rnnk_sgemm_packed(y, N, x, K, P, 0.0f, 1, N, K);
    } else {
        rnnk_sgemv_packed(y, x, P, 0.0f, N, K);
    }
}

int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 31;
    if (rounds < 1 || rounds > MAX_ROUNDS) {
        fprintf(stderr, "usage: packed_gemv [rounds 1..%d]\n", MAX_ROUNDS);
        return 1;
    }
    openblas_set_num_threads(1);
    printf("OpenBLAS core %s, 1 thread; %d rounds; per contender: median us (fastest), GB/s of W median (fastest), max |diff|\n",
           openblas_get_corename(), rounds);
    for (size_t s = 0; s < sizeof SHAPES / sizeof SHAPES[0]; s++) {
        int N = SHAPES[s][0], K = SHAPES[s][1];
        float *W = floats((int64_t)N * K), *x = floats(K), *P = floats(rnnk_sgemm_packed_floats(N, K));
        float *y[CONTENDERS];
        srand(1);
        fill(W, (int64_t)N * K, 1.0f);
        fill(x, K, 1.0f);
        rnnk_sgemm_pack(P, W, K, N, K);
        for (int c = 0; c < CONTENDERS; c++) y[c] = floats(N);
        double bytes = 4.0 * N * K;
        int reps = (int)(2e8 / bytes) + 1;
        static double t[CONTENDERS][MAX_ROUNDS];
        for (int r = 0; r < rounds; r++) {
            for (int i = 0; i < CONTENDERS; i++) {
                int c = (r + i) % CONTENDERS;
                double t0 = now();
                for (int rep = 0; rep < reps; rep++) product(c, y[c], W, P, x, N, K);
                t[c][r] = (now() - t0) / reps;
            }
        }
        printf("N=%d K=%d (W %.1f MB):\n", N, K, bytes / 1048576.0);
        for (int c = 0; c < CONTENDERS; c++) {
            double diff = 0;
            for (int j = 0; j < N; j++) {
                double d = (double)y[c][j] - y[0][j];
                if (d < 0) d = -d;
                if (d > diff) diff = d;
            }
            qsort(t[c], (size_t)rounds, sizeof(double), by_value);
            double med = t[c][rounds / 2], best = t[c][0];
            printf("  %-18s %9.2f us (%8.2f) %7.1f GB/s (%6.1f)  max |diff| %.1e\n", NAMES[c], med * 1e6, best * 1e6,
                   bytes / med * 1e-9, bytes / best * 1e-9, diff);
        }
        free(W); free(x); free(P);
        for (int c = 0; c < CONTENDERS; c++) free(y[c]);
    }
    return 0;
}
