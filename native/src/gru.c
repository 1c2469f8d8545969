/*
 * gru.c — fused pointwise GRU step, forward and backward (PyTorch gate order r, z, n):
 *   r = sigmoid(x W_ir^T + b_ir + h W_hr^T + b_hr)
 *   z = sigmoid(x W_iz^T + b_iz + h W_hz^T + b_hz)
 *   n = tanh(x W_in^T + b_in + r * (h W_hn^T + b_hn))
 *   h' = (1 - z) * n + z * h,  computed as n + z * (h - n) like PyTorch's CPU GRU cell.
 * The recurrent GEMM result stays separate from the input projection (b_hn cannot be folded into
 * the input bias), so the caller passes both GEMM results and this kernel adds b_ih and b_hh.
 * The GEMMs are the caller's.
 * Row functions with restrict parameters let GCC vectorise each ISA clone (see dispatch.h).
 */
#include "rnnk.h"
#include "activations.h"
#include "dispatch.h"
#include "pool.h"

/*
 * One row of rnnk_gru_forward_step, in two passes over the row (every pointer is a row of H
 * floats). In one pass each element's chain is sigmoid(r) -> tanh(n) -> h, two transcendentals
 * one after the other, and the vector loop waits on it; the first pass below has two independent
 * sigmoids per element and the second one tanh, which the CPU overlaps across iterations (about
 * 15 % less time per element, one thread, at B=64 H=256 and 512). Same operations in the same
 * order per element, so the results are the one-pass loop's, bit for bit.
 */
RNNK_ROW void gru_forward_gates_row(float *restrict xr,        /* x W_ir^T in, r out */
                                    float *restrict xz,        /* x W_iz^T in, z out */
                                    float *restrict hr,        /* h W_hr^T in, + b_hr out */
                                    float *restrict hz,        /* h W_hz^T in, + b_hz out */
                                    const float *restrict bir, /* b_ir */
                                    const float *restrict biz, /* b_iz */
                                    const float *restrict bhr, /* b_hr */
                                    const float *restrict bhz, /* b_hz */
                                    int64_t H) {
    for (int64_t j = 0; j < H; j++) {
        float ar = hr[j] + bhr[j];
        float az = hz[j] + bhz[j];
        hr[j] = ar;
        hz[j] = az;
        xr[j] = rnnk_sigmoidf((xr[j] + bir[j]) + ar);   /* reset gate */
        xz[j] = rnnk_sigmoidf((xz[j] + biz[j]) + az);   /* update gate */
    }
}

RNNK_ROW void gru_forward_state_row(float *restrict h,         /* h_t */
                                    float *restrict xn,        /* x W_in^T in, n out */
                                    float *restrict hn,        /* h W_hn^T in, + b_hn out */
                                    const float *restrict r,   /* reset gate (first pass) */
                                    const float *restrict z,   /* update gate (first pass) */
                                    const float *restrict bin, /* b_in */
                                    const float *restrict bhn, /* b_hn */
                                    const float *restrict h_prev, /* h_{t-1} */
                                    int64_t H) {
    for (int64_t j = 0; j < H; j++) {
        float an = hn[j] + bhn[j];                /* W_hn h + b_hn, saved for backward */
        float n = rnnk_tanhf((xn[j] + bin[j]) + r[j] * an);   /* new gate */
        hn[j] = an;
        xn[j] = n;
        h[j] = n + z[j] * (h_prev[j] - n);        /* h_t = (1 - z) n + z h_{t-1} */
    }
}

/* rnnk_gru_forward_step's buffers, for its rows on the pool (rnnk_pool_rows) */
struct gru_forward_args { float *h, *xg, *hg; const float *b_ih, *b_hh, *h_prev; int64_t H; };

/* rows [b0, b1) of rnnk_gru_forward_step; internal (not exported), one clone per ISA */
RNNK_CLONES
static void rnnk_gru_forward_rows(const void *args, int64_t b0, int64_t b1) {
    const struct gru_forward_args *a = args;
    const int64_t H = a->H;
    const float *b_ih = a->b_ih, *b_hh = a->b_hh;   /* (3H) r, z, n each */
    for (int64_t b = b0; b < b1; b++) {
        float *x = a->xg + b * 3 * H;         /* (3H) r, z, n */
        float *g = a->hg + b * 3 * H;         /* (3H) r, z, n */
        gru_forward_gates_row(x, x + H, g, g + H, b_ih, b_ih + H, b_hh, b_hh + H, H);
        gru_forward_state_row(a->h + b * H, x + 2 * H, g + 2 * H, x, x + H, b_ih + 2 * H,
                              b_hh + 2 * H, a->h_prev + b * H, H);
    }
}

