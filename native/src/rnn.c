/*
 * rnn.c — fused pointwise step of the vanilla (Elman) RNN, forward and backward:
 *   h_t = tanh|relu(pre + bias),  pre = x W_ih^T + h_{t-1} W_hh^T (the caller's GEMMs),
 *   bias = b_ih + b_hh (one row, added to every row).
 * The forward output may be the input buffer itself (in place); that case gets its own row loop
 * so both stay vectorised (a partial overlap is not allowed). The backward kernels are one flat
 * loop over B*H elements.
 */
#include "rnnk.h"
#include "activations.h"
#include "dispatch.h"
#include "pool.h"

/* one row of a forward step: out = act(in + bias), and the same in place (h = act(h + bias)) */
RNNK_ROW void rnn_tanh_row(float *restrict out, const float *restrict in,
                           const float *restrict bias, int64_t H) {
    for (int64_t j = 0; j < H; j++) out[j] = rnnk_tanhf(in[j] + bias[j]);
}

RNNK_ROW void rnn_tanh_row_in_place(float *restrict h, const float *restrict bias, int64_t H) {
    for (int64_t j = 0; j < H; j++) h[j] = rnnk_tanhf(h[j] + bias[j]);
}

/* rnnk_rnn_tanh_forward_step's buffers, for its rows on the pool (rnnk_pool_rows) */
struct rnn_tanh_forward_args { float *h; const float *pre, *bias; int64_t H; };

/* rows [b0, b1) of rnnk_rnn_tanh_forward_step; one clone per ISA */
RNNK_CLONES
static void rnnk_rnn_tanh_forward_rows(const void *args, int64_t b0, int64_t b1) {
    const struct rnn_tanh_forward_args *a = args;
    const int64_t H = a->H;
    if (a->h == a->pre) {
        for (int64_t b = b0; b < b1; b++) rnn_tanh_row_in_place(a->h + b * H, a->bias, H);
        return;
    }
    for (int64_t b = b0; b < b1; b++) rnn_tanh_row(a->h + b * H, a->pre + b * H, a->bias, H);
}

/* the only RNN kernel with transcendentals, so the only one large enough to split over the pool */
void rnnk_rnn_tanh_forward_step(float *h, const float *pre, const float *bias, int64_t B, int64_t H) {
    struct rnn_tanh_forward_args args = {h, pre, bias, H};
    rnnk_pool_rows(rnnk_rnn_tanh_forward_rows, &args, B, H, RNNK_WORK_RNN_TANH_FORWARD);
}

RNNK_CLONES
void rnnk_rnn_tanh_backward_step(float *dpre, const float *dh, const float *h, int64_t B, int64_t H) {
    int64_t n = B * H;
    const float *restrict hs = h;     /* h_t saved by forward (B, H) */
    if (dpre == dh) {
        for (int64_t k = 0; k < n; k++) dpre[k] = dpre[k] * (1.0f - hs[k] * hs[k]);
        return;
    }
    float *restrict out = dpre;       /* dL/d pre (B, H) */
    const float *restrict in = dh;    /* dL/dh_t (B, H) */
    for (int64_t k = 0; k < n; k++) out[k] = in[k] * (1.0f - hs[k] * hs[k]);   /* tanh' = 1 - h^2 */
}

/* relu(x) = x <= 0 ? 0 : x: negative and -0 give +0, NaN (the compare is false) stays NaN */
static inline float rnnk_reluf(float x) { return x <= 0.0f ? 0.0f : x; }

RNNK_ROW void rnn_relu_row(float *restrict out, const float *restrict in,
                           const float *restrict bias, int64_t H) {
    for (int64_t j = 0; j < H; j++) out[j] = rnnk_reluf(in[j] + bias[j]);
}

RNNK_ROW void rnn_relu_row_in_place(float *restrict h, const float *restrict bias, int64_t H) {
    for (int64_t j = 0; j < H; j++) h[j] = rnnk_reluf(h[j] + bias[j]);
}

RNNK_CLONES
void rnnk_rnn_relu_forward_step(float *h, const float *pre, const float *bias, int64_t B, int64_t H) {
    if (h == pre) {
        for (int64_t b = 0; b < B; b++) rnn_relu_row_in_place(h + b * H, bias, H);
        return;
    }
    for (int64_t b = 0; b < B; b++) rnn_relu_row(h + b * H, pre + b * H, bias, H);
}

RNNK_CLONES
void rnnk_rnn_relu_backward_step(float *dpre, const float *dh, const float *h, int64_t B, int64_t H) {
    int64_t n = B * H;
    const float *restrict hs = h;     /* h_t saved by forward (B, H) */
    /* h <= 0 ? 0 : dh — for every number the same as h > 0 ? dh : 0; where h is NaN the gradient
     * passes through (PyTorch's threshold_backward), so a NaN step is not silently masked */
    if (dpre == dh) {
        for (int64_t k = 0; k < n; k++) dpre[k] = hs[k] <= 0.0f ? 0.0f : dpre[k];
        return;
    }
    float *restrict out = dpre;       /* dL/d pre (B, H) */
    const float *restrict in = dh;    /* dL/dh_t (B, H) */
    for (int64_t k = 0; k < n; k++) out[k] = hs[k] <= 0.0f ? 0.0f : in[k];
}
