/*
 * bf16.c — the bf16 linear product of reduced-precision inference (rnnk_bf16_linear, rnnk.h).
 *
 * What this is: the activation rows rounded to bf16 (the upper 16 bits of a float, round to
 * nearest even), times bf16 weights that the caller rounded once, summed in float. Two paths:
 * AVX512_BF16 (vdpbf16ps: pairs of bf16 products added into float lanes) and plain C (bf16 widened
 * to float, eight partial sums, compiled per ISA with target_clones); the one the CPU runs is chosen
 * once. A product of two bf16 values is exact in float, so the paths differ only in the order and
 * rounding of the float sums (and vdpbf16ps treats denormal inputs as zero): they agree to float
 * rounding, not bit for bit. What this is not: no allocation, no threads.
 */
#include "rnnk.h"
#include "quant.h"
#include "dispatch.h"

#include <immintrin.h>
#include <string.h>

/* float -> bf16, round to nearest even; a NaN stays a (quiet) NaN */
static inline uint16_t bf16_round(float f) {
    uint32_t bits;
    memcpy(&bits, &f, sizeof bits);
    if ((bits & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((bits >> 16) | 0x0040u);
    bits += 0x7fffu + ((bits >> 16) & 1u);
    return (uint16_t)(bits >> 16);
}

static inline float bf16_widen(uint16_t h) {
    uint32_t bits = (uint32_t)h << 16;
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

void bf16_round_rows(uint16_t *x_bf16, const float *x, int64_t ldx, int64_t B, int64_t K) {
    for (int64_t b = 0; b < B; b++) {
        for (int64_t k = 0; k < K; k++) x_bf16[b * K + k] = bf16_round(x[b * ldx + k]);
    }
}

/* y = beta * y + v, beta = 0 not reading y */
RNNK_ROW void bf16_store(float *y, float v, float beta) {
    *y = beta == 0.0f ? v : beta * *y + v;
}

/*
 * Eight partial sums (lane j takes k = j mod 8), then added pairwise: vectorisable without
 * reassociation. Static: a non-static target_clones function would be exported (dispatch.h).
 */
RNNK_CLONES
static void bf16_gemm_cloned(float *y, int64_t ldy, const uint16_t *x, const uint16_t *w, float beta, int64_t B, int64_t N, int64_t K) {
    for (int64_t b = 0; b < B; b++) {
        const uint16_t *xb = x + b * K;
        for (int64_t n = 0; n < N; n++) {
            const uint16_t *wn = w + n * K;
            float acc[8] = {0};
            int64_t k = 0;
            for (; k + 8 <= K; k += 8) {
                for (int j = 0; j < 8; j++) acc[j] += bf16_widen(xb[k + j]) * bf16_widen(wn[k + j]);
            }
            for (int j = 0; k < K; k++, j++) acc[j] += bf16_widen(xb[k]) * bf16_widen(wn[k]);
            float s = ((acc[0] + acc[4]) + (acc[2] + acc[6])) + ((acc[1] + acc[5]) + (acc[3] + acc[7]));
            bf16_store(&y[b * ldy + n], s, beta);
        }
    }
}

void bf16_gemm_plain(float *y, int64_t ldy, const uint16_t *x, const uint16_t *w, float beta, int64_t B, int64_t N, int64_t K) {
    bf16_gemm_cloned(y, ldy, x, w, beta, B, N, K);
}

/* AVX512_BF16: 32 bf16 pairs per vdpbf16ps, four weight rows at a time; a zeroing mask for the tail */
__attribute__((target("avx512f,avx512bw,avx512bf16")))
void bf16_gemm_avx512bf16(float *y, int64_t ldy, const uint16_t *x, const uint16_t *w, float beta, int64_t B, int64_t N, int64_t K) {
    const __mmask32 tail = K % 32 == 0 ? 0 : (__mmask32)(~0u >> (32 - K % 32));
    const int64_t full = K - K % 32;
    for (int64_t n0 = 0; n0 < N; n0 += 4) {
        int rows = N - n0 < 4 ? (int)(N - n0) : 4;
        const uint16_t *w0 = w + n0 * K, *w1 = w + (n0 + (rows > 1)) * K, *w2 = w + (n0 + (rows > 2 ? 2 : 0)) * K,
                       *w3 = w + (n0 + (rows > 3 ? 3 : 0)) * K;
        for (int64_t b = 0; b < B; b++) {
            const uint16_t *xb = x + b * K;
            __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
            for (int64_t k = 0; k <= full; k += 32) {
                if (k == full && !tail) break;
                __mmask32 m = k == full ? tail : ~(__mmask32)0;
                __m512bh xv = (__m512bh)_mm512_maskz_loadu_epi16(m, xb + k);
                a0 = _mm512_dpbf16_ps(a0, xv, (__m512bh)_mm512_maskz_loadu_epi16(m, w0 + k));
                a1 = _mm512_dpbf16_ps(a1, xv, (__m512bh)_mm512_maskz_loadu_epi16(m, w1 + k));
                a2 = _mm512_dpbf16_ps(a2, xv, (__m512bh)_mm512_maskz_loadu_epi16(m, w2 + k));
                a3 = _mm512_dpbf16_ps(a3, xv, (__m512bh)_mm512_maskz_loadu_epi16(m, w3 + k));
            }
            float s[4] = {_mm512_reduce_add_ps(a0), _mm512_reduce_add_ps(a1), _mm512_reduce_add_ps(a2), _mm512_reduce_add_ps(a3)};
            for (int r = 0; r < rows; r++) bf16_store(&y[b * ldy + n0 + r], s[r], beta);
        }
    }
}

int bf16_has_avx512bf16(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512bf16");
}

static bf16_gemm_fn bf16_gemm;

__attribute__((constructor))
static void bf16_choose(void) {
    bf16_gemm = bf16_has_avx512bf16() ? bf16_gemm_avx512bf16 : bf16_gemm_plain;
}

void rnnk_bf16_linear(float *y, int64_t ldy, uint16_t *x_bf16, const float *x, int64_t ldx, const uint16_t *w, float beta,
                      int64_t B, int64_t N, int64_t K) {
    bf16_round_rows(x_bf16, x, ldx, B, K);
    bf16_gemm(y, ldy, x_bf16, w, beta, B, N, K);
}

int32_t rnnk_bf16_path(void) {
    return bf16_gemm == bf16_gemm_avx512bf16 ? 1 : 0;
}
