/*
 * gemm_packed.c — C (M, N) = beta * C + A (M, K) * W^T for a weight matrix W (N, K) packed once
 * (rnnk_sgemm_pack) into column panels, single-threaded: the products of a model's weights in a
 * step of many rows (a stream batch's gates (B, G*H) = [x | h_{t-1}] (B, In+H) [W_ih | W_hh]^T) and
 * in an inference pass's recurrent products, which OpenBLAS repacks on every call.
 *
 * Packed form: panels of 32 columns of W^T (32 rows of W), one after the other; panel p holds, for
 * k = 0..K-1, the 32 floats W[32p + j][k] (j = 0..31), the columns past N zero. It is
 * rnnk_sgemm_packed_floats(N, K) floats. A panel is read front to back, 32 floats per k, so
 * the micro-kernel streams it from L1/L2 with two vector loads per k. rnnk_sgemm_pack_transposed
 * writes the same form from W^T stored as (K, N), so that the products by a weight matrix as it is
 * stored (the backward's dh_{t-1} = dG W_hh) run on the same kernel.
 *
 * Micro-kernel: R rows x 32 columns of C in 2R vector accumulators; per k two loads of the panel
 * and R broadcasts of A feed 2R multiply-adds. R is 8 where the CPU has AVX-512 (16 of its 32 zmm
 * registers hold C) and 2 elsewhere (AVX2's 16 ymm registers: 2 x 32 floats are 8 of them); rows
 * left over go through 2-row and 1-row tiles. Rows are taken in chunks of 96 so that the chunk of
 * A stays in L2 while every panel passes over it. Every element of C is the sum over k in
 * increasing order, one multiply-add per k, whatever the tile: the result does not depend on the
 * tile shape nor on M. Like gemm.c this file is compiled with -ffp-contract=fast and cloned for
 * x86-64-v4 / -v3 / baseline (RNNK_FMA_CLONES), so the multiply-adds are FMA instructions where the
 * CPU has them; the clones differ in the last bits and the tests hold them to an error bound.
 */
#include <string.h>
#include "rnnk.h"
#include "dispatch.h"

typedef float v16 __attribute__((vector_size(64)));
typedef float v16_unaligned __attribute__((vector_size(64), aligned(4), may_alias));

enum { PANEL = 32, ROW_CHUNK = 96, WIDE_ROWS = 8 };

RNNK_ROW v16 load16(const float *p) {
    return *(const v16_unaligned *)p;
}

/* C[0..15] = acc when beta is 0 (C is not read: it may hold NaN), else beta * C + acc */
RNNK_ROW void store16(float *c, v16 acc, float beta) {
    if (beta != 0.0f) {
        acc = beta * load16(c) + acc;
    }
    memcpy(c, &acc, sizeof acc);
}

/* the first `width` (<= 32) of the 32 floats [lo | hi] into C, likewise */
RNNK_ROW void store_row(float *c, v16 lo, v16 hi, int64_t width, float beta) {
    if (width == PANEL) {
        store16(c, lo, beta);
        store16(c + 16, hi, beta);
        return;
    }
    float out[PANEL];
    memcpy(out, &lo, sizeof lo);
    memcpy(out + 16, &hi, sizeof hi);
    for (int64_t j = 0; j < width; j++) {
        c[j] = beta != 0.0f ? beta * c[j] + out[j] : out[j];
    }
}

int64_t rnnk_sgemm_packed_floats(int64_t N, int64_t K) {
    return (N + PANEL - 1) / PANEL * PANEL * K;
}

/*
 * Blocks of 16 k: each of the panel's 32 rows of W gives one cache line (16 consecutive k) to the
 * block before the next row is read. Rows of W lie ldw floats apart, often a multiple of 4 KB,
 * so that 32 of them fall into the same L1 set; reading each line once, completely, keeps the
 * packing from evicting lines it has not finished reading (docs/performance.md has the timings).
 */
void rnnk_sgemm_pack(float *packed, const float *W, int64_t ldw, int64_t N, int64_t K) {
    enum { K_BLOCK = 16 };
    for (int64_t n0 = 0; n0 < N; n0 += PANEL) {
        float *panel = packed + n0 * K;                       /* (K, 32) */
        int64_t width = N - n0 < PANEL ? N - n0 : PANEL;
        for (int64_t k0 = 0; k0 < K; k0 += K_BLOCK) {
            int64_t depth = K - k0 < K_BLOCK ? K - k0 : K_BLOCK;
            for (int64_t j = 0; j < width; j++) {
                const float *row = W + (n0 + j) * ldw + k0;
                for (int64_t k = 0; k < depth; k++) {
                    panel[(k0 + k) * PANEL + j] = row[k];
                }
            }
            for (int64_t j = width; j < PANEL; j++) {
                for (int64_t k = 0; k < depth; k++) {
                    panel[(k0 + k) * PANEL + j] = 0.0f;
                }
            }
        }
    }
}

