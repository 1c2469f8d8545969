/*
 * quant_test.c — the int8 product (native/src/quant.c) against exact integer and double math:
 * the AVX-512 VNNI, AVX2 and plain C paths give the same int32 sums as a 64-bit reference and
 * bit-identical floats; the quantization of activations keeps every element within half a step;
 * the dequantized product is within its stated bound of the float product; NaN rows stay NaN;
 * the packed weight layout puts every weight where q8_packed_at says and zeros in its padding;
 * rnnk_q8_linear honours strides and beta, pads the quantized rows with code 128 to whole groups of
 * four bytes and writes nothing outside its outputs. Paths the CPU
 * cannot run are reported as skipped. Compiled with quant.c itself (its per-path functions are
 * not exported from librnnk).
 */
#define TEST_SEED 20261207u
#include "test_support.h"
#include "rnnk.h"
#include "quant.h"

#include <math.h>

static int8_t random_weight(void) {               /* uniform in [-127, 127] */
    int v = (int)floorf((uniform() + 1.0f) * 127.5f) - 127;
    return (int8_t)(v > 127 ? 127 : v);
}

static int same_bits(float a, float b) { return memcmp(&a, &b, sizeof a) == 0; }

/*
 * w (N, K) packed by q8_pack, checked against the layout's definition written out here: block
 * n / 64 of ceil(K / 4) groups of 256 bytes, row n's four bytes at (n % 64) * 4 of group k / 4;
 * every other byte (rows past N, columns past K) zero. Returns the packed copy.
 */
static int8_t *packed_weights(const int8_t *w, int64_t N, int64_t K) {
    int64_t blocks = (N + 63) / 64, groups = (K + 3) / 4, bytes = blocks * 64 * groups * 4;
    int8_t *packed = malloc((size_t)bytes);
    char *expected = calloc((size_t)bytes, 1);
    q8_pack(packed, w, N, K);
    for (int64_t n = 0; n < N; n++) {
        for (int64_t k = 0; k < K; k++) {
            int64_t at = (n / 64) * groups * 256 + (k / 4) * 256 + (n % 64) * 4 + k % 4;
            expected[at] = 1;
            if (packed[at] != w[n * K + k] && failures++ < 30)
                printf("FAIL q8_pack N=%lld K=%lld: w[%lld, %lld] not at byte %lld\n", (long long)N, (long long)K, (long long)n,
                       (long long)k, (long long)at);
        }
    }
    for (int64_t at = 0; at < bytes; at++) {
        if (!expected[at] && packed[at] != 0 && failures++ < 30)
            printf("FAIL q8_pack N=%lld K=%lld: padding byte %lld is %d\n", (long long)N, (long long)K, (long long)at, packed[at]);
    }
    free(expected);
    return packed;
}

