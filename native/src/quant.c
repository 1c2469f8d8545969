/*
 * quant.c — the int8 linear product of quantized inference (rnnk_q8_linear, rnnk.h).
 *
 * What this is: dynamic quantization of activation rows to 8 bits (one symmetric scale per row),
 * an exact int32 product with int8 weights that the caller quantized once (one symmetric scale per
 * output row) and packed once (rnnk.h: blocks of 64 output rows, four k's of a row together), and
 * the dequantization to float — one call. Three paths for the product: AVX-512
 * VNNI (vpdpbusd: uint8 x int8, four products summed into each int32 lane), AVX2 (vpmaddubsw on
 * |x| and sign(x) * w, then vpmaddwd) and plain C; the best one the CPU runs is chosen once. The
 * integer sums are exact in every path, and the float steps around them are the same operations
 * in the same order, so all three give bit-identical results (native/tests/quant_test.c).
 * What this is not: no allocation (the caller passes the quantized rows' buffer), no threads.
 */
#include "rnnk.h"
#include "quant.h"
#include "dispatch.h"

#include <immintrin.h>
#include <string.h>

/* 1.5 * 2^23: for |v| < 2^22, (v + ROUNDER) - ROUNDER is v rounded to the nearest integer, ties to even */
#define ROUNDER 12582912.0f
/* bits of 2^-120: rows whose largest |x| is below it quantize to zeros (127 / 2^-120 still fits a float) */
#define TINY_BITS 0x03800000u
#define FINITE_MAX_BITS 0x7f7fffffu

/*
 * From row b's largest |x| (as bits): x_scale[b] = max / 127 and *inverse = 127 / max, returning 1;
 * or, for a NaN, infinite or zero row, its scale (NaN or 0) and q = 128 written, returning 0.
 */
RNNK_ROW int q8_row_scale(float *x_scale, float *inverse, uint8_t *qb, uint32_t max_bits, int64_t K) {
    float max_abs;
    memcpy(&max_abs, &max_bits, sizeof max_abs);
    if (max_bits > FINITE_MAX_BITS || max_bits < TINY_BITS) {
        *x_scale = max_bits > FINITE_MAX_BITS ? __builtin_nanf("") : 0.0f;
        memset(qb, 128, (size_t)K);
        return 0;
    }
    *x_scale = max_abs / 127.0f;
    *inverse = 127.0f / max_abs;
    return 1;
}

/*
 * Row b: s = max_k |x[b, k]| / 127;  q[b, k] = 128 + rne(x[b, k] * (127 / max_k |x|)), in [1, 255].
 * A row with a NaN or an infinity gets s = NaN (and q = 128), so the product's outputs for that
 * row are NaN, as the float32 product's would be; a row of zeros (max below 2^-120) gets s = 0, q = 128.
 */
void q8_quantize_rows_plain(uint8_t *q, int64_t ldq, float *x_scale, const float *x, int64_t ldx, int64_t B, int64_t K) {
    for (int64_t b = 0; b < B; b++) {
        const float *xb = x + b * ldx;                  /* (K) */
        uint8_t *qb = q + b * ldq;                      /* (K) */
        uint32_t max_bits = 0;                          /* max |x| as bits: ordered like the magnitudes */
        for (int64_t k = 0; k < K; k++) {
            uint32_t bits;
            memcpy(&bits, &xb[k], sizeof bits);
            bits &= 0x7fffffffu;
            max_bits = bits > max_bits ? bits : max_bits;
        }
        float inverse;
        if (!q8_row_scale(&x_scale[b], &inverse, qb, max_bits, K)) continue;
        for (int64_t k = 0; k < K; k++) {
            float v = xb[k] * inverse;                  /* in [-127, 127] up to rounding */
            v = (v + ROUNDER) - ROUNDER;
            v = v > 127.0f ? 127.0f : v;
            v = v < -127.0f ? -127.0f : v;
            qb[k] = (uint8_t)((int32_t)v + 128);
        }
    }
}

