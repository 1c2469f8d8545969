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
 *
 * rnnk_sgemm_atb: the weight gradients of training, C (M, N) += A^T B with A (K, M) and B (K, N)
 * as stored (dW_ih += dG^T X, dW_hh += dG^T H_prev, K = T*B rows). Both operands are read along
 * their rows, K long, so it works in blocks of ATB_DEPTH k: B's block packed into the panels above
 * (rnnk_sgemm_pack_transposed of the block), A's block, per chunk of ATB_ROWS rows of C, into
 * strips of 8 columns of A (8 consecutive floats of a row of A per k), both into the caller's
 * scratch. The tile's accumulators start from C and every k adds one multiply-add, so each element
 * is C + a_0 b_0 + a_1 b_1 + ... in increasing k, whatever the blocks and tiles.
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
 * Columns of Wt (K, N; row stride ldw) in panels of `width` columns, one after the other, each
 * k-major: panel p holds, for k = 0..K-1, Wt[k][width p + j] (j < width), zero past column N.
 */
static void pack_columns(float *packed, int64_t width, const float *Wt, int64_t ldw, int64_t N, int64_t K) {
    for (int64_t n0 = 0; n0 < N; n0 += width) {
        float *panel = packed + n0 * K;                       /* (K, width) */
        int64_t used = N - n0 < width ? N - n0 : width;
        for (int64_t k = 0; k < K; k++) {
            memcpy(panel + k * width, Wt + k * ldw + n0, (size_t)used * sizeof(float));
            memset(panel + k * width + used, 0, (size_t)(width - used) * sizeof(float));
        }
    }
}

/*
 * The packed form of W (N, K) read from Wt = W^T (K, N): panel p holds, for k = 0..K-1,
 * Wt[k][32p + j] (j = 0..31) — 32 consecutive floats of row k of Wt — so rnnk_sgemm_packed then
 * multiplies by Wt as stored.
 */
