/*
 * gemm.c — C (M, N) = beta * C + A (M, K) * B (K, N), row-major, single-threaded, for the small
 * recurrent products of a time step (B rows of h_{t-1} times W_hh^T) where OpenBLAS's per-call
 * work costs more than the arithmetic: it packs both operands on every call and hands the product
 * to its worker threads, which at T=200, B=16, H=64 took about 40% of the step's profile (packing
 * ~19%, thread hand-off ~18%). Here B is read in place (at these sizes it stays in L1/L2 across
 * the T steps) and no thread is involved.
 *
 * Register tiles of 4 rows x 32 columns of C accumulate over k: per k, two 16-float loads of a row
 * of B and four broadcasts of A feed 8 vector multiply-adds. The 16-float vectors are GCC vector
 * types, one zmm in the AVX-512 clone, two ymm in the AVX2 clone, four xmm in the baseline. Every
 * element of C is the sum over k in increasing order, the same in every tile shape. Unlike the
 * other kernels this file is compiled with -ffp-contract=fast and cloned for x86-64-v4 / -v3 /
 * baseline (RNNK_FMA_CLONES, dispatch.h), so the multiply-adds are FMA instructions where the CPU
 * has them: 1.4-1.6x faster at the sizes it serves (e.g. (16, 256, 64): 7.1 against 10.1 us on
 * this machine). The price: the FMA clones round once per multiply-add and the baseline twice, so
 * results differ between CPUs in the last bits (each clone is deterministic); the tests hold every
 * clone to the same error bound against a double product instead of comparing bits.
 */
#include <string.h>
#include "rnnk.h"
#include "dispatch.h"

typedef float v16 __attribute__((vector_size(64)));

RNNK_ROW v16 load16(const float *p) {
    v16 v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* C[0..15] = acc when beta is 0 (C is not read: it may hold NaN), else beta * C + acc */
RNNK_ROW void store16(float *c, v16 acc, float beta) {
    if (beta != 0.0f) {
        acc = beta * load16(c) + acc;
    }
    memcpy(c, &acc, sizeof acc);
}

/* rows m0..m0+3, columns n0..n0+31 */
RNNK_ROW void tile_4x32(const float *restrict a, int64_t lda, const float *restrict b, int64_t ldb,
                        float *restrict c, int64_t ldc, int64_t K, float beta) {
    v16 c00 = {0}, c01 = {0}, c10 = {0}, c11 = {0}, c20 = {0}, c21 = {0}, c30 = {0}, c31 = {0};
    for (int64_t k = 0; k < K; k++) {
        v16 b0 = load16(b + k * ldb), b1 = load16(b + k * ldb + 16);
        float a0 = a[k], a1 = a[lda + k], a2 = a[2 * lda + k], a3 = a[3 * lda + k];
        c00 += a0 * b0; c01 += a0 * b1;
        c10 += a1 * b0; c11 += a1 * b1;
        c20 += a2 * b0; c21 += a2 * b1;
        c30 += a3 * b0; c31 += a3 * b1;
    }
    store16(c, c00, beta);           store16(c + 16, c01, beta);
    store16(c + ldc, c10, beta);     store16(c + ldc + 16, c11, beta);
    store16(c + 2 * ldc, c20, beta); store16(c + 2 * ldc + 16, c21, beta);
    store16(c + 3 * ldc, c30, beta); store16(c + 3 * ldc + 16, c31, beta);
}

/* one row, columns n0..n0+15 (the rows past the last full group of 4, and 16-column remainders) */
RNNK_ROW void tile_1x16(const float *restrict a, const float *restrict b, int64_t ldb,
                        float *restrict c, int64_t K, float beta) {
    v16 acc = {0};
    for (int64_t k = 0; k < K; k++) {
        acc += a[k] * load16(b + k * ldb);
    }
    store16(c, acc, beta);
}

/* one element: the columns past the last multiple of 16 */
RNNK_ROW void tile_1x1(const float *restrict a, const float *restrict b, int64_t ldb,
                       float *restrict c, int64_t K, float beta) {
    float acc = 0.0f;
    for (int64_t k = 0; k < K; k++) {
        acc += a[k] * b[k * ldb];
    }
    *c = beta != 0.0f ? beta * *c + acc : acc;
}

/* one row a (K) of A times B into row c of C, columns from..N-1: 16 at a time, then one by one */
RNNK_ROW void row_from(const float *restrict a, const float *restrict b, int64_t ldb, float *restrict c,
                       int64_t from, int64_t N, int64_t K, float beta) {
    int64_t n16 = from + (N - from) / 16 * 16;
    for (int64_t n = from; n < n16; n += 16) {
        tile_1x16(a, b + n, ldb, c + n, K, beta);
    }
    for (int64_t n = n16; n < N; n++) {
        tile_1x1(a, b + n, ldb, c + n, K, beta);
    }
}

RNNK_FMA_CLONES
void rnnk_sgemm_nn(int64_t M, int64_t N, int64_t K, const float *A, int64_t lda, const float *B, int64_t ldb,
                   float beta, float *C, int64_t ldc) {
    int64_t n32 = N - N % 32, m4 = M - M % 4;
    for (int64_t m = 0; m < m4; m += 4) {             /* groups of 4 rows: 4x32 tiles, then each row's rest */
        for (int64_t n = 0; n < n32; n += 32) {
            tile_4x32(A + m * lda, lda, B + n, ldb, C + m * ldc + n, ldc, K, beta);
        }
        for (int64_t i = m; i < m + 4; i++) {
            row_from(A + i * lda, B, ldb, C + i * ldc, n32, N, K, beta);
        }
    }
    for (int64_t m = m4; m < M; m++) {                /* the last M % 4 rows */
        row_from(A + m * lda, B, ldb, C + m * ldc, 0, N, K, beta);
    }
}