/*
 * The same quantization on 16 floats at a time: the maximum over the magnitudes' bits, then per
 * element the same float operations as q8_quantize_rows_plain (multiply, add and subtract 1.5 * 2^23,
 * clamp to [-127, 127]), each rounded exactly as its scalar form, so the bytes and scales are equal.
 */
__attribute__((target("avx512f,avx512bw")))
void q8_quantize_rows_avx512(uint8_t *q, int64_t ldq, float *x_scale, const float *x, int64_t ldx, int64_t B, int64_t K) {
    const __m512i magnitude = _mm512_set1_epi32(0x7fffffff), offset = _mm512_set1_epi32(128);
    const __m512 rounder = _mm512_set1_ps(ROUNDER), high = _mm512_set1_ps(127.0f), low = _mm512_set1_ps(-127.0f);
    const __mmask16 tail = K % 16 == 0 ? 0 : (__mmask16)((1u << (K % 16)) - 1);
    const int64_t full = K - K % 16;
    for (int64_t b = 0; b < B; b++) {
        const float *xb = x + b * ldx;                  /* (K) */
        uint8_t *qb = q + b * ldq;                      /* (K) */
        __m512i max16 = _mm512_setzero_si512();         /* (16) max |x| as bits, per lane */
        for (int64_t k = 0; k < full; k += 16) {
            max16 = _mm512_max_epu32(max16, _mm512_and_si512(_mm512_loadu_si512(xb + k), magnitude));
        }
        if (tail) max16 = _mm512_max_epu32(max16, _mm512_and_si512(_mm512_maskz_loadu_epi32(tail, xb + full), magnitude));
        uint32_t max_bits = _mm512_reduce_max_epu32(max16);
        float row_inverse;
        if (!q8_row_scale(&x_scale[b], &row_inverse, qb, max_bits, K)) continue;
        const __m512 inverse = _mm512_set1_ps(row_inverse);
        for (int64_t k = 0; k <= full; k += 16) {
            if (k == full && !tail) break;
            __mmask16 m = k == full ? tail : (__mmask16)0xffff;
            __m512 v = _mm512_mul_ps(_mm512_maskz_loadu_ps(m, xb + k), inverse);
            v = _mm512_sub_ps(_mm512_add_ps(v, rounder), rounder);
            v = _mm512_max_ps(_mm512_min_ps(v, high), low);
            _mm512_mask_cvtepi32_storeu_epi8(qb + k, m, _mm512_add_epi32(_mm512_cvttps_epi32(v), offset));   /* vpmovdb */
        }
    }
}

/* y = beta * y + s * (x_scale * w_scale), beta = 0 not reading y; and s into sums for the tests */
RNNK_ROW void q8_store(float *y, int32_t *sums, int64_t at, int32_t s, float x_scale, float w_scale, float beta) {
    float v = (float)s * (x_scale * w_scale);
    *y = beta == 0.0f ? v : beta * *y + v;
    if (sums) sums[at] = s;
}

void q8_pack(int8_t *packed, const int8_t *w, int64_t N, int64_t K) {
    int64_t rows = (N + Q8_BLOCK - 1) / Q8_BLOCK * Q8_BLOCK, cols = (K + 3) / 4 * 4;
    memset(packed, 0, (size_t)(rows * cols));
    for (int64_t n = 0; n < N; n++)
        for (int64_t k = 0; k < K; k++) packed[q8_packed_at(n, k, K)] = w[n * K + k];
}

/* four bytes of an activation row: a group of four k's (the rows are padded to whole groups with code 128) */
RNNK_ROW uint32_t q8_load4(const uint8_t *p) {
    uint32_t four;
    memcpy(&four, p, 4);
    return four;
}