void rnnk_sgemm_pack_transposed(float *packed, const float *Wt, int64_t ldw, int64_t N, int64_t K) {
    pack_columns(packed, PANEL, Wt, ldw, N, K);
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

int32_t rnnk_sgemm_packed_tile_rows(void) {
    return __builtin_cpu_supports("avx512f") ? WIDE_ROWS : 2;
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

/*
 * The weight gradients' product, C += A^T B (see the file's header). Blocks of ATB_DEPTH k (one
 * block's panels of B: 32 columns x 512 k = 64 KB each, streamed from L2 like the forward's), chunks of
 * ATB_ROWS rows of C (its strips of A: 128 x 512 floats = 256 KB, held in L2 while every panel passes over
 * them). Larger blocks read and write C fewer times (once per block).
 */
enum { ATB_DEPTH = 512, ATB_ROWS = 128, STRIP = 8 };

int64_t rnnk_sgemm_atb_scratch_floats(int64_t N) {
    return ((N + PANEL - 1) / PANEL * PANEL + ATB_ROWS) * ATB_DEPTH;
}

/* the 32 floats of a row of C from `c`, the first `width` of them, zero past it */
RNNK_ROW void load_row(const float *c, int64_t width, v16 *lo, v16 *hi) {
    if (width == PANEL) {
        *lo = load16(c);
        *hi = load16(c + 16);
        return;
    }
    float in[PANEL];
    for (int64_t j = 0; j < PANEL; j++) {
        in[j] = j < width ? c[j] : 0.0f;
    }
    memcpy(lo, in, sizeof *lo);
    memcpy(hi, in + 16, sizeof *hi);
}

/*
 * rows 0..R-1 of a strip (R <= 8; `rows` of them are rows of C) against one panel (`width` columns
 * of C): acc (R, 32) = C's tile, acc += strip[k][i] (x) panel[k] for k = 0..depth-1, C's tile = acc.
 */
RNNK_ROW void tile_atb(int R, const float *restrict strip, const float *restrict panel, float *restrict c,
                       int64_t ldc, int64_t depth, int64_t rows, int64_t width) {
    v16 p0 = {0}, q0 = {0}, p1 = {0}, q1 = {0}, p2 = {0}, q2 = {0}, p3 = {0}, q3 = {0};
    v16 p4 = {0}, q4 = {0}, p5 = {0}, q5 = {0}, p6 = {0}, q6 = {0}, p7 = {0}, q7 = {0};
    if (rows > 0) load_row(c, width, &p0, &q0);
    if (R > 1 && rows > 1) load_row(c + ldc, width, &p1, &q1);
    if (R > 2 && rows > 2) load_row(c + 2 * ldc, width, &p2, &q2);
    if (R > 3 && rows > 3) load_row(c + 3 * ldc, width, &p3, &q3);
    if (R > 4 && rows > 4) load_row(c + 4 * ldc, width, &p4, &q4);
    if (R > 5 && rows > 5) load_row(c + 5 * ldc, width, &p5, &q5);
    if (R > 6 && rows > 6) load_row(c + 6 * ldc, width, &p6, &q6);
    if (R > 7 && rows > 7) load_row(c + 7 * ldc, width, &p7, &q7);
    for (int64_t k = 0; k < depth; k++) {
        v16 b0 = load16(panel + k * PANEL), b1 = load16(panel + k * PANEL + 16);
        const float *a = strip + k * STRIP;
        p0 += a[0] * b0; q0 += a[0] * b1;
        if (R > 1) { p1 += a[1] * b0; q1 += a[1] * b1; }
        if (R > 2) { p2 += a[2] * b0; q2 += a[2] * b1; }
        if (R > 3) { p3 += a[3] * b0; q3 += a[3] * b1; }
        if (R > 4) { p4 += a[4] * b0; q4 += a[4] * b1; }
        if (R > 5) { p5 += a[5] * b0; q5 += a[5] * b1; }
        if (R > 6) { p6 += a[6] * b0; q6 += a[6] * b1; }
        if (R > 7) { p7 += a[7] * b0; q7 += a[7] * b1; }
    }
    if (rows > 0) store_row(c, p0, q0, width, 0.0f);
    if (R > 1 && rows > 1) store_row(c + ldc, p1, q1, width, 0.0f);
    if (R > 2 && rows > 2) store_row(c + 2 * ldc, p2, q2, width, 0.0f);
    if (R > 3 && rows > 3) store_row(c + 3 * ldc, p3, q3, width, 0.0f);
    if (R > 4 && rows > 4) store_row(c + 4 * ldc, p4, q4, width, 0.0f);
    if (R > 5 && rows > 5) store_row(c + 5 * ldc, p5, q5, width, 0.0f);
    if (R > 6 && rows > 6) store_row(c + 6 * ldc, p6, q6, width, 0.0f);
    if (R > 7 && rows > 7) store_row(c + 7 * ldc, p7, q7, width, 0.0f);
}

/* C (M, N) += the block: strips (M up to 8, depth) of A^T against panels (N up to 32, depth) of B */
static RNNK_FMA_CLONES void rnnk_atb_block(float *C, int64_t ldc, const float *strips, const float *panels,
                                           int64_t M, int64_t N, int64_t depth) {
    int wide = __builtin_cpu_supports("avx512f");
    for (int64_t n0 = 0; n0 < N; n0 += PANEL) {
        const float *panel = panels + n0 * depth;             /* (depth, 32) */
        int64_t width = N - n0 < PANEL ? N - n0 : PANEL;
        for (int64_t m0 = 0; m0 < M; m0 += STRIP) {
            const float *strip = strips + m0 * depth;         /* (depth, 8) */
            float *c = C + m0 * ldc + n0;
            int64_t rows = M - m0 < STRIP ? M - m0 : STRIP;
            if (wide) {
                tile_atb(STRIP, strip, panel, c, ldc, depth, rows, width);
            } else {
                for (int64_t r = 0; r < rows; r += 2) {
                    tile_atb(2, strip + r, panel, c + r * ldc, ldc, depth, rows - r, width);
                }
            }
        }
    }
}

void rnnk_sgemm_atb(float *C, int64_t ldc, const float *A, int64_t lda, const float *B, int64_t ldb,
                    float *scratch, int64_t M, int64_t N, int64_t K) {
    float *panels = scratch;                                            /* (N up to 32, depth) packed */
    float *strips = scratch + (N + PANEL - 1) / PANEL * PANEL * ATB_DEPTH;   /* (ATB_ROWS, depth) packed */
    for (int64_t k0 = 0; k0 < K; k0 += ATB_DEPTH) {
        int64_t depth = K - k0 < ATB_DEPTH ? K - k0 : ATB_DEPTH;
        pack_columns(panels, PANEL, B + k0 * ldb, ldb, N, depth);       /* B's rows k0.. as panels */
        for (int64_t m0 = 0; m0 < M; m0 += ATB_ROWS) {
            int64_t rows = M - m0 < ATB_ROWS ? M - m0 : ATB_ROWS;
            pack_columns(strips, STRIP, A + k0 * lda + m0, lda, rows, depth);   /* A^T's rows m0.. as strips */
            rnnk_atb_block(C + m0 * ldc, ldc, strips, panels, rows, N, depth);
        }
    }
}
