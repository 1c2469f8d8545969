/*
 * lstm.c — fused pointwise LSTM step, forward and backward (PyTorch gate order i, f, g, o).
 * The GEMMs that make the pre-activations and that carry dh back are the caller's (OpenBLAS).
 * Each kernel is a loop over rows calling a row function whose restrict parameters tell GCC that
 * the gate slices and the state rows do not overlap, so its elementwise loop vectorises for each
 * ISA clone (see dispatch.h).
 */
#include "rnnk.h"
#include "activations.h"
#include "dispatch.h"
#include "pool.h"

/*
 * One row of rnnk_lstm_forward_step, in two passes over the row (every pointer is a row of H
 * floats): first the four gates and c_t (four independent activations per element), then
 * h_t = o * tanh(c_t). In one pass each element's tanh(c_t) waits on its gates, two
 * transcendentals one after the other; split, the CPU overlaps them across iterations (about
 * 10 % less time per element at B=64 H=256 and 512). Same operations in the same order per
 * element, so the results are the one-pass loop's, bit for bit.
 */
RNNK_ROW void lstm_forward_gates_row(float *restrict c,        /* c_t */
                                     float *restrict gi,       /* input gate  GEMMs in, act out */
                                     float *restrict gf,       /* forget gate GEMMs in, act out */
                                     float *restrict gg,       /* cell input  GEMMs in, act out */
                                     float *restrict go,       /* output gate GEMMs in, act out */
                                     const float *restrict bi, /* the gates' biases b_ih + b_hh */
                                     const float *restrict bf,
                                     const float *restrict bg,
                                     const float *restrict bo,
                                     const float *restrict c_prev, /* c_{t-1} */
                                     int64_t H) {
    for (int64_t j = 0; j < H; j++) {
        float i = rnnk_sigmoidf(gi[j] + bi[j]);   /* pre-activation = GEMMs + bias */
        float f = rnnk_sigmoidf(gf[j] + bf[j]);
        float g = rnnk_tanhf(gg[j] + bg[j]);
        gi[j] = i;
        gf[j] = f;
        gg[j] = g;
        go[j] = rnnk_sigmoidf(go[j] + bo[j]);
        c[j] = f * c_prev[j] + i * g;       /* c_t = f * c_{t-1} + i * g */
    }
}

RNNK_ROW void lstm_forward_hidden_row(float *restrict h,       /* h_t */
                                      const float *restrict c, /* c_t */
                                      const float *restrict o, /* output gate */
                                      int64_t H) {
    for (int64_t j = 0; j < H; j++) {
        h[j] = o[j] * rnnk_tanhf(c[j]);     /* h_t = o * tanh(c_t) */
    }
}

/* rnnk_lstm_forward_step's buffers, for its rows on the pool (rnnk_pool_rows) */
struct lstm_forward_args { float *h, *c, *gates; const float *bias, *c_prev; int64_t H; };

/* rows [b0, b1) of rnnk_lstm_forward_step; internal (not exported), one clone per ISA */
RNNK_CLONES
static void rnnk_lstm_forward_rows(const void *args, int64_t b0, int64_t b1) {
    const struct lstm_forward_args *a = args;
    const int64_t H = a->H;
    const float *bias = a->bias;            /* (4H) i, f, g, o */
    for (int64_t b = b0; b < b1; b++) {
        float *g = a->gates + b * 4 * H;    /* (4H) i, f, g, o */
        lstm_forward_gates_row(a->c + b * H, g, g + H, g + 2 * H, g + 3 * H, bias, bias + H,
                               bias + 2 * H, bias + 3 * H, a->c_prev + b * H, H);
        lstm_forward_hidden_row(a->h + b * H, a->c + b * H, g + 3 * H, H);
    }
}

void rnnk_lstm_forward_step(float *h, float *c, float *gates, const float *bias,
                            const float *c_prev, int64_t B, int64_t H) {
    struct lstm_forward_args args = {h, c, gates, bias, c_prev, H};
    rnnk_pool_rows(rnnk_lstm_forward_rows, &args, B, H, RNNK_WORK_LSTM_FORWARD);
}

/* one row of rnnk_lstm_backward_step; every pointer is a row of H floats */
RNNK_ROW void lstm_backward_row(float *restrict di,      /* d i_pre out */
                                     float *restrict df,      /* d f_pre out */
                                     float *restrict dg,      /* d g_pre out */
                                     float *restrict dout,    /* d o_pre out */
                                     float *restrict dc,      /* dL/dc_t in, dL/dc_{t-1} out */
                                     const float *restrict dh,     /* dL/dh_t */
                                     const float *restrict gi,     /* activations i, f, g, o */
                                     const float *restrict gf,
                                     const float *restrict gg,
                                     const float *restrict go,
                                     const float *restrict c_prev, /* c_{t-1} */
                                     const float *restrict c,      /* c_t */
                                     int64_t H) {
    for (int64_t j = 0; j < H; j++) {
        float i = gi[j], f = gf[j], g = gg[j], o = go[j];
        float tc = rnnk_tanhf(c[j]);
        /* dc_t total = carried dc + dh * o * tanh'(c_t) */
        float dct = dc[j] + dh[j] * o * (1.0f - tc * tc);
        dout[j] = dh[j] * tc * o * (1.0f - o);     /* d o_pre */
        di[j] = dct * g * i * (1.0f - i);          /* d i_pre */
        df[j] = dct * c_prev[j] * f * (1.0f - f);  /* d f_pre */
        dg[j] = dct * i * (1.0f - g * g);          /* d g_pre */
        dc[j] = dct * f;                           /* dc_{t-1} */
    }
}

/* rnnk_lstm_backward_step's buffers, for its rows on the pool */
struct lstm_backward_args {
    float *dgates, *dc;
    const float *dh, *gates, *c_prev, *c;
    int64_t H;
};

/* rows [b0, b1) of rnnk_lstm_backward_step; internal, one clone per ISA */
RNNK_CLONES
static void rnnk_lstm_backward_rows(const void *args, int64_t b0, int64_t b1) {
    const struct lstm_backward_args *a = args;
    const int64_t H = a->H;
    for (int64_t b = b0; b < b1; b++) {
        float *d = a->dgates + b * 4 * H;       /* (4H) d i, f, g, o pre-activations */
        const float *g = a->gates + b * 4 * H;  /* (4H) activations i, f, g, o */
        lstm_backward_row(d, d + H, d + 2 * H, d + 3 * H, a->dc + b * H, a->dh + b * H,
                          g, g + H, g + 2 * H, g + 3 * H, a->c_prev + b * H, a->c + b * H, H);
    }
}

void rnnk_lstm_backward_step(float *dgates, float *dc, const float *dh,
                             const float *gates, const float *c_prev, const float *c,
                             int64_t B, int64_t H) {
    struct lstm_backward_args args = {dgates, dc, dh, gates, c_prev, c, H};
    rnnk_pool_rows(rnnk_lstm_backward_rows, &args, B, H, RNNK_WORK_LSTM_BACKWARD);
}
