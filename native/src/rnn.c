/*
 * rnn.c — fused pointwise step of the vanilla (Elman) RNN, forward and backward:
 *   h_t = tanh|relu(pre),  pre = x W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh  (the caller's GEMMs).
 * Rows are contiguous with stride H, so each kernel is one flat loop over B*H elements. The
 * output may be the input buffer itself (in place); that case gets its own loop so both stay
 * vectorised (a partial overlap is not allowed).
 */
#include "rnnk.h"
#include "activations.h"
#include "dispatch.h"

RNNK_CLONES
void rnnk_rnn_tanh_forward_step(float *h, const float *pre, int64_t B, int64_t H) {
    int64_t n = B * H;
    if (h == pre) {
        for (int64_t k = 0; k < n; k++) h[k] = rnnk_tanhf(h[k]);
        return;
    }
    float *restrict out = h;          /* h_t (B, H) */
    const float *restrict in = pre;   /* pre-activations (B, H) */
    for (int64_t k = 0; k < n; k++) out[k] = rnnk_tanhf(in[k]);
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

RNNK_CLONES
void rnnk_rnn_relu_forward_step(float *h, const float *pre, int64_t B, int64_t H) {
    int64_t n = B * H;
    if (h == pre) {
        for (int64_t k = 0; k < n; k++) h[k] = rnnk_reluf(h[k]);
        return;
    }
    float *restrict out = h;          /* h_t (B, H) */
    const float *restrict in = pre;   /* pre-activations (B, H) */
    for (int64_t k = 0; k < n; k++) out[k] = rnnk_reluf(in[k]);
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
