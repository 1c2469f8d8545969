/*
 * lstm.c — fused pointwise LSTM step, forward and backward (PyTorch gate order i, f, g, o).
 * The GEMMs that make the pre-activations and that carry dh back are the caller's (OpenBLAS).
 * The inner loops are plain elementwise code that GCC vectorises per ISA (see dispatch.h); the
 * restrict-qualified row pointers tell it the gate slices and the state rows do not overlap.
 */
#include "rnnk.h"
#include "activations.h"
#include "dispatch.h"

RNNK_CLONES
void rnnk_lstm_forward_step(float *h, float *c, float *gates, const float *c_prev,
                            int64_t B, int64_t H) {
    for (int64_t b = 0; b < B; b++) {
        float *restrict gi = gates + b * 4 * H;   /* input gate   (H) */
        float *restrict gf = gi + H;              /* forget gate  (H) */
        float *restrict gg = gi + 2 * H;          /* cell input   (H) */
        float *restrict go = gi + 3 * H;          /* output gate  (H) */
        const float *restrict cp = c_prev + b * H; /* c_{t-1}     (H) */
        float *restrict cb = c + b * H;           /* c_t          (H) */
        float *restrict hb = h + b * H;           /* h_t          (H) */
        for (int64_t j = 0; j < H; j++) {
            float i = rnnk_sigmoidf(gi[j]);
            float f = rnnk_sigmoidf(gf[j]);
            float g = rnnk_tanhf(gg[j]);
            float o = rnnk_sigmoidf(go[j]);
            float ct = f * cp[j] + i * g;   /* c_t = f * c_{t-1} + i * g */
            gi[j] = i;
            gf[j] = f;
            gg[j] = g;
            go[j] = o;
            cb[j] = ct;
            hb[j] = o * rnnk_tanhf(ct);     /* h_t = o * tanh(c_t) */
        }
    }
}

RNNK_CLONES
void rnnk_lstm_backward_step(float *dgates, float *dc, const float *dh,
                             const float *gates, const float *c_prev, const float *c,
                             int64_t B, int64_t H) {
    for (int64_t b = 0; b < B; b++) {
        const float *restrict gi = gates + b * 4 * H;   /* activations i, f, g, o (H each) */
        const float *restrict gf = gi + H;
        const float *restrict gg = gi + 2 * H;
        const float *restrict go = gi + 3 * H;
        float *restrict di = dgates + b * 4 * H;        /* d pre-activations i, f, g, o (H each) */
        float *restrict df = di + H;
        float *restrict dg = di + 2 * H;
        float *restrict dout = di + 3 * H;
        const float *restrict cp = c_prev + b * H;      /* c_{t-1} (H) */
        const float *restrict cb = c + b * H;           /* c_t     (H) */
        const float *restrict dhb = dh + b * H;         /* dL/dh_t (H) */
        float *restrict dcb = dc + b * H;               /* dL/dc_t in, dL/dc_{t-1} out (H) */
        for (int64_t j = 0; j < H; j++) {
            float i = gi[j], f = gf[j], g = gg[j], o = go[j];
            float tc = rnnk_tanhf(cb[j]);
            /* dc_t total = carried dc + dh * o * tanh'(c_t) */
            float dct = dcb[j] + dhb[j] * o * (1.0f - tc * tc);
            dout[j] = dhb[j] * tc * o * (1.0f - o);    /* d o_pre */
            di[j] = dct * g * i * (1.0f - i);          /* d i_pre */
            df[j] = dct * cp[j] * f * (1.0f - f);      /* d f_pre */
            dg[j] = dct * i * (1.0f - g * g);          /* d g_pre */
            dcb[j] = dct * f;                          /* dc_{t-1} */
        }
    }
}
