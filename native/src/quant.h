/*
 * quant.h — librnnk's int8 and bf16 products, one entry per instruction set (internal header).
 *
 * rnnk_q8_linear (rnnk.h) quantizes the activations and then calls the best of these for the CPU;
 * the C tests call each directly to check that they agree bit for bit. Not exported (hidden).
 *
 * Each computes, for b < B and n < N, the exact integer dot product
 *   s[b, n] = sum_k (q[b, k] - 128) * w[n, k]
 * (q: (B, K) uint8 with row stride ldq, the activations shifted by 128, each row readable (and holding
 * 128) up to a multiple of four bytes, so ldq >= round_up(K, 4); w: (N, K) int8 in the packed
 * layout below; w_comp[n] = 128 * sum_k w[n, k], which the AVX-512 VNNI path subtracts from its
 * u8 x s8 sums),
 * then y[b, n] = beta * y[b, n] + (float) s[b, n] * (x_scale[b] * w_scale[n])  (beta = 0: y not read).
 * sums, when not NULL, receives s (B, N) contiguous, for the tests.
 */
#ifndef RNNK_QUANT_H
#define RNNK_QUANT_H

#include <stdint.h>

/*
 * The packed weight layout (rnnk.h, rnnk_q8_linear): the N rows in blocks of Q8_BLOCK = 64, the K
 * columns in groups of four; block n / 64 holds ceil(K / 4) groups of 256 bytes, and in a group the
 * four bytes of row n follow each other at (n % 64) * 4: 16 rows per 64 bytes, one zmm. Rows past N
 * and columns past K are zeros. Size: round_up(N, 64) * round_up(K, 4) bytes.
 */
#define Q8_BLOCK 64

/* the byte offset of w[n, k] in the packed layout of an (N, K) matrix */
static inline int64_t q8_packed_at(int64_t n, int64_t k, int64_t K) {
    int64_t groups = (K + 3) / 4;
    return (n / Q8_BLOCK) * groups * 4 * Q8_BLOCK + (k / 4) * 4 * Q8_BLOCK + (n % Q8_BLOCK) * 4 + k % 4;
}

/* packed (round_up(N, 64) * round_up(K, 4) bytes) = w (N, K) int8 contiguous, in the layout above */
void q8_pack(int8_t *packed, const int8_t *w, int64_t N, int64_t K);

typedef void (*q8_gemm_fn)(float *y, int64_t ldy, int32_t *sums, const uint8_t *q, int64_t ldq, const float *x_scale,
                           const int8_t *w, const float *w_scale, const int32_t *w_comp, float beta,
                           int64_t B, int64_t N, int64_t K);

void q8_gemm_scalar(float *y, int64_t ldy, int32_t *sums, const uint8_t *q, int64_t ldq, const float *x_scale,
                    const int8_t *w, const float *w_scale, const int32_t *w_comp, float beta,
                    int64_t B, int64_t N, int64_t K);
void q8_gemm_avx2(float *y, int64_t ldy, int32_t *sums, const uint8_t *q, int64_t ldq, const float *x_scale,
                  const int8_t *w, const float *w_scale, const int32_t *w_comp, float beta,
                  int64_t B, int64_t N, int64_t K);
void q8_gemm_avx512vnni(float *y, int64_t ldy, int32_t *sums, const uint8_t *q, int64_t ldq, const float *x_scale,
                        const int8_t *w, const float *w_scale, const int32_t *w_comp, float beta,
                        int64_t B, int64_t N, int64_t K);

/* 1 when the CPU (and the OS) can run each path. */
int q8_has_avx2(void);
int q8_has_avx512vnni(void);

/* the activations' quantization (rnnk.h, rnnk_q8_linear): q (B, ldq) uint8, x_scale (B); the two give the same bytes and scales */
typedef void (*q8_quantize_fn)(uint8_t *q, int64_t ldq, float *x_scale, const float *x, int64_t ldx, int64_t B, int64_t K);
void q8_quantize_rows_plain(uint8_t *q, int64_t ldq, float *x_scale, const float *x, int64_t ldx, int64_t B, int64_t K);
/* needs AVX-512F and BW (run where q8_has_avx512vnni says 1) */
void q8_quantize_rows_avx512(uint8_t *q, int64_t ldq, float *x_scale, const float *x, int64_t ldx, int64_t B, int64_t K);

/*
 * bf16.c's paths of rnnk_bf16_linear: y[b, n] = beta * y[b, n] + sum_k x[b, k] w[n, k], x (B, K)
 * and w (N, K) bf16 contiguous, float sums (their order differs between the paths).
 */
typedef void (*bf16_gemm_fn)(float *y, int64_t ldy, const uint16_t *x, const uint16_t *w, float beta, int64_t B, int64_t N, int64_t K);
void bf16_gemm_plain(float *y, int64_t ldy, const uint16_t *x, const uint16_t *w, float beta, int64_t B, int64_t N, int64_t K);
void bf16_gemm_avx512bf16(float *y, int64_t ldy, const uint16_t *x, const uint16_t *w, float beta, int64_t B, int64_t N, int64_t K);
int bf16_has_avx512bf16(void);
/* x_bf16 (B, K) = x (B, K; row stride ldx) rounded to bf16, nearest even */
void bf16_round_rows(uint16_t *x_bf16, const float *x, int64_t ldx, int64_t B, int64_t K);

#endif
