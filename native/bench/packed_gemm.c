/*
 * packed_gemm.c — rnnk_sgemm_packed (weights packed once) against OpenBLAS's cblas_sgemm on the same
 * product C (M, N) = A (M, K) W^T with W (N, K) in place, per shape, and OpenBLAS's sgemm peak on a
 * large square product (a measurement for docs/performance.md, not a test). Rounds alternate the
 * two contenders; each prints the median time per product and its GFLOP/s (2 M N K per product),
 * the fastest round's GFLOP/s (on a shared machine the least disturbed), OpenBLAS's median time /
 * packed median time, and the largest difference of the two results.
 *
 *   packed_gemm [threads] [rounds]       (OpenBLAS's thread count, default 1; rnnk is single-threaded)
 * Under each OpenBLAS core: OPENBLAS_CORETYPE=Haswell build/packed_gemm, env -u OPENBLAS_CORETYPE ...
 * Built with -DRNNK_BUILD_BENCH=ON -DRNNK_OPENBLAS=/path/to/libopenblas.so.0 (see CMakeLists.txt).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "rnnk.h"
#include "bench_support.h"

enum { CBLAS_ROW_MAJOR = 101, CBLAS_NO_TRANS = 111, CBLAS_TRANS = 112 };
void cblas_sgemm(int order, int trans_a, int trans_b, int m, int n, int k, float alpha,
                 const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc);
void openblas_set_num_threads(int threads);
char *openblas_get_corename(void);

/* (M, N, K): a batch step of 8..1024 streams for LSTM H=256 ([x | h] (B, 2H) times (4H, 2H)^T),
 * LSTM H=512, GRU H=256's input product, T=100 B=64's input projection, and a large square */
static const int SHAPES[][3] = {
    {8, 1024, 512}, {16, 1024, 512}, {64, 1024, 512}, {256, 1024, 512}, {1024, 1024, 512},
    {64, 2048, 1024}, {64, 768, 256}, {64, 1024, 256}, {6400, 1024, 256}, {2048, 2048, 2048}};

static double median(double *t, int n) {
    qsort(t, (size_t)n, sizeof *t, by_value);
    return t[n / 2];
}

int main(int argc, char **argv) {
    int threads = argc > 1 ? atoi(argv[1]) : 1, rounds = argc > 2 ? atoi(argv[2]) : 9;
    if (threads < 1 || rounds < 1 || rounds > 99) {
        fprintf(stderr, "usage: packed_gemm [threads >= 1] [rounds 1..99]\n");
        return 2;
    }
    openblas_set_num_threads(threads);
    printf("OpenBLAS core %s, %d thread(s); rnnk_sgemm_packed 1 thread; %d rounds\n",
           openblas_get_corename(), threads, rounds);
    printf("%6s %6s %6s | %11s %8s %8s | %10s %8s %8s | %7s | %s\n", "M", "N", "K", "OpenBLAS us", "GFLOP/s",
           "best", "packed us", "GFLOP/s", "best", "ratio", "max |diff|");
    for (size_t s = 0; s < sizeof SHAPES / sizeof SHAPES[0]; s++) {
        int M = SHAPES[s][0], N = SHAPES[s][1], K = SHAPES[s][2];
        float *A = floats((int64_t)M * K), *W = floats((int64_t)N * K);
        float *C_blas = floats((int64_t)M * N), *C_packed = floats((int64_t)M * N);
        float *P = floats(rnnk_sgemm_packed_floats(N, K));
        srand(1);
        fill(A, (int64_t)M * K, 1.0f);
        fill(W, (int64_t)N * K, 1.0f);
        rnnk_sgemm_pack(P, W, K, N, K);
        double flop = 2.0 * M * N * K;
        int reps = (int)(3e8 / flop) + 1;
        double t_blas[99], t_packed[99];
        for (int r = 0; r < rounds; r++) {
            double t0 = now();
            for (int i = 0; i < reps; i++)
                cblas_sgemm(CBLAS_ROW_MAJOR, CBLAS_NO_TRANS, CBLAS_TRANS, M, N, K, 1.0f, A, K, W, K, 0.0f, C_blas, N);
            t_blas[r] = (now() - t0) / reps;
            t0 = now();
            for (int i = 0; i < reps; i++) rnnk_sgemm_packed(C_packed, N, A, K, P, 0.0f, M, N, K);
            t_packed[r] = (now() - t0) / reps;
        }
        double diff = 0;
        for (int64_t i = 0; i < (int64_t)M * N; i++) {
            double d = (double)C_blas[i] - C_packed[i];
            if (d < 0) d = -d;
            if (d > diff) diff = d;
        }
        double b = median(t_blas, rounds), p = median(t_packed, rounds);   /* sorts: [0] is the fastest */
        printf("%6d %6d %6d | %11.1f %8.1f %8.1f | %10.1f %8.1f %8.1f | %6.2fx | %.1e\n", M, N, K, b * 1e6,
               flop / b * 1e-9, flop / t_blas[0] * 1e-9, p * 1e6, flop / p * 1e-9, flop / t_packed[0] * 1e-9, b / p, diff);
        free(A); free(W); free(C_blas); free(C_packed); free(P);
    }
    return 0;
}