/* one shape: quantize random rows, run every path, compare with each other and with references */
static void check_shape(int64_t B, int64_t N, int64_t K, float beta) {
    float *x = buffer(B * K, 1);
    int8_t *w = malloc((size_t)(N * K));
    const int64_t ldq = (K + 3) / 4 * 4;          /* the quantized rows padded to whole groups of four (code 128) */
    uint8_t *q = malloc((size_t)(B * ldq));
    float *x_scale = buffer(B, 0), *w_scale = buffer(N, 0);
    int32_t *comp = malloc(sizeof(int32_t) * (size_t)N);
    int32_t *sums[3];
    float *y[3], *y0 = buffer(B * N, 0);
    for (int64_t i = 0; i < B * K; i++) x[i] = uniform() * (1.0f + (float)(i % 7));
    for (int64_t i = 0; i < N * K; i++) w[i] = random_weight();
    for (int64_t n = 0; n < N; n++) {
        int32_t s = 0;
        for (int64_t k = 0; k < K; k++) s += w[n * K + k];
        comp[n] = 128 * s;
        w_scale[n] = 0.001f * (1.0f + uniform());
    }
    for (int64_t i = 0; i < B * N; i++) y0[i] = uniform();
    int8_t *packed = packed_weights(w, N, K);
    memset(q, 128, (size_t)(B * ldq));
    q8_quantize_rows_plain(q, ldq, x_scale, x, K, B, K);
    if (q8_has_avx512vnni()) {                     /* the AVX-512 quantization: the same bytes and scales */
        uint8_t *q_vector = malloc((size_t)(B * ldq));
        float *scale_vector = buffer(B, 0);
        memset(q_vector, 128, (size_t)(B * ldq));
        q8_quantize_rows_avx512(q_vector, ldq, scale_vector, x, K, B, K);
        if ((memcmp(q_vector, q, (size_t)(B * ldq)) != 0 || memcmp(scale_vector, x_scale, sizeof(float) * (size_t)B) != 0) && failures++ < 30)
            printf("FAIL quantize B=%lld K=%lld: the AVX-512 bytes or scales differ from plain C's\n", (long long)B, (long long)K);
        free(q_vector);
        release(scale_vector, 0);
    }

    /* quantization: q - 128 in [-127, 127], |x - (q - 128) s| <= s / 2 (plus float rounding), max |x| -> 127 */
    for (int64_t b = 0; b < B; b++) {
        float s = x_scale[b];
        int reached = 0;
        for (int64_t k = 0; k < K; k++) {
            int v = (int)q[b * ldq + k] - 128;
            double err = fabs((double)x[b * K + k] - (double)v * s);
            if (v < -127 || v > 127 || err > 0.5 * s * (1 + 1e-5) + 1e-30) {
                if (failures++ < 30) printf("FAIL quantize B=%lld K=%lld [%lld,%lld]: x=%g q-128=%d s=%g\n",
                                            (long long)B, (long long)K, (long long)b, (long long)k, x[b * K + k], v, s);
            }
            reached |= v == 127 || v == -127;
        }
        if (!reached && failures++ < 30) printf("FAIL quantize: row %lld's largest |x| is not +-127\n", (long long)b);
    }

    q8_gemm_fn paths[3] = {q8_gemm_scalar, q8_gemm_avx2, q8_gemm_avx512vnni};
    int runs[3] = {1, q8_has_avx2(), q8_has_avx512vnni()};
    for (int p = 0; p < 3; p++) {
        sums[p] = malloc(sizeof(int32_t) * (size_t)(B * N));
        y[p] = buffer(B * N, 1);
        memcpy(y[p], y0, sizeof(float) * (size_t)(B * N));
        if (runs[p]) paths[p](y[p], N, sums[p], q, ldq, x_scale, packed, w_scale, comp, beta, B, N, K);
        check_guard("q8_gemm y", y[p], B * N);
    }
    for (int64_t b = 0; b < B; b++) {
        for (int64_t n = 0; n < N; n++) {
            int64_t exact = 0;                     /* 64-bit reference sum */
            double product = 0, bound = 0;         /* the float product with the dequantized weights, and its bound */
            for (int64_t k = 0; k < K; k++) {
                exact += (int64_t)((int)q[b * ldq + k] - 128) * w[n * K + k];
                double wf = (double)w[n * K + k] * w_scale[n];
                product += (double)x[b * K + k] * wf;
                bound += fabs(wf);
            }
            int64_t at = b * N + n;
            float expect = (float)(int32_t)exact * (x_scale[b] * w_scale[n]);
            expect = beta == 0.0f ? expect : beta * y0[at] + expect;
            for (int p = 0; p < 3; p++) {
                if (!runs[p]) continue;
                if (sums[p][at] != exact || !same_bits(y[p][at], expect)) {
                    if (failures++ < 30) printf("FAIL path %d B=%lld N=%lld K=%lld [%lld,%lld]: sum %d (exact %lld), y %.9g (expected %.9g)\n",
                                                p, (long long)B, (long long)N, (long long)K, (long long)b, (long long)n,
                                                sums[p][at], (long long)exact, y[p][at], expect);
                }
            }
            /* quantization error: sum |w_k| * s / 2, plus float rounding of the sum and the scales */
            double tolerance = bound * x_scale[b] * 0.5 * (1 + 1e-5) + 1e-6 * fabs(product) + 1e-6 * (fabs(expect) + fabs(y0[at]));
            double got = (double)y[0][at] - (beta == 0.0f ? 0 : (double)beta * y0[at]);
            if (fabs(got - product) > tolerance && failures++ < 30) {
                printf("FAIL accuracy B=%lld N=%lld K=%lld [%lld,%lld]: %.9g vs float product %.9g (bound %.3g)\n", (long long)B,
                       (long long)N, (long long)K, (long long)b, (long long)n, got, product, tolerance);
            }
        }
    }
    hash_floats(y[0], B * N);
    for (int p = 0; p < 3; p++) {
        free(sums[p]);
        release(y[p], 1);
    }
    release(x, 1);
    release(y0, 0);
    release(x_scale, 0);
    release(w_scale, 0);
    free(w);
    free(packed);
    free(q);
    free(comp);
}

/* rnnk_q8_linear: strides ldx > K and ldy > N, guards; a NaN or infinite row gives NaN outputs, a zero row
 * zeros (rows 0-5 in a 6-row block of the VNNI path, row 7 in the 2 rows after it) */
