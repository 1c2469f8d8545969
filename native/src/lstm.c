/*
 * lstm.c — fused pointwise LSTM step, forward and backward (PyTorch gate order i, f, g, o).
 * The GEMMs that make the pre-activations and that carry dh back are the caller's (OpenBLAS).
 */
#include "rnnk.h"
#include "activations.h"

void rnnk_lstm_forward_step(float *h, float *c, float *gates, const float *c_prev,
                            int64_t B, int64_t H) {
    for (int64_t b = 0; b < B; b++) {
        float *gi = gates + b * 4 * H;   /* input gate   (H) */
        float *gf = gi + H;              /* forget gate  (H) */
        float *gg = gi + 2 * H;          /* cell input   (H) */
        float *go = gi + 3 * H;          /* output gate  (H) */
        const float *cp = c_prev + b * H;
        float *cb = c + b * H;
        float *hb = h + b * H;
        for (int64_t j = 0; j < H; j++) {
            float i = rnnk_sigmoidf(gi[j]);
            float f = rnnk_sigmoidf(gf[j]);
            float g = tanhf(gg[j]);
            float o = rnnk_sigmoidf(go[j]);
            float ct = f * cp[j] + i * g;   /* c_t = f * c_{t-1} + i * g */
            gi[j] = i;
            gf[j] = f;
            gg[j] = g;
            go[j] = o;
            cb[j] = ct;
            hb[j] = o * tanhf(ct);          /* h_t = o * tanh(c_t) */
        }
    }
}

void rnnk_lstm_backward_step(float *dgates, float *dc, const float *dh,
                             const float *gates, const float *c_prev, const float *c,
                             int64_t B, int64_t H) {
    for (int64_t b = 0; b < B; b++) {
        const float *gi = gates + b * 4 * H;
        const float *gf = gi + H;
        const float *gg = gi + 2 * H;
        const float *go = gi + 3 * H;
        float *di = dgates + b * 4 * H;
        float *df = di + H;
        float *dg = di + 2 * H;
        float *dout = di + 3 * H;
        const float *cp = c_prev + b * H;
        const float *cb = c + b * H;
        const float *dhb = dh + b * H;
        float *dcb = dc + b * H;
        for (int64_t j = 0; j < H; j++) {
            float i = gi[j], f = gf[j], g = gg[j], o = go[j];
            float tc = tanhf(cb[j]);
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