void q8_gemm_scalar(float *y, int64_t ldy, int32_t *sums, const uint8_t *q, int64_t ldq, const float *x_scale,
                    const int8_t *w, const float *w_scale, const int32_t *w_comp, float beta,
                    int64_t B, int64_t N, int64_t K) {
    (void)w_comp;
    for (int64_t b = 0; b < B; b++) {
        const uint8_t *qb = q + b * ldq;
        for (int64_t n = 0; n < N; n++) {
            int32_t s = 0;
            for (int64_t k = 0; k < K; k++) s += ((int32_t)qb[k] - 128) * w[q8_packed_at(n, k, K)];
            q8_store(&y[b * ldy + n], sums, b * N + n, s, x_scale[b], w_scale[n], beta);
        }
    }
}

/*
 * AVX2, one activation row against a block of Q8_BLOCK = 64 weight rows: per group of four k's the
 * row's four bytes are broadcast, and eight ymm of the block's 256 bytes (8 rows x 4 bytes each)
 * are multiplied with them. vpmaddubsw multiplies unsigned by signed bytes and adds pairs into
 * int16 with saturation: with x = q - 128 and w both in [-127, 127], |x| * (sign(x) * w) = x * w
 * and a pair of such products is at most 2 * 127 * 127 = 32258 < 32767, so nothing saturates;
 * vpmaddwd then adds the two pairs of each row into its int32 lane. The sums are exact.
 */
__attribute__((target("avx2")))
void q8_gemm_avx2(float *y, int64_t ldy, int32_t *sums, const uint8_t *q, int64_t ldq, const float *x_scale,
                  const int8_t *w, const float *w_scale, const int32_t *w_comp, float beta,
                  int64_t B, int64_t N, int64_t K) {
    (void)w_comp;
    const __m256i flip = _mm256_set1_epi8((char)0x80), ones = _mm256_set1_epi16(1);
    const int64_t groups = (K + 3) / 4;
    for (int64_t n0 = 0; n0 < N; n0 += Q8_BLOCK) {
        const int8_t *block = w + n0 * 4 * groups;      /* (groups, 64, 4) */
        int64_t count = N - n0 < Q8_BLOCK ? N - n0 : Q8_BLOCK;
        for (int64_t b = 0; b < B; b++) {
            const uint8_t *qb = q + b * ldq;
            __m256i acc[8];                             /* (64) int32: rows n0 + 8j .. n0 + 8j + 7 in acc[j] */
            for (int j = 0; j < 8; j++) acc[j] = _mm256_setzero_si256();
            for (int64_t g = 0; g < groups; g++) {
                __m256i x = _mm256_xor_si256(_mm256_set1_epi32((int32_t)q8_load4(qb + 4 * g)), flip);   /* q - 128 as int8 */
                __m256i magnitude = _mm256_abs_epi8(x);
                const int8_t *wg = block + g * 4 * Q8_BLOCK;
                for (int j = 0; j < 8; j++) {
                    __m256i wj = _mm256_loadu_si256((const __m256i *)(wg + 32 * j));
                    __m256i pairs = _mm256_maddubs_epi16(magnitude, _mm256_sign_epi8(wj, x));   /* (16) int16 */
                    acc[j] = _mm256_add_epi32(acc[j], _mm256_madd_epi16(pairs, ones));
                }
            }
            int32_t s[Q8_BLOCK];
            for (int j = 0; j < 8; j++) _mm256_storeu_si256((__m256i *)(s + 8 * j), acc[j]);
            for (int64_t r = 0; r < count; r++) {
                q8_store(&y[b * ldy + n0 + r], sums, b * N + n0 + r, s[r], x_scale[b], w_scale[n0 + r], beta);
            }
        }
    }
}

