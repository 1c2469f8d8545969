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
#include "pool.h"

/* rnnk_rnn_tanh_forward_step's buffers, for its rows on the pool (rnnk_pool_rows) */
struct rnn_tanh_forward_args { float *h; const float *pre; int64_t H; };

/* rows [b0, b1) of rnnk_rnn_tanh_forward_step, as one flat range of elements; one clone per ISA */
RNNK_CLONES
static void rnnk_rnn_tanh_forward_rows(const void *args, int64_t b0, int64_t b1) {
    const struct rnn_tanh_forward_args *a = args;
    const int64_t k0 = b0 * a->H, k1 = b1 * a->H;
    if (a->h == a->pre) {
        float *h = a->h;
        for (int64_t k = k0; k < k1; k++) h[k] = rnnk_tanhf(h[k]);
        return;
    }
    float *restrict out = a->h;          /* h_t (B, H) */
    const float *restrict in = a->pre;   /* pre-activations (B, H) */
    for (int64_t k = k0; k < k1; k++) out[k] = rnnk_tanhf(in[k]);
}

/* the only RNN kernel with transcendentals, so the only one large enough to split over the pool */
void rnnk_rnn_tanh_forward_step(float *h, const float *pre, int64_t B, int64_t H) {
    struct rnn_tanh_forward_args args = {h, pre, H};
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