/*
 * The packed form of W (N, K) read from Wt = W^T (K, N): panel p holds, for k = 0..K-1,
 * Wt[k][32p + j] (j = 0..31) — 32 consecutive floats of row k of Wt — so rnnk_sgemm_packed then
 * multiplies by Wt as stored.
 */
void rnnk_sgemm_pack_transposed(float *packed, const float *Wt, int64_t ldw, int64_t N, int64_t K) {
    for (int64_t n0 = 0; n0 < N; n0 += PANEL) {
        float *panel = packed + n0 * K;                       /* (K, 32) */
        int64_t width = N - n0 < PANEL ? N - n0 : PANEL;
        for (int64_t k = 0; k < K; k++) {
            memcpy(panel + k * PANEL, Wt + k * ldw + n0, (size_t)width * sizeof(float));
            memset(panel + k * PANEL + width, 0, (size_t)(PANEL - width) * sizeof(float));
        }
    }
}

/*
 * rows 0..R-1 of C (R <= 8), the `width` (<= 32) columns of one panel: acc (R, 32) = A rows * panel,
 * then C = acc (beta 0: C is not read, it may hold NaN) or beta * C + acc. The accumulators are
 * named variables, not an array: GCC then keeps all of them and both panel vectors in registers.
 */
RNNK_ROW void tile(int R, const float *restrict a, int64_t lda, const float *restrict panel,
                   float *restrict c, int64_t ldc, int64_t K, int64_t width, float beta) {
    v16 p0 = {0}, q0 = {0}, p1 = {0}, q1 = {0}, p2 = {0}, q2 = {0}, p3 = {0}, q3 = {0};
    v16 p4 = {0}, q4 = {0}, p5 = {0}, q5 = {0}, p6 = {0}, q6 = {0}, p7 = {0}, q7 = {0};
    for (int64_t k = 0; k < K; k++) {
        v16 b0 = load16(panel + k * PANEL), b1 = load16(panel + k * PANEL + 16);
        float x0 = a[k];
        p0 += x0 * b0; q0 += x0 * b1;
        if (R > 1) { float x = a[lda + k];     p1 += x * b0; q1 += x * b1; }
        if (R > 2) { float x = a[2 * lda + k]; p2 += x * b0; q2 += x * b1; }
        if (R > 3) { float x = a[3 * lda + k]; p3 += x * b0; q3 += x * b1; }
        if (R > 4) { float x = a[4 * lda + k]; p4 += x * b0; q4 += x * b1; }
        if (R > 5) { float x = a[5 * lda + k]; p5 += x * b0; q5 += x * b1; }
        if (R > 6) { float x = a[6 * lda + k]; p6 += x * b0; q6 += x * b1; }
        if (R > 7) { float x = a[7 * lda + k]; p7 += x * b0; q7 += x * b1; }
    }
    store_row(c, p0, q0, width, beta);
    if (R > 1) store_row(c + ldc, p1, q1, width, beta);
    if (R > 2) store_row(c + 2 * ldc, p2, q2, width, beta);
    if (R > 3) store_row(c + 3 * ldc, p3, q3, width, beta);
    if (R > 4) store_row(c + 4 * ldc, p4, q4, width, beta);
    if (R > 5) store_row(c + 5 * ldc, p5, q5, width, beta);
    if (R > 6) store_row(c + 6 * ldc, p6, q6, width, beta);
    if (R > 7) store_row(c + 7 * ldc, p7, q7, width, beta);
}

/* rows m0..m1-1 of C against every panel: R-row tiles, then 2-row and 1-row tiles for the rest */
RNNK_ROW void row_chunk(int R, float *C, int64_t ldc, const float *A, int64_t lda, const float *packed,
                        float beta, int64_t m0, int64_t m1, int64_t N, int64_t K) {
    for (int64_t n0 = 0; n0 < N; n0 += PANEL) {
        const float *panel = packed + n0 * K;
        int64_t width = N - n0 < PANEL ? N - n0 : PANEL;
        int64_t m = m0;
        for (; m + R <= m1; m += R) {
            tile(R, A + m * lda, lda, panel, C + m * ldc + n0, ldc, K, width, beta);
        }
        for (; m + 2 <= m1; m += 2) {
            tile(2, A + m * lda, lda, panel, C + m * ldc + n0, ldc, K, width, beta);
        }
        for (; m < m1; m++) {
            tile(1, A + m * lda, lda, panel, C + m * ldc + n0, ldc, K, width, beta);
        }
    }
}

RNNK_FMA_CLONES
void rnnk_sgemm_packed(float *C, int64_t ldc, const float *A, int64_t lda, const float *packed, float beta,
                       int64_t M, int64_t N, int64_t K) {
    int wide = __builtin_cpu_supports("avx512f");
    for (int64_t m0 = 0; m0 < M; m0 += ROW_CHUNK) {
        int64_t m1 = M - m0 < ROW_CHUNK ? M : m0 + ROW_CHUNK;
        if (wide) {
            row_chunk(WIDE_ROWS, C, ldc, A, lda, packed, beta, m0, m1, N, K);
        } else {
            row_chunk(2, C, ldc, A, lda, packed, beta, m0, m1, N, K);
        }
    }
}