/*
 * AVX-512 VNNI: vpdpbusd adds, per int32 lane, four products of unsigned bytes (q = x + 128) and
 * signed bytes (w) without saturation: sum_k q w = sum_k x w + 128 sum_k w, so the exact x . w is
 * that minus w_comp[n] (wrapping int32 arithmetic; the final sum fits). With the packed layout a
 * group of four k's of one activation row, broadcast to all 16 lanes (vpbroadcastd), meets 64
 * bytes = 16 weight rows x 4 k's, and each lane accumulates its own output: no horizontal sums.
 * A register block is R activation rows (up to Q8_ROWS = 6) x Q8_BLOCK = 64 outputs (4 zmm):
 * 24 accumulators, 4 weight loads and 6 broadcasts per group. The dequantization is per 16
 * outputs, with the same float operations as q8_store; masked where the block passes N.
 */
#define Q8_ROWS 6
/* outputs per chunk: the rows' blocks pass over 8 weight blocks before the next chunk, so with
 * beta = 1 a row block's outputs are read and written while in L1 (6-7% faster than one block at
 * a time at 256 rows, the same at 64) */
#define Q8_CHUNK 512

/* row i's accumulators a_i0 .. a_i3 += its four bytes of group g (broadcast to 16 lanes by vpbroadcastd) x the
 * block's four weight vectors, when the block has row i */
#define Q8_DOT_ROW(i)                                                                \
    if (R > (i)) {                                                                   \
        __m512i x = _mm512_set1_epi32((int32_t)q8_load4(q + (b0 + (i)) * ldq + 4 * g)); \
        a##i##0 = _mm512_dpbusd_epi32(a##i##0, x, w0);       \
        a##i##1 = _mm512_dpbusd_epi32(a##i##1, x, w1);       \
        a##i##2 = _mm512_dpbusd_epi32(a##i##2, x, w2);       \
        a##i##3 = _mm512_dpbusd_epi32(a##i##3, x, w3);       \
    }

