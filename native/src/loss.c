/*
 * loss.c — softmax cross-entropy over a vocabulary, forward and backward fused in one kernel.
 *
 * What this is: for each row of logits, a numerically stable log-sum-exp (the row maximum
 * subtracted before exp, the exps summed in double) giving the row's loss
 *   loss_n = -log softmax(x_n)[t_n] = log sum_j e^{x_nj - m_n} - (x_{n t_n} - m_n),
 * and, in the same visit of the row, its gradient scaled by the mask and the caller's 1/count:
 *   dlogits_n = mask_n * grad_scale * (softmax(x_n) - onehot(t_n)).
 * What this is not: the mean over rows (the caller divides by the count it passes as grad_scale),
 * a softmax for sampling, or anything that allocates.
 *
 * Vectorisation without -ffast-math: the row maximum and the sum of exps are reduced in
 * XENT_LANES independent partial results (lane l takes the elements j with j % XENT_LANES == l),
 * combined in a fixed order at the end. No reduction is reassociated, so GCC vectorises the lanes
 * as SIMD registers and every dispatch clone (dispatch.h) gives bit-identical results.
 */
#include <math.h>
#include "rnnk.h"
#include "activations.h"
#include "dispatch.h"

/* number of independent partial maxima / sums per row: one AVX-512 register of floats */
#define XENT_LANES 16
/* the forward-only path exponentiates a row in stack chunks of this many floats (a multiple of
 * XENT_LANES, so each element lands in the same lane as on the gradient path) */
#define XENT_CHUNK 512

/*
 * The lanes as GCC vector types: each clone lowers them to its own registers (one zmm, two ymm or
 * four xmm for 16 floats), always with the same per-lane arithmetic. GCC's loop vectoriser does not
 * turn the lane arrays of a plain loop into registers here, so the two reductions say it directly.
 */
typedef float xent_f16 __attribute__((vector_size(64)));    /* 16 float lanes */
typedef int32_t xent_i16 __attribute__((vector_size(64)));  /* their compare masks */
typedef float xent_f8 __attribute__((vector_size(32)));     /* 8 floats, widened to ... */
typedef double xent_d8 __attribute__((vector_size(64)));    /* ... 8 double lanes */

/* the maximum of a row x (V), ignoring NaN (a NaN element makes the row's sum NaN later) */
RNNK_ROW float xent_row_max(const float *restrict x, int64_t V) {
    xent_f16 lanes;
    for (int l = 0; l < XENT_LANES; l++) lanes[l] = -INFINITY;
    int64_t j = 0;
    for (; j + XENT_LANES <= V; j += XENT_LANES) {
        xent_f16 v;
        memcpy(&v, x + j, sizeof v);
        xent_i16 greater = v > lanes;                 /* all ones where x > lane (false for NaN) */
        lanes = (xent_f16)(((xent_i16)v & greater) | ((xent_i16)lanes & ~greater));
    }
    float lane[XENT_LANES];
    memcpy(lane, &lanes, sizeof lane);
    for (int64_t l = 0; j < V; j++, l++) lane[l] = rnnk_select(x[j] > lane[l], x[j], lane[l]);
    float m = lane[0];
    for (int l = 1; l < XENT_LANES; l++) m = rnnk_select(lane[l] > m, lane[l], m);
    return m;
}

/* e (n) = e^{x - m}; x - m <= 0, so nothing overflows (large gaps underflow to 0) */
RNNK_ROW void xent_exp(float *restrict e, const float *restrict x, float m, int64_t n) {
    for (int64_t j = 0; j < n; j++) e[j] = rnnk_expf(x[j] - m);
}

/* the same in place: x (n) becomes e^{x - m} */
RNNK_ROW void xent_exp_in_place(float *restrict x, float m, int64_t n) {
    for (int64_t j = 0; j < n; j++) x[j] = rnnk_expf(x[j] - m);
}

/* lane[j % XENT_LANES] += e[j] in double, for a piece of a row that starts on a lane boundary;
 * lane (XENT_LANES) is kept as two vectors of 8 doubles, lo (lanes 0-7) and hi (8-15) */
RNNK_ROW void xent_lane_sums(xent_d8 *restrict lo, xent_d8 *restrict hi, const float *restrict e, int64_t n) {
    int64_t j = 0;
    xent_d8 a = *lo, b = *hi;
    for (; j + XENT_LANES <= n; j += XENT_LANES) {
        xent_f8 ea, eb;
        memcpy(&ea, e + j, sizeof ea);
        memcpy(&eb, e + j + 8, sizeof eb);
        a += __builtin_convertvector(ea, xent_d8);
        b += __builtin_convertvector(eb, xent_d8);
    }
    double lane[XENT_LANES];
    memcpy(lane, &a, sizeof a);
    memcpy(lane + 8, &b, sizeof b);
    for (int64_t l = 0; j < n; j++, l++) lane[l] += (double)e[j];
    memcpy(lo, lane, sizeof *lo);
    memcpy(hi, lane + 8, sizeof *hi);
}