static void check_linear_entry(void) {
    const int64_t B = 8, N = 10, K = 70, ldx = 75, ldy = 13;
    float *x = buffer(B * ldx, 1), *y = buffer(B * ldy, 0), *x_scale = buffer(B, 0), *w_scale = buffer(N, 0);
    const int64_t ldq = (K + 3) / 4 * 4;                      /* x_q's rows: K = 70 bytes and 2 of padding */
    uint8_t *q = malloc((size_t)(B * ldq + GUARD));
    int8_t *w = malloc((size_t)(N * K));
    int32_t *comp = malloc(sizeof(int32_t) * (size_t)N);
    memset(q, 0x5a, (size_t)(B * ldq + GUARD));
    for (int64_t i = 0; i < B * ldx; i++) x[i] = uniform();
    for (int64_t k = 0; k < K; k++) x[1 * ldx + k] = 0.0f;      /* row 1: zeros */
    x[2 * ldx + 3] = NAN;                                      /* row 2: a NaN */
    x[5 * ldx + 69] = -INFINITY;                               /* row 5: an infinity */
    for (int64_t k = 0; k < K; k++) x[7 * ldx + k] = 0.0f;      /* row 7: zeros, past the 6-row block */
    for (int64_t i = 0; i < N * K; i++) w[i] = random_weight();
    for (int64_t n = 0; n < N; n++) {
        int32_t s = 0;
        for (int64_t k = 0; k < K; k++) s += w[n * K + k];
        comp[n] = 128 * s;
        w_scale[n] = 0.01f;
    }
    for (int64_t i = 0; i < B * ldy; i++) y[i] = GUARD_VALUE;
    int8_t *packed = packed_weights(w, N, K);
    rnnk_q8_linear(y, ldy, q, x_scale, x, ldx, packed, w_scale, comp, 0.0f, B, N, K);
    free(packed);
    check_guard("rnnk_q8_linear y", y, B * ldy);
    for (int k = 0; k < GUARD; k++) {
        if (q[B * ldq + k] != 0x5a && failures++ < 30) printf("FAIL rnnk_q8_linear: wrote past x_q\n");
    }
    for (int64_t b = 0; b < B; b++) {
        if ((q[b * ldq + K] != 128 || q[b * ldq + K + 1] != 128) && failures++ < 30) printf("FAIL rnnk_q8_linear: padding of x_q row %lld\n", (long long)b);
    }
    for (int64_t b = 0; b < B; b++) {
        for (int64_t n = 0; n < ldy; n++) {
            float v = y[b * ldy + n];
            int bad = n >= N ? v != GUARD_VALUE                 /* the stride's gap is not written */
                    : b == 1 || b == 7 ? v != 0.0f : b == 2 || b == 5 ? !isnan(v) : !isfinite(v);
            if (bad && failures++ < 30) printf("FAIL rnnk_q8_linear [%lld,%lld] = %g\n", (long long)b, (long long)n, v);
        }
    }
    if (!(x_scale[1] == 0.0f && x_scale[7] == 0.0f && isnan(x_scale[2]) && isnan(x_scale[5])) && failures++ < 30)
        printf("FAIL rnnk_q8_linear: scales %g %g %g\n", x_scale[1], x_scale[2], x_scale[5]);
    release(x, 1);
    release(y, 0);
    release(x_scale, 0);
    release(w_scale, 0);
    free(q);
    free(w);
    free(comp);
}