/* row i's 64 outputs from its accumulators */
#define Q8_STORE_ROW(i)                                                                                  \
    if (R > (i)) {                                                                                       \
        __m512i sums_i[4] = {a##i##0, a##i##1, a##i##2, a##i##3};                                        \
        for (int j = 0; j < 4 && n0 + 16 * j < N; j++) {                                                 \
            q8_store16_avx512(y + (b0 + (i)) * ldy + n0 + 16 * j, sums ? sums + (b0 + (i)) * N + n0 + 16 * j : NULL, \
                              sums_i[j], comp[j], scale[j], x_scale[b0 + (i)], beta, mask[j]);           \
        }                                                                                                \
    }

/* y (16, mask m) = beta * y + (float) (acc - comp) * (x_scale * w_scale), the operations of q8_store; s into sums */
__attribute__((target("avx512f,avx512bw,avx512vnni"), always_inline))
static inline void q8_store16_avx512(float *y, int32_t *sums, __m512i acc, __m512i comp, __m512 w_scale, float x_scale, float beta,
                                     __mmask16 m) {
    __m512i s = _mm512_sub_epi32(acc, comp);
    __m512 v = _mm512_mul_ps(_mm512_cvtepi32_ps(s), _mm512_mul_ps(_mm512_set1_ps(x_scale), w_scale));
    if (beta != 0.0f) v = _mm512_add_ps(_mm512_mul_ps(_mm512_set1_ps(beta), _mm512_maskz_loadu_ps(m, y)), v);
    _mm512_mask_storeu_ps(y, m, v);
    if (sums) _mm512_mask_storeu_epi32(sums, m, s);
}

/* activation rows b0 .. b0 + R - 1 (R <= Q8_ROWS, a constant where inlined) x outputs n0 .. n0 + 63 */
__attribute__((target("avx512f,avx512bw,avx512vnni"), always_inline))
static inline void q8_block_avx512vnni(float *y, int64_t ldy, int32_t *sums, const uint8_t *q, int64_t ldq, const float *x_scale,
                                       const int8_t *block, const float *w_scale, const int32_t *w_comp, float beta,
                                       int64_t b0, int64_t n0, int64_t N, int64_t K, const int R) {
    const int64_t groups = (K + 3) / 4;
    /* a_ij (16) int32: row b0 + i's sums for outputs n0 + 16j .. n0 + 16j + 15 */
    __m512i a00 = _mm512_setzero_si512(), a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00, a13 = a00;
    __m512i a20 = a00, a21 = a00, a22 = a00, a23 = a00, a30 = a00, a31 = a00, a32 = a00, a33 = a00;
    __m512i a40 = a00, a41 = a00, a42 = a00, a43 = a00, a50 = a00, a51 = a00, a52 = a00, a53 = a00;
    int64_t g = 0;
    if (R == 1) {                                       /* one row: the odd groups into a_1j, two chains per output */
        for (; g + 1 < groups; g += 2) {
            const int8_t *wg = block + g * 4 * Q8_BLOCK;
            const uint8_t *qb = q + b0 * ldq + 4 * g;
            __m512i x = _mm512_set1_epi32((int32_t)q8_load4(qb)), x1 = _mm512_set1_epi32((int32_t)q8_load4(qb + 4));
            a00 = _mm512_dpbusd_epi32(a00, x, _mm512_loadu_si512(wg));
            a01 = _mm512_dpbusd_epi32(a01, x, _mm512_loadu_si512(wg + 64));
            a02 = _mm512_dpbusd_epi32(a02, x, _mm512_loadu_si512(wg + 128));
            a03 = _mm512_dpbusd_epi32(a03, x, _mm512_loadu_si512(wg + 192));
            a10 = _mm512_dpbusd_epi32(a10, x1, _mm512_loadu_si512(wg + 256));
            a11 = _mm512_dpbusd_epi32(a11, x1, _mm512_loadu_si512(wg + 320));
            a12 = _mm512_dpbusd_epi32(a12, x1, _mm512_loadu_si512(wg + 384));
            a13 = _mm512_dpbusd_epi32(a13, x1, _mm512_loadu_si512(wg + 448));
        }
    }
    for (; g < groups; g++) {
        const int8_t *wg = block + g * 4 * Q8_BLOCK;    /* (64, 4) */
        __m512i w0 = _mm512_loadu_si512(wg), w1 = _mm512_loadu_si512(wg + 64);
        __m512i w2 = _mm512_loadu_si512(wg + 128), w3 = _mm512_loadu_si512(wg + 192);
        Q8_DOT_ROW(0) Q8_DOT_ROW(1) Q8_DOT_ROW(2) Q8_DOT_ROW(3) Q8_DOT_ROW(4) Q8_DOT_ROW(5)
    }
    if (R == 1) {                                       /* exact: integer sums in any order */
        a00 = _mm512_add_epi32(a00, a10), a01 = _mm512_add_epi32(a01, a11);
        a02 = _mm512_add_epi32(a02, a12), a03 = _mm512_add_epi32(a03, a13);
    }
    __mmask16 mask[4];
    __m512i comp[4];
    __m512 scale[4];
    for (int j = 0; j < 4; j++) {
        int64_t count = N - n0 - 16 * j;
        mask[j] = count >= 16 ? (__mmask16)0xffff : count <= 0 ? 0 : (__mmask16)((1u << count) - 1);
        comp[j] = _mm512_maskz_loadu_epi32(mask[j], w_comp + n0 + 16 * j);
        scale[j] = _mm512_maskz_loadu_ps(mask[j], w_scale + n0 + 16 * j);
    }
    Q8_STORE_ROW(0) Q8_STORE_ROW(1) Q8_STORE_ROW(2) Q8_STORE_ROW(3) Q8_STORE_ROW(4) Q8_STORE_ROW(5)
}

/* one instance per block height R, so that each keeps its accumulators in registers */
#define Q8_BLOCK_OF(R)                                                                                                        \
    __attribute__((target("avx512f,avx512bw,avx512vnni"), noinline)) static void q8_block_##R(                                \
        float *y, int64_t ldy, int32_t *sums, const uint8_t *q, int64_t ldq, const float *x_scale, const int8_t *block,      \
        const float *w_scale, const int32_t *w_comp, float beta, int64_t b0, int64_t n0, int64_t N, int64_t K) {              \
        q8_block_avx512vnni(y, ldy, sums, q, ldq, x_scale, block, w_scale, w_comp, beta, b0, n0, N, K, R);                    \
    }
