/*
 * packed_gemm.c — rnnk_sgemm_packed (weights packed once) against OpenBLAS's cblas_sgemm on the same
 * product C (M, N) = A (M, K) W^T with W (N, K) in place, per shape, and OpenBLAS's sgemm peak on a
 * large square product (a measurement for docs/performance.md, not a test). Rounds alternate the
 * two contenders; each prints the median time per product and its GFLOP/s (2 M N K per product),
 * the fastest round's GFLOP/s (on a shared machine the least disturbed), OpenBLAS's median time /
 * packed median time, and the largest difference of the two results.
 *
 * With the set "train", the shapes of a training pass at T=100 B=64 (LSTM and GRU, H = 512 and
 * 1024): the forward's products by W^T (the 64-row recurrent step, the 6400-row input projection)
 * as above, and the backward's products by W itself, dh_{t-1} (64, H) = dG (64, G*H) W_hh and
 * dX (6400, In) = dG W_ih, as OpenBLAS's NN sgemm against rnnk_sgemm_packed on W packed once with
 * rnnk_sgemm_pack_transposed.
 *
 * With the set "atb", the weight gradients of the same passes, dW (G*H, K) += dG^T X over the
 * T*B = 6400 rows (dW_ih and dW_hh have the same shape when In = H), and of three small ones: OpenBLAS's
 * TN sgemm (beta 1) against rnnk_sgemm_atb, which packs blocks of both operands itself.
 *
 *   packed_gemm [threads] [rounds] [step|train|atb]   (OpenBLAS's threads, default 1; rnnk is single-threaded)
 * Under each OpenBLAS core: OPENBLAS_CORETYPE=Haswell build/packed_gemm, env -u OPENBLAS_CORETYPE ...
 * Built with -DRNNK_BUILD_BENCH=ON -DRNNK_OPENBLAS=/path/to/libopenblas.so.0 (see CMakeLists.txt).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rnnk.h"
#include "bench_support.h"

enum { CBLAS_ROW_MAJOR = 101, CBLAS_NO_TRANS = 111, CBLAS_TRANS = 112 };
void cblas_sgemm(int order, int trans_a, int trans_b, int m, int n, int k, float alpha,
                 const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc);
void openblas_set_num_threads(int threads);
char *openblas_get_corename(void);

/* (M, N, K, W transposed?): a batch step of 8..1024 streams for LSTM H=256 ([x | h] (B, 2H) times (4H, 2H)^T),
 * LSTM H=512, GRU H=256's input product, T=100 B=64's input projection, and a large square */
static const int STEP_SHAPES[][4] = {
    {8, 1024, 512, 0}, {16, 1024, 512, 0}, {64, 1024, 512, 0}, {256, 1024, 512, 0}, {1024, 1024, 512, 0},
    {64, 2048, 1024, 0}, {64, 768, 256, 0}, {64, 1024, 256, 0}, {6400, 1024, 256, 0}, {2048, 2048, 2048, 0}};

/* T=100 B=64, I = H: forward C = A W^T (0), backward C = A W (1); LSTM G*H = 4H, GRU 3H */
static const int TRAIN_SHAPES[][4] = {
    {64, 2048, 512, 0}, {6400, 2048, 512, 0}, {64, 512, 2048, 1}, {6400, 512, 2048, 1},
    {64, 1536, 512, 0}, {6400, 1536, 512, 0}, {64, 512, 1536, 1}, {6400, 512, 1536, 1},
    {64, 4096, 1024, 0}, {6400, 4096, 1024, 0}, {64, 1024, 4096, 1}, {6400, 1024, 4096, 1},
    {64, 3072, 1024, 0}, {6400, 3072, 1024, 0}, {64, 1024, 3072, 1}, {6400, 1024, 3072, 1},
    {2048, 2048, 2048, 0}};

static double median(double *t, int n);

/* dW (M, N) += dG^T (M, K) X (K, N): T=100 B=64 LSTM / GRU at H = 512 and 1024, then T*B = 80, 1600, 3200 at H = 64, 128, 256 */
static const int ATB_SHAPES[][3] = {
    {2048, 512, 6400}, {1536, 512, 6400}, {4096, 1024, 6400}, {3072, 1024, 6400},
    {256, 64, 80}, {512, 128, 1600}, {1024, 256, 3200}};