void rnnk_gru_forward_step(float *h, float *xg, float *hg, const float *b_ih, const float *b_hh,
                           const float *h_prev, int64_t B, int64_t H) {
    struct gru_forward_args args = {h, xg, hg, b_ih, b_hh, h_prev, H};
    rnnk_pool_rows(rnnk_gru_forward_rows, &args, B, H, RNNK_WORK_GRU_FORWARD);
}

/* one row of rnnk_gru_backward_step; every pointer is a row of H floats */
RNNK_ROW void gru_backward_row(float *restrict dxr,      /* dr_pre */
                                    float *restrict dxz,      /* dz_pre */
                                    float *restrict dxn,      /* dn_pre */
                                    float *restrict dhr,      /* dr_pre */
                                    float *restrict dhz,      /* dz_pre */
                                    float *restrict dhn,      /* dn_pre * r */
                                    float *restrict dh_prev,  /* direct part of dL/dh_{t-1} */
                                    const float *restrict dh, /* dL/dh_t */
                                    const float *restrict gr, /* activations r, z, n */
                                    const float *restrict gz,
                                    const float *restrict gn,
                                    const float *restrict an, /* W_hn h + b_hn */
                                    const float *restrict h_prev, /* h_{t-1} */
                                    int64_t H) {
    for (int64_t j = 0; j < H; j++) {
        float r = gr[j], z = gz[j], n = gn[j], d = dh[j];
        float dn = d * (1.0f - z);                 /* dh_t/dn = 1 - z */
        float dz = d * (h_prev[j] - n);            /* dh_t/dz = h_{t-1} - n */
        float dn_pre = dn * (1.0f - n * n);        /* tanh' */
        float dr = dn_pre * an[j];                 /* n_pre = ... + r * (W_hn h + b_hn) */
        float dr_pre = dr * r * (1.0f - r);        /* sigmoid' */
        float dz_pre = dz * z * (1.0f - z);
        dxr[j] = dr_pre;
        dxz[j] = dz_pre;
        dxn[j] = dn_pre;
        dhr[j] = dr_pre;
        dhz[j] = dz_pre;
        dhn[j] = dn_pre * r;                       /* d(W_hn h + b_hn) */
        dh_prev[j] = d * z;                        /* dh_t/dh_{t-1}, holding the GEMM fixed */
    }
}

/* rnnk_gru_backward_step's buffers, for its rows on the pool */
struct gru_backward_args {
    float *dxg, *dhg, *dh_prev;
    const float *dh, *xg, *hg, *h_prev;
    int64_t H;
};

/* rows [b0, b1) of rnnk_gru_backward_step; internal, one clone per ISA */
RNNK_CLONES
static void rnnk_gru_backward_rows(const void *args, int64_t b0, int64_t b1) {
    const struct gru_backward_args *a = args;
    const int64_t H = a->H;
    for (int64_t b = b0; b < b1; b++) {
        float *dx = a->dxg + b * 3 * H;       /* (3H) d input pre-activations r, z, n */
        float *dg = a->dhg + b * 3 * H;       /* (3H) d hidden pre-activations r, z, n */
        const float *x = a->xg + b * 3 * H;   /* (3H) activations r, z, n */
        const float *g = a->hg + b * 3 * H;   /* (3H) hidden pre-activations incl. b_hh */
        gru_backward_row(dx, dx + H, dx + 2 * H, dg, dg + H, dg + 2 * H, a->dh_prev + b * H,
                         a->dh + b * H, x, x + H, x + 2 * H, g + 2 * H, a->h_prev + b * H, H);
    }
}

void rnnk_gru_backward_step(float *dxg, float *dhg, float *dh_prev, const float *dh,
                            const float *xg, const float *hg, const float *h_prev,
                            int64_t B, int64_t H) {
    struct gru_backward_args args = {dxg, dhg, dh_prev, dh, xg, hg, h_prev, H};
    rnnk_pool_rows(rnnk_gru_backward_rows, &args, B, H, RNNK_WORK_GRU_BACKWARD);
}