Q8_BLOCK_OF(1)
Q8_BLOCK_OF(2)
Q8_BLOCK_OF(3)
Q8_BLOCK_OF(4)
Q8_BLOCK_OF(5)
Q8_BLOCK_OF(6)

__attribute__((target("avx512f,avx512bw,avx512vnni")))
void q8_gemm_avx512vnni(float *y, int64_t ldy, int32_t *sums, const uint8_t *q, int64_t ldq, const float *x_scale,
                        const int8_t *w, const float *w_scale, const int32_t *w_comp, float beta,
                        int64_t B, int64_t N, int64_t K) {
    typedef void (*block_fn)(float *, int64_t, int32_t *, const uint8_t *, int64_t, const float *, const int8_t *,
                             const float *, const int32_t *, float, int64_t, int64_t, int64_t, int64_t);
    static const block_fn blocks[Q8_ROWS + 1] = {NULL, q8_block_1, q8_block_2, q8_block_3, q8_block_4, q8_block_5, q8_block_6};
    const int64_t groups = (K + 3) / 4;
    for (int64_t c0 = 0; c0 < N; c0 += Q8_CHUNK) {      /* a chunk's weights (K4 * 512 bytes) stay in L2 over all rows */
        int64_t c1 = c0 + Q8_CHUNK < N ? c0 + Q8_CHUNK : N;
        for (int64_t b0 = 0; b0 < B; b0 += Q8_ROWS) {
            int64_t rows = B - b0 < Q8_ROWS ? B - b0 : Q8_ROWS;
            for (int64_t n0 = c0; n0 < c1; n0 += Q8_BLOCK) {   /* a row block's y (6 x 512 floats) stays in L1 */
                blocks[rows](y, ldy, sums, q, ldq, x_scale, w + n0 * 4 * groups, w_scale, w_comp, beta, b0, n0, N, K);
            }
        }
    }
}

int q8_has_avx2(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2");
}

int q8_has_avx512vnni(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vnni");
}

/* the product's path for this CPU, chosen once when the library is loaded (an IFUNC-like resolver) */
static q8_gemm_fn q8_gemm;
static q8_quantize_fn q8_quantize;

__attribute__((constructor))
static void q8_choose(void) {
    q8_gemm = q8_has_avx512vnni() ? q8_gemm_avx512vnni : q8_has_avx2() ? q8_gemm_avx2 : q8_gemm_scalar;
    q8_quantize = q8_has_avx512vnni() ? q8_quantize_rows_avx512 : q8_quantize_rows_plain;
}

void rnnk_q8_linear(float *y, int64_t ldy, uint8_t *x_q, float *x_scale, const float *x, int64_t ldx,
                    const int8_t *w, const float *w_scale, const int32_t *w_comp, float beta,
                    int64_t B, int64_t N, int64_t K) {
    const int64_t ldq = (K + 3) / 4 * 4;                /* the rows padded to whole groups of four bytes */
    q8_quantize(x_q, ldq, x_scale, x, ldx, B, K);
    for (int64_t b = 0; b < B && ldq > K; b++) memset(x_q + b * ldq + K, 128, (size_t)(ldq - K));   /* code 128: the value 0 */
    q8_gemm(y, ldy, NULL, x_q, ldq, x_scale, w, w_scale, w_comp, beta, B, N, K);
}

int32_t rnnk_q8_path(void) {
    return q8_gemm == q8_gemm_avx512vnni ? 2 : q8_gemm == q8_gemm_avx2 ? 1 : 0;
}