static float widen(uint16_t h) {
    uint32_t bits = (uint32_t)h << 16;
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

/*
 * bf16: both paths against double sums of the exact bf16 products (within K * 2^-24 of sum |x w|,
 * the float sums' rounding), against the float product (plus 2^-7 of sum |x w|: each factor is
 * rounded to 8 significant bits, within 2^-8 of itself, e.g. 2.99349 -> 3), with beta and guards; rounding to nearest even; NaN stays NaN.
 */
static void check_bf16(int64_t B, int64_t N, int64_t K, float beta) {
    float *x = buffer(B * K, 1), *wf = buffer(N * K, 0), *y0 = buffer(B * N, 0);
    uint16_t *xb = malloc(sizeof(uint16_t) * (size_t)(B * K)), *w = malloc(sizeof(uint16_t) * (size_t)(N * K));
    for (int64_t i = 0; i < B * K; i++) x[i] = uniform() * (1.0f + (float)(i % 5));
    for (int64_t i = 0; i < N * K; i++) wf[i] = uniform() * 0.2f;
    for (int64_t i = 0; i < B * N; i++) y0[i] = uniform();
    bf16_round_rows(w, wf, K, N, K);                       /* the weights, rounded as the model rounds them */
    bf16_round_rows(xb, x, K, B, K);
    for (int64_t i = 0; i < B * K; i++) {                  /* nearest: no bf16 value is closer than the one chosen */
        double v = x[i], got = widen(xb[i]), step = fabs(got) * 0x1p-7 + 1e-38;
        if (fabs(v - got) > step / 2 && failures++ < 30) printf("FAIL bf16 rounding of %g: %g\n", v, got);
    }
    bf16_gemm_fn paths[2] = {bf16_gemm_plain, bf16_gemm_avx512bf16};
    int runs[2] = {1, bf16_has_avx512bf16()};
    for (int p = 0; p < 2; p++) {
        if (!runs[p]) continue;
        float *y = buffer(B * N, 1);
        memcpy(y, y0, sizeof(float) * (size_t)(B * N));
        paths[p](y, N, xb, w, beta, B, N, K);
        check_guard("bf16 y", y, B * N);
        for (int64_t b = 0; b < B; b++) {
            for (int64_t n = 0; n < N; n++) {
                double exact = 0, magnitude = 0, product = 0;
                for (int64_t k = 0; k < K; k++) {
                    exact += (double)widen(xb[b * K + k]) * widen(w[n * K + k]);
                    product += (double)x[b * K + k] * wf[n * K + k];
                    magnitude += fabs((double)x[b * K + k] * wf[n * K + k]);
                }
                double old = beta == 0.0f ? 0 : (double)beta * y0[b * N + n];
                double got = y[b * N + n] - old, rounding = (double)(K + 2) * 0x1p-24 * (magnitude * 1.01 + fabs(old));
                if (fabs(got - exact) > rounding && failures++ < 30)
                    printf("FAIL bf16 path %d [%lld,%lld]: %.9g vs exact bf16 sum %.9g\n", p, (long long)b, (long long)n, got, exact);
                if (fabs(got - product) > 0x1p-7 * magnitude * 1.01 + rounding && failures++ < 30)
                    printf("FAIL bf16 path %d [%lld,%lld]: %.9g vs float product %.9g\n", p, (long long)b, (long long)n, got, product);
            }
        }
        release(y, 1);
    }
    uint16_t nan_bits;
    float nan = NAN;
    bf16_round_rows(&nan_bits, &nan, 1, 1, 1);
    if (!isnan(widen(nan_bits)) && failures++ < 30) printf("FAIL bf16: NaN rounded to %g\n", widen(nan_bits));
    release(x, 1);
    release(wf, 0);
    release(y0, 0);
    free(xb);
    free(w);
}

int main(void) {
    static const int64_t shapes[][3] = {{1, 1, 1}, {1, 5, 31}, {1, 7, 32}, {2, 3, 33}, {3, 9, 63}, {1, 4, 64}, {2, 6, 65},
                                        {5, 17, 129}, {4, 33, 512}, {1, 1024, 256}, {7, 13, 1000},
                                        /* the VNNI path's blocks of 6 rows x 64 outputs: B a multiple of 6 and 1 .. 5
                                         * rows past one; N a multiple of 64, of 16 and neither; K % 4 = 0 .. 3 */
                                        {6, 64, 64}, {7, 80, 70}, {8, 8, 64}, {9, 5, 70}, {10, 12, 200}, {11, 7, 15},
                                        {12, 128, 33}, {13, 100, 2}, {17, 200, 131}, {16, 1024, 256}, {64, 256, 258},
                                        /* one row (two chains of groups) with an odd number of groups */
                                        {1, 70, 20}, {19, 64, 36},
                                        /* two chunks of 512 outputs, the second partial */
                                        {8, 600, 20}};
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        check_shape(shapes[i][0], shapes[i][1], shapes[i][2], 0.0f);
        check_shape(shapes[i][0], shapes[i][1], shapes[i][2], 1.0f);
    }
    check_linear_entry();
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        check_bf16(shapes[i][0], shapes[i][1], shapes[i][2], i % 2 ? 1.0f : 0.0f);
    }
    printf("quant_test: int8 paths run: plain C%s%s; library path %d\n", q8_has_avx2() ? ", AVX2" : " (AVX2 skipped: CPU)",
           q8_has_avx512vnni() ? ", AVX-512 VNNI" : " (AVX-512 VNNI skipped: CPU)", rnnk_q8_path());
    printf("quant_test: bf16 paths run: plain C%s; library path %d\n", bf16_has_avx512bf16() ? ", AVX512_BF16" : " (AVX512_BF16 skipped: CPU)",
           rnnk_bf16_path());
    if (failures) {
        printf("quant_test: %ld failures\n", failures);
        return 1;
    }
    printf("quant_test: all passed (output hash %016llx)\n", (unsigned long long)hash);
    return 0;
}
