/*
 * q8_product.c — the int8 product rnnk_q8_linear (quantize the activations, int8 product on the
 * packed weights, dequantize) against float32 on the same product y (B, N) = x (B, K) W^T: OpenBLAS
 * (cblas_sgemv for one row, as the library's single stream; cblas_sgemm for more) and librnnk's
 * rnnk_sgemm_packed (W packed once, as the library's batched steps); for the shapes of one LSTM
 * step's two products (N = 4H, K = H) at H = 256 and 512 with 1, 64 and 256 rows (a measurement
 * for docs/quantization.md, not a test). Rounds rotate the three contenders (and which goes
 * first); each prints the median time per product and its rate in G operations/s (2 B N K per
 * product, an int8 multiply-add counted as two like a float one), the fastest round's rate, and
 * the faster float32's median time / int8's.
 *
 *   q8_product [rounds]       (OpenBLAS on 1 thread; rnnk_q8_linear is single-threaded)
 * Under each OpenBLAS core: OPENBLAS_CORETYPE=Haswell build/q8_product, env -u OPENBLAS_CORETYPE ...
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
void cblas_sgemv(int order, int trans, int m, int n, float alpha, const float *a, int lda, const float *x, int incx, float beta,
                 float *y, int incy);
void openblas_set_num_threads(int threads);
char *openblas_get_corename(void);

/* (B, N, K) */
static const int SHAPES[][3] = {{1, 1024, 256}, {64, 1024, 256}, {256, 1024, 256}, {1, 2048, 512}, {64, 2048, 512}, {256, 2048, 512}};

static double median(double *t, int n) {
    qsort(t, (size_t)n, sizeof *t, by_value);
    return t[n / 2];
}

/* w (N, K) float -> packed int8 (rnnk.h's layout), w_scale (N), w_comp (N): per row s = max |w| / 127, rounded to nearest */
static void quantize_weights(int8_t *packed, float *w_scale, int32_t *w_comp, const float *w, int64_t N, int64_t K) {
    int64_t K4 = (K + 3) / 4 * 4;
    memset(packed, 0, (size_t)((N + 63) / 64 * 64 * K4));
    for (int64_t n = 0; n < N; n++) {
        float max = 0;
        for (int64_t k = 0; k < K; k++) max = w[n * K + k] > max ? w[n * K + k] : -w[n * K + k] > max ? -w[n * K + k] : max;
        w_scale[n] = max / 127.0f;
        int32_t sum = 0;
        for (int64_t k = 0; k < K; k++) {
            int v = max > 0 ? (int)__builtin_rintf(w[n * K + k] * (127.0f / max)) : 0;
            packed[(n / 64) * 64 * K4 + (k / 4) * 256 + (n % 64) * 4 + k % 4] = (int8_t)v;
            sum += v;
        }
        w_comp[n] = 128 * sum;
    }
}

int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 7;
    if (rounds < 1 || rounds > 99) {
        fprintf(stderr, "usage: q8_product [rounds 1..99]\n");
        return 2;
    }
    openblas_set_num_threads(1);
    printf("OpenBLAS core %s; int8 path %d (2 AVX-512 VNNI, 1 AVX2, 0 plain C); %d rounds\n", openblas_get_corename(), rnnk_q8_path(), rounds);
    for (size_t s = 0; s < sizeof SHAPES / sizeof SHAPES[0]; s++) {
        int B = SHAPES[s][0], N = SHAPES[s][1], K = SHAPES[s][2];
        int64_t K4 = (K + 3) / 4 * 4;
        srand(7);
        float *x = floats((int64_t)B * K), *w = floats((int64_t)N * K), *y = floats((int64_t)B * N);
        float *x_scale = floats(B), *w_scale = floats(N), *w_packed = floats(rnnk_sgemm_packed_floats(N, K));
        int8_t *packed = malloc((size_t)((N + 63) / 64 * 64 * K4));
        uint8_t *x_q = malloc((size_t)(B * K4));
        int32_t *w_comp = malloc(sizeof(int32_t) * (size_t)N);
        fill(x, (int64_t)B * K, 1.0f);
        fill(w, (int64_t)N * K, 0.1f);
        quantize_weights(packed, w_scale, w_comp, w, N, K);
        rnnk_sgemm_pack(w_packed, w, K, N, K);
        double ops = 2.0 * B * N * K;
        int reps = (int)(2e8 / ops) + 1;
        double times[3][99];                             /* OpenBLAS, rnnk_sgemm_packed, int8 */
        for (int r = 0; r < rounds; r++) {
            for (int i = 0; i < 3; i++) {
                int c = (i + r) % 3;
                double t0 = now();
                for (int k = 0; k < reps; k++) {
                    if (c == 0 && B == 1) cblas_sgemv(CBLAS_ROW_MAJOR, CBLAS_NO_TRANS, N, K, 1.0f, w, K, x, 1, 0.0f, y, 1);
                    else if (c == 0) cblas_sgemm(CBLAS_ROW_MAJOR, CBLAS_NO_TRANS, CBLAS_TRANS, B, N, K, 1.0f, x, K, w, K, 0.0f, y, N);
                    else if (c == 1) rnnk_sgemm_packed(y, N, x, K, w_packed, 0.0f, B, N, K);
                    else rnnk_q8_linear(y, N, x_q, x_scale, x, K, packed, w_scale, w_comp, 0.0f, B, N, K);
                }
                times[c][r] = (now() - t0) / reps;
            }
        }
        double fastest[3], middle[3];
        for (int c = 0; c < 3; c++) {
            fastest[c] = times[c][0];
            for (int r = 1; r < rounds; r++) fastest[c] = times[c][r] < fastest[c] ? times[c][r] : fastest[c];
            middle[c] = median(times[c], rounds);
        }
        double f = middle[0] < middle[1] ? middle[0] : middle[1];
        printf("B=%3d N=%4d K=%3d  OpenBLAS %s %8.2f us (%4.0f G/s, fastest %4.0f)  rnnk_sgemm_packed %8.2f us (%4.0f G/s, fastest %4.0f)  "
               "int8 %7.2f us (%4.0f G/s, fastest %4.0f)  float32 / int8 time %.2f\n", B, N, K, B == 1 ? "sgemv" : "sgemm",
               middle[0] * 1e6, ops / middle[0] / 1e9, ops / fastest[0] / 1e9, middle[1] * 1e6, ops / middle[1] / 1e9,
               ops / fastest[1] / 1e9, middle[2] * 1e6, ops / middle[2] / 1e9, ops / fastest[2] / 1e9, f / middle[2]);
        free(x), free(w), free(y), free(x_scale), free(w_scale), free(w_packed), free(packed), free(x_q), free(w_comp);
    }
    return 0;
}