/* the "atb" set: OpenBLAS's C += A^T B against rnnk_sgemm_atb, alternated, each from the same C */
static void atb_rounds(int rounds) {
    for (size_t s = 0; s < sizeof ATB_SHAPES / sizeof ATB_SHAPES[0]; s++) {
        int M = ATB_SHAPES[s][0], N = ATB_SHAPES[s][1], K = ATB_SHAPES[s][2];
        float *A = floats((int64_t)K * M), *B = floats((int64_t)K * N), *C_blas = floats((int64_t)M * N);
        float *C_atb = floats((int64_t)M * N), *scratch = floats(rnnk_sgemm_atb_scratch_floats(N));
        srand(1);
        fill(A, (int64_t)K * M, 1.0f);
        fill(B, (int64_t)K * N, 1.0f);
        double flop = 2.0 * M * N * K;
        int reps = (int)(3e8 / flop) + 1;
        double t_blas[99], t_atb[99];
        for (int r = 0; r < rounds; r++) {
            memset(C_blas, 0, sizeof(float) * (size_t)M * N);
            memset(C_atb, 0, sizeof(float) * (size_t)M * N);
            double t0 = now();
            for (int i = 0; i < reps; i++)
                cblas_sgemm(CBLAS_ROW_MAJOR, CBLAS_TRANS, CBLAS_NO_TRANS, M, N, K, 1.0f, A, M, B, N, 1.0f, C_blas, N);
            t_blas[r] = (now() - t0) / reps;
            t0 = now();
            for (int i = 0; i < reps; i++) rnnk_sgemm_atb(C_atb, N, A, M, B, N, scratch, M, N, K);
            t_atb[r] = (now() - t0) / reps;
        }
        double diff = 0, size = 0;
        for (int64_t i = 0; i < (int64_t)M * N; i++) {
            double d = (double)C_blas[i] - C_atb[i];
            if (d < 0) d = -d;
            if (d > diff) diff = d;
            if (C_blas[i] > size || -C_blas[i] > size) size = C_blas[i] > 0 ? C_blas[i] : -C_blas[i];
        }
        double b = median(t_blas, rounds), p = median(t_atb, rounds);   /* sorts: [0] is the fastest */
        printf("%6d %6d %6d %4s | %11.1f %8.1f %8.1f | %10.1f %8.1f %8.1f | %6.2fx | %.1e of %.1e\n", M, N, K, "A'B", b * 1e6,
               flop / b * 1e-9, flop / t_blas[0] * 1e-9, p * 1e6, flop / p * 1e-9, flop / t_atb[0] * 1e-9, b / p, diff, size);
        free(A); free(B); free(C_blas); free(C_atb); free(scratch);
    }
}

static double median(double *t, int n) {
    qsort(t, (size_t)n, sizeof *t, by_value);
    return t[n / 2];
}

int main(int argc, char **argv) {
    int threads = argc > 1 ? atoi(argv[1]) : 1, rounds = argc > 2 ? atoi(argv[2]) : 9;
    int train = argc > 3 && strcmp(argv[3], "train") == 0, atb = argc > 3 && strcmp(argv[3], "atb") == 0;
    if (threads < 1 || rounds < 1 || rounds > 99 || (argc > 3 && !train && !atb && strcmp(argv[3], "step") != 0)) {
        fprintf(stderr, "usage: packed_gemm [threads >= 1] [rounds 1..99] [step|train|atb]\n");
        return 2;
    }
    const int (*shapes)[4] = train ? TRAIN_SHAPES : STEP_SHAPES;
    size_t count = train ? sizeof TRAIN_SHAPES / sizeof TRAIN_SHAPES[0] : sizeof STEP_SHAPES / sizeof STEP_SHAPES[0];
    openblas_set_num_threads(threads);
    printf("OpenBLAS core %s, %d thread(s); rnnk_sgemm_packed 1 thread; %d rounds\n",
           openblas_get_corename(), threads, rounds);
    printf("%6s %6s %6s %4s | %11s %8s %8s | %10s %8s %8s | %7s | %s\n", "M", "N", "K", "op", "OpenBLAS us", "GFLOP/s",
           "best", "packed us", "GFLOP/s", "best", "ratio", "max |diff|");
    if (atb) {
        atb_rounds(rounds);
        return 0;
    }
    for (size_t s = 0; s < count; s++) {
        int M = shapes[s][0], N = shapes[s][1], K = shapes[s][2], plain = shapes[s][3];   /* plain: C = A W, W (K, N) */
        float *A = floats((int64_t)M * K), *W = floats((int64_t)N * K);
        float *C_blas = floats((int64_t)M * N), *C_packed = floats((int64_t)M * N);
        float *P = floats(rnnk_sgemm_packed_floats(N, K));
        srand(1);
        fill(A, (int64_t)M * K, 1.0f);
        fill(W, (int64_t)N * K, 1.0f);
        if (plain) {
            rnnk_sgemm_pack_transposed(P, W, N, N, K);                  /* W (K, N) as stored */
        } else {
            rnnk_sgemm_pack(P, W, K, N, K);                             /* W (N, K), multiplied transposed */
        }
        double flop = 2.0 * M * N * K;
        int reps = (int)(3e8 / flop) + 1;
        double t_blas[99], t_packed[99];
        for (int r = 0; r < rounds; r++) {
            double t0 = now();
            for (int i = 0; i < reps; i++)
                cblas_sgemm(CBLAS_ROW_MAJOR, CBLAS_NO_TRANS, plain ? CBLAS_NO_TRANS : CBLAS_TRANS, M, N, K, 1.0f, A, K,
                            W, plain ? N : K, 0.0f, C_blas, N);
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
        printf("%6d %6d %6d %4s | %11.1f %8.1f %8.1f | %10.1f %8.1f %8.1f | %6.2fx | %.1e\n", M, N, K, plain ? "A W" : "A W'", b * 1e6,
               flop / b * 1e-9, flop / t_blas[0] * 1e-9, p * 1e6, flop / p * 1e-9, flop / t_packed[0] * 1e-9, b / p, diff);
        free(A); free(W); free(C_blas); free(C_packed); free(P);
    }
    return 0;
}
