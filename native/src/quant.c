/*
 * quant.c — the int8 linear product of quantized inference (rnnk_q8_linear, rnnk.h).
 *
 * What this is: dynamic quantization of activation rows to 8 bits (one symmetric scale per row),
 * an exact int32 product with int8 weights that the caller quantized once (one symmetric scale per
 * output row), and the dequantization to float — one call. Three paths for the product: AVX-512
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

void q8_gemm_scalar(float *y, int64_t ldy, int32_t *sums, const uint8_t *q, int64_t ldq, const float *x_scale,
                    const int8_t *w, const float *w_scale, const int32_t *w_comp, float beta,
                    int64_t B, int64_t N, int64_t K) {
    (void)w_comp;
    for (int64_t b = 0; b < B; b++) {
        const uint8_t *qb = q + b * ldq;
        for (int64_t n = 0; n < N; n++) {
            const int8_t *wn = w + n * K;
            int32_t s = 0;
            for (int64_t k = 0; k < K; k++) s += ((int32_t)qb[k] - 128) * wn[k];
            q8_store(&y[b * ldy + n], sums, b * N + n, s, x_scale[b], w_scale[n], beta);
        }
    }
}

/*
 * AVX2: vpmaddubsw multiplies unsigned by signed bytes and adds pairs into int16 with saturation.
 * With x = q - 128 and w both in [-127, 127], |x| * (sign(x) * w) = x * w and a pair of such
 * products is at most 2 * 127 * 127 = 32258 < 32767: no saturation, the sums stay exact.
 */
__attribute__((target("avx2")))
static inline int32_t q8_dot_avx2(const uint8_t *q, const int8_t *w, int64_t K) {
    const __m256i flip = _mm256_set1_epi8((char)0x80), ones = _mm256_set1_epi16(1);
    __m256i acc = _mm256_setzero_si256();
    int64_t k = 0;
    for (; k + 32 <= K; k += 32) {
        __m256i x = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(q + k)), flip);   /* q - 128 as int8 */
        __m256i wk = _mm256_loadu_si256((const __m256i *)(w + k));
        __m256i pairs = _mm256_maddubs_epi16(_mm256_abs_epi8(x), _mm256_sign_epi8(wk, x));  /* (16) int16 */
        acc = _mm256_add_epi32(acc, _mm256_madd_epi16(pairs, ones));
    }
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
    int32_t total = _mm_cvtsi128_si32(s);
    for (; k < K; k++) total += ((int32_t)q[k] - 128) * w[k];
    return total;
}

__attribute__((target("avx2")))
void q8_gemm_avx2(float *y, int64_t ldy, int32_t *sums, const uint8_t *q, int64_t ldq, const float *x_scale,
                  const int8_t *w, const float *w_scale, const int32_t *w_comp, float beta,
                  int64_t B, int64_t N, int64_t K) {
    (void)w_comp;
    for (int64_t n = 0; n < N; n++) {                   /* one weight row stays in L1 over all b */
        const int8_t *wn = w + n * K;
        for (int64_t b = 0; b < B; b++) {
            int32_t s = q8_dot_avx2(q + b * ldq, wn, K);
            q8_store(&y[b * ldy + n], sums, b * N + n, s, x_scale[b], w_scale[n], beta);
        }
    }
}

/*
 * AVX-512 VNNI: vpdpbusd adds, per int32 lane, four products of unsigned bytes (q = x + 128) and
 * signed bytes (w) without saturation: sum_k q w = sum_k x w + 128 sum_k w, so the exact x . w is
 * that minus w_comp[n]. A block is Q8_ROWS = 4 weight rows times Q8_COLS = 4 activation rows
 * (sixteen independent accumulators; each weight load serves four activation rows and each
 * activation load four weight rows), then the last B % 4 activation rows one at a time against the
 * same four weight rows; the last partial 64 bytes are read with a zeroing mask. A short block of
 * weight rows (N % 4) repeats a valid row and stores only its real results. Each activation row's four sums are reduced into one xmm and, in a full
 * block, dequantized four at a time with the same float operations as q8_store.
 */
