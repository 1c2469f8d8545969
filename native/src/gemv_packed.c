/*
 * gemv_packed.c — y (N) = beta * y + W x for one row x (K) and a weight matrix W (N, K) in the
 * packed form of gemm_packed.c (rnnk_sgemm_pack): the product of a single stream's step,
 * pre (G*H) = [W_ih | W_hh] [x_t | h_{t-1}], on the copy an inference model keeps packed anyway.
 *
 * A one-row product is bound by reading W (2 MB for LSTM H=256, 8 MB for H=512), not by
 * arithmetic. The packed form is one sequential stream, 32 floats per k per panel, which the
 * hardware prefetcher follows; what limits rnnk_sgemm_packed's 1-row tile there is its one
 * multiply-add chain per 16 columns (each k waits for the previous one's FMA). Here each panel
 * keeps four partial sums per column, for k = 0, 1, 2, 3 mod 4, so eight independent FMA chains
 * run at once; they are added at the end of the panel as (s0 + s1) + (s2 + s3). So the order of
 * the sum differs from rnnk_sgemm_packed's row (k increasing): the two agree to rounding, not
 * bit for bit. Not threaded, no allocation; compiled with -ffp-contract=fast and cloned for
 * x86-64-v4 / -v3 / baseline like gemm_packed.c (RNNK_FMA_CLONES).
 */
#include <string.h>
#include "rnnk.h"
#include "dispatch.h"

typedef float v16 __attribute__((vector_size(64)));
typedef float v16_unaligned __attribute__((vector_size(64), aligned(4), may_alias));

enum { PANEL = 32 };   /* rows of W per panel: the packed form of gemm_packed.c */

RNNK_ROW v16 vload(const float *p) {
    return *(const v16_unaligned *)p;
}

/* y[0..width) = the first `width` of [lo | hi] (beta 0: y is not read, it may hold NaN), else beta * y + them */
RNNK_ROW void store_panel(float *y, v16 lo, v16 hi, int64_t width, float beta) {
    float out[PANEL];
    memcpy(out, &lo, sizeof lo);
    memcpy(out + 16, &hi, sizeof hi);
    for (int64_t j = 0; j < width; j++) {
        y[j] = beta != 0.0f ? beta * y[j] + out[j] : out[j];
    }
}

RNNK_FMA_CLONES
void rnnk_sgemv_packed(float *y, const float *x, const float *packed, float beta, int64_t N, int64_t K) {
    for (int64_t n0 = 0; n0 < N; n0 += PANEL) {
        const float *panel = packed + n0 * K;            /* (K, 32): W[n0 + j][k] at panel[k * 32 + j] */
        int64_t width = N - n0 < PANEL ? N - n0 : PANEL;
        /* partial sums of columns n0..n0+15 (lo) and n0+16..n0+31 (hi) over k = r mod 4 */
        v16 lo0 = {0}, hi0 = {0}, lo1 = {0}, hi1 = {0}, lo2 = {0}, hi2 = {0}, lo3 = {0}, hi3 = {0};
        int64_t k = 0;
        for (; k + 4 <= K; k += 4) {
            const float *p = panel + k * PANEL;
            lo0 += x[k] * vload(p);           hi0 += x[k] * vload(p + 16);
            lo1 += x[k + 1] * vload(p + 32);  hi1 += x[k + 1] * vload(p + 48);
            lo2 += x[k + 2] * vload(p + 64);  hi2 += x[k + 2] * vload(p + 80);
            lo3 += x[k + 3] * vload(p + 96);  hi3 += x[k + 3] * vload(p + 112);
        }
        for (; k < K; k++) {                  /* the last K mod 4 k go to the sums of their own k mod 4 */
            const float *p = panel + k * PANEL;
            int64_t r = k & 3;
            v16 lo = x[k] * vload(p), hi = x[k] * vload(p + 16);
            if (r == 0) { lo0 += lo; hi0 += hi; }
            else if (r == 1) { lo1 += lo; hi1 += hi; }
            else { lo2 += lo; hi2 += hi; }
        }
        store_panel(y + n0, (lo0 + lo1) + (lo2 + lo3), (hi0 + hi1) + (hi2 + hi3), width, beta);
    }
}