/* the lanes combined in a fixed order */
RNNK_ROW double xent_lanes_total(const xent_d8 *lo, const xent_d8 *hi) {
    double s = 0.0;
    for (int l = 0; l < 8; l++) s += (*lo)[l];
    for (int l = 0; l < 8; l++) s += (*hi)[l];
    return s;
}

/*
 * ln(s) for the sum of shifted exps s >= 1 (or NaN), in double without a libm call (a call would
 * leave the vectorised clones, see native/tests/check_clones.sh): s = 2^k a with a in
 * [sqrt(1/2), sqrt(2)), ln s = k ln2 + 2 atanh(u), u = (a - 1) / (a + 1), |u| < 0.1716, and the
 * odd series 2 (u + u^3/3 + ... + u^23/23) truncated where the next term is below 1e-19 of the sum.
 * Relative error a few 1e-16 — far below the float loss it feeds.
 */
RNNK_ROW double xent_log(double s) {
    uint64_t bits;
    memcpy(&bits, &s, sizeof bits);
    int64_t k = (int64_t)((bits >> 52) & 0x7ff) - 1023;
    uint64_t mantissa = (bits & 0x000fffffffffffffull) | 0x3ff0000000000000ull;
    double a;
    memcpy(&a, &mantissa, sizeof a);                  /* a in [1, 2) */
    if (a > 1.4142135623730951) {                     /* into [sqrt(1/2), sqrt(2)) */
        a *= 0.5;
        k += 1;
    }
    double u = (a - 1.0) / (a + 1.0), u2 = u * u;
    /* p = sum_{i=0..11} u^(2i) / (2i + 1), Horner from the 1/23 term down */
    double p = 1.0 / 23.0;
    p = p * u2 + 1.0 / 21.0;
    p = p * u2 + 1.0 / 19.0;
    p = p * u2 + 1.0 / 17.0;
    p = p * u2 + 1.0 / 15.0;
    p = p * u2 + 1.0 / 13.0;
    p = p * u2 + 1.0 / 11.0;
    p = p * u2 + 1.0 / 9.0;
    p = p * u2 + 1.0 / 7.0;
    p = p * u2 + 1.0 / 5.0;
    p = p * u2 + 1.0 / 3.0;
    p = p * u2 + 1.0;
    double r = (double)k * 0.69314718055994530942 + 2.0 * u * p;
    return s != s ? s : r;
}

/*
 * One row. Masked rows never get here. Returns loss_n; writes dlogits_n when d is not NULL.
 * d may be x itself (in place): the target logit is read before x is overwritten.
 */
RNNK_ROW double xent_row(float *d, const float *x, int32_t t, double w_scale, int64_t V) {
    float m = xent_row_max(x, V);
    float xt = x[t];
    xent_d8 lo = {0}, hi = {0};                         /* the 16 partial sums of e^{x_j - m} */
    if (d == NULL) {                                   /* forward only: exps in stack chunks */
        float e[XENT_CHUNK];
        for (int64_t j0 = 0; j0 < V; j0 += XENT_CHUNK) {
            int64_t n = V - j0 < XENT_CHUNK ? V - j0 : XENT_CHUNK;
            xent_exp(e, x + j0, m, n);
            xent_lane_sums(&lo, &hi, e, n);
        }
        return xent_log(xent_lanes_total(&lo, &hi)) - ((double)xt - (double)m);
    }
    if (d == x) xent_exp_in_place(d, m, V);
    else xent_exp(d, x, m, V);
    xent_lane_sums(&lo, &hi, d, V);
    double s = xent_lanes_total(&lo, &hi);              /* sum_j e^{x_j - m} >= 1 */
    double r = w_scale / s;                           /* dlogits_j = mask * scale * e_j / s */
    double et = (double)d[t];
    for (int64_t j = 0; j < V; j++) d[j] = (float)((double)d[j] * r);
    d[t] = (float)((et - s) * r);                     /* (p_t - 1) without the cancellation of p_t - 1 */
    return xent_log(s) - ((double)xt - (double)m);
}

RNNK_CLONES
double rnnk_softmax_xent_forward_backward(float *dlogits, float *losses, const float *logits,
                                          const int32_t *targets, const float *mask, float grad_scale,
                                          int64_t N, int64_t V) {
    double total = 0.0;
    for (int64_t n = 0; n < N; n++) {
        float w = mask != NULL ? mask[n] : 1.0f;
        float *d = dlogits != NULL ? dlogits + n * V : NULL;
        if (w == 0.0f) {                               /* padded row: no loss, no gradient */
            /* zeros stored from a run-time value: a constant 0 loop would become a memset call */
            float zero = rnnk_absf(w);
            if (d != NULL) for (int64_t j = 0; j < V; j++) d[j] = zero;
            if (losses != NULL) losses[n] = 0.0f;
            continue;
        }
        double loss = xent_row(d, logits + n * V, targets[n], (double)w * (double)grad_scale, V);
        if (losses != NULL) losses[n] = (float)loss;
        total += (double)w * loss;
    }
    return total;
}