#define Q8_ROWS 4
#define Q8_COLS 4

/* the four accumulators' lane sums, as (4) int32 in one xmm: [sum a0, sum a1, sum a2, sum a3] */
__attribute__((target("avx512f,avx512bw,avx512vnni")))
static inline __m128i q8_sum4_avx512(__m512i a0, __m512i a1, __m512i a2, __m512i a3) {
    __m512i t0 = _mm512_add_epi32(_mm512_unpacklo_epi32(a0, a1), _mm512_unpackhi_epi32(a0, a1));   /* a0 a1 a0 a1 per lane */
    __m512i t1 = _mm512_add_epi32(_mm512_unpacklo_epi32(a2, a3), _mm512_unpackhi_epi32(a2, a3));
    __m512i u = _mm512_add_epi32(_mm512_unpacklo_epi64(t0, t1), _mm512_unpackhi_epi64(t0, t1));     /* a0 a1 a2 a3 per lane */
    __m256i v = _mm256_add_epi32(_mm512_castsi512_si256(u), _mm512_extracti64x4_epi64(u, 1));
    return _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
}

/*
 * y[b, n0 .. n0 + rows) from activation row b's exact sums s (4) int32:
 * y = beta * y + (float) s * (x_scale * w_scale), as q8_store, four lanes at once when rows = 4
 */
__attribute__((target("avx512f,avx512bw,avx512vnni")))
static inline void q8_store4_avx512(float *yb, int32_t *sums, int64_t at, __m128i s, float x_scale, const float *w_scale,
                                    float beta, int rows) {
    if (rows < Q8_ROWS) {
        int32_t lanes[Q8_ROWS];
        _mm_storeu_si128((__m128i *)lanes, s);
        for (int r = 0; r < rows; r++) q8_store(&yb[r], sums, at + r, lanes[r], x_scale, w_scale[r], beta);
        return;
    }
    __m128 v = _mm_mul_ps(_mm_cvtepi32_ps(s), _mm_mul_ps(_mm_set1_ps(x_scale), _mm_loadu_ps(w_scale)));
    if (beta != 0.0f) v = _mm_add_ps(_mm_mul_ps(_mm_set1_ps(beta), _mm_loadu_ps(yb)), v);
    _mm_storeu_ps(yb, v);
    if (sums) _mm_storeu_si128((__m128i *)(sums + at), s);
}

/* acc_i_r += q row i (64 bytes) . w row r, for the four weight rows v0 .. v3 */
#define Q8_DOT4(i, xi)                                  \
    do {                                                \
        c##i##0 = _mm512_dpbusd_epi32(c##i##0, xi, v0); \
        c##i##1 = _mm512_dpbusd_epi32(c##i##1, xi, v1); \
        c##i##2 = _mm512_dpbusd_epi32(c##i##2, xi, v2); \
        c##i##3 = _mm512_dpbusd_epi32(c##i##3, xi, v3); \
    } while (0)

/* step k's mask m (all 64 bytes, or the tail's K % 64 at k = full) and the four weight rows' bytes v0 .. v3 */
#define Q8_WEIGHTS4(k)                                                                                         \
    __mmask64 m = (k) == full ? tail : ~(__mmask64)0;                                                          \
    __m512i v0 = _mm512_maskz_loadu_epi8(m, w0 + (k)), v1 = _mm512_maskz_loadu_epi8(m, w1 + (k));             \
    __m512i v2 = _mm512_maskz_loadu_epi8(m, w2 + (k)), v3 = _mm512_maskz_loadu_epi8(m, w3 + (k))

__attribute__((target("avx512f,avx512bw,avx512vnni")))
void q8_gemm_avx512vnni(float *y, int64_t ldy, int32_t *sums, const uint8_t *q, int64_t ldq, const float *x_scale,
                        const int8_t *w, const float *w_scale, const int32_t *w_comp, float beta,
                        int64_t B, int64_t N, int64_t K) {
    const __mmask64 tail = K % 64 == 0 ? 0 : (__mmask64)(~0ull >> (64 - K % 64));
    const int64_t full = K - K % 64;
    for (int64_t n0 = 0; n0 < N; n0 += Q8_ROWS) {
        int rows = N - n0 < Q8_ROWS ? (int)(N - n0) : Q8_ROWS;
        const int8_t *w0 = w + n0 * K;
        const int8_t *w1 = w + (n0 + (rows > 1 ? 1 : 0)) * K, *w2 = w + (n0 + (rows > 2 ? 2 : 0)) * K, *w3 = w + (n0 + (rows > 3 ? 3 : 0)) * K;
        const __m128i comp = _mm_set_epi32(w_comp[n0 + (rows > 3 ? 3 : 0)], w_comp[n0 + (rows > 2 ? 2 : 0)],
                                           w_comp[n0 + (rows > 1 ? 1 : 0)], w_comp[n0]);
        int64_t b = 0;
        for (; b + Q8_COLS <= B; b += Q8_COLS) {
            const uint8_t *q0 = q + b * ldq, *q1 = q0 + ldq, *q2 = q1 + ldq, *q3 = q2 + ldq;
            __m512i c00 = _mm512_setzero_si512(), c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00, c12 = c00, c13 = c00;
            __m512i c20 = c00, c21 = c00, c22 = c00, c23 = c00, c30 = c00, c31 = c00, c32 = c00, c33 = c00;
            for (int64_t k = 0; k < K; k += 64) {
                Q8_WEIGHTS4(k);
                __m512i x0 = _mm512_maskz_loadu_epi8(m, q0 + k);
                Q8_DOT4(0, x0);
                __m512i x1 = _mm512_maskz_loadu_epi8(m, q1 + k);
                Q8_DOT4(1, x1);
                __m512i x2 = _mm512_maskz_loadu_epi8(m, q2 + k);
                Q8_DOT4(2, x2);
                __m512i x3 = _mm512_maskz_loadu_epi8(m, q3 + k);
                Q8_DOT4(3, x3);
            }
            __m128i s[Q8_COLS] = {_mm_sub_epi32(q8_sum4_avx512(c00, c01, c02, c03), comp), _mm_sub_epi32(q8_sum4_avx512(c10, c11, c12, c13), comp),
                                  _mm_sub_epi32(q8_sum4_avx512(c20, c21, c22, c23), comp), _mm_sub_epi32(q8_sum4_avx512(c30, c31, c32, c33), comp)};
            for (int i = 0; i < Q8_COLS; i++) {
                q8_store4_avx512(&y[(b + i) * ldy + n0], sums, (b + i) * N + n0, s[i], x_scale[b + i], w_scale + n0, beta, rows);
            }
        }
        for (; b < B; b++) {                            /* the last B % 4 activation rows (a single stream: all), one at a time */
            const uint8_t *q0 = q + b * ldq;
            __m512i c00 = _mm512_setzero_si512(), c01 = c00, c02 = c00, c03 = c00;
            for (int64_t k = 0; k < K; k += 64) {
                Q8_WEIGHTS4(k);
                __m512i x0 = _mm512_maskz_loadu_epi8(m, q0 + k);
                Q8_DOT4(0, x0);
            }
            __m128i s = _mm_sub_epi32(q8_sum4_avx512(c00, c01, c02, c03), comp);
            q8_store4_avx512(&y[b * ldy + n0], sums, b * N + n0, s, x_scale[b], w_scale + n0, beta, rows);
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
    q8_quantize(x_q, K, x_scale, x, ldx, B, K);
    q8_gemm(y, ldy, NULL, x_q, K, x_scale, w, w_scale, w_comp, beta, B, N, K);
}

int32_t rnnk_q8_path(void) {
    return q8_gemm == q8_gemm_avx512vnni ? 2 : q8_gemm == q8_gemm_avx2 ? 1 : 0;
}
