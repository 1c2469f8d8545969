/*
 * gru_reset_before.c — fused pointwise kernels of the GRU with the reset gate applied before the
 * recurrent product (ONNX linear_before_reset = 0; Keras reset_after = False; Cho et al. 2014),
 * PyTorch's gate order r, z, n:
 *   r = sigmoid(x W_ir^T + b_ir + h W_hr^T + b_hr)
 *   z = sigmoid(x W_iz^T + b_iz + h W_hz^T + b_hz)
 *   n = tanh(x W_in^T + b_in + (r * h) W_hn^T + b_hn)
 *   h' = (1 - z) * n + z * h,  computed as n + z * (h - n) like gru.c.
 * The product (r * h) W_hn^T needs r, so each direction is two kernels with the caller's GEMM
 * between them (rnnk.h shows the order). What this is not: the GEMMs (the caller's), PyTorch's GRU
 * (gru.c, where r multiplies W_hn h + b_hn after the product).
 * Row functions with restrict parameters let GCC vectorise each ISA clone (see dispatch.h).
 */
#include "rnnk.h"
#include "activations.h"
#include "dispatch.h"
#include "pool.h"

/* one row of the gates forward; every pointer is a row of H floats */
RNNK_ROW void gru_rb_gates_forward_row(float *restrict xr,        /* x W_ir^T in, r out */
                                       float *restrict xz,        /* x W_iz^T in, z out */
                                       float *restrict rh,        /* r * h_{t-1} out */
                                       const float *restrict hr,  /* h W_hr^T */
                                       const float *restrict hz,  /* h W_hz^T */
                                       const float *restrict bir, /* b_ir */
                                       const float *restrict biz, /* b_iz */
                                       const float *restrict bhr, /* b_hr */
                                       const float *restrict bhz, /* b_hz */
                                       const float *restrict h_prev, /* h_{t-1} */
                                       int64_t H) {
    for (int64_t j = 0; j < H; j++) {
        float r = rnnk_sigmoidf((xr[j] + bir[j]) + (hr[j] + bhr[j]));   /* reset gate */
        float z = rnnk_sigmoidf((xz[j] + biz[j]) + (hz[j] + bhz[j]));   /* update gate */
        xr[j] = r;
        xz[j] = z;
        rh[j] = r * h_prev[j];                                          /* reset hidden state */
    }
}

/* rnnk_gru_reset_before_gates_forward_step's buffers, for its rows on the pool */
struct gru_rb_gates_forward_args { float *xg, *rh; const float *hrz, *b_ih, *b_hh, *h_prev; int64_t H; };

/* rows [b0, b1) of rnnk_gru_reset_before_gates_forward_step; internal, one clone per ISA */
RNNK_CLONES
static void rnnk_gru_rb_gates_forward_rows(const void *args, int64_t b0, int64_t b1) {
    const struct gru_rb_gates_forward_args *a = args;
    const int64_t H = a->H;
    for (int64_t b = b0; b < b1; b++) {
        float *x = a->xg + b * 3 * H;          /* (3H) r, z, n */
        const float *g = a->hrz + b * 2 * H;   /* (2H) hr, hz */
        gru_rb_gates_forward_row(x, x + H, a->rh + b * H, g, g + H, a->b_ih, a->b_ih + H, a->b_hh,
                                 a->b_hh + H, a->h_prev + b * H, H);
    }
}

void rnnk_gru_reset_before_gates_forward_step(float *xg, float *rh, const float *hrz,
                                              const float *b_ih, const float *b_hh,
                                              const float *h_prev, int64_t B, int64_t H) {
    struct gru_rb_gates_forward_args args = {xg, rh, hrz, b_ih, b_hh, h_prev, H};
    rnnk_pool_rows(rnnk_gru_rb_gates_forward_rows, &args, B, H, RNNK_WORK_GRU_RB_GATES_FORWARD);
}

/* one row of the state forward; every pointer is a row of H floats */
RNNK_ROW void gru_rb_state_forward_row(float *restrict h,          /* h_t */
                                       float *restrict xn,         /* x W_in^T in, n out */
                                       const float *restrict z,    /* update gate */
                                       const float *restrict hn,   /* (r * h) W_hn^T */
                                       const float *restrict bin,  /* b_in */
                                       const float *restrict bhn,  /* b_hn */
                                       const float *restrict h_prev, /* h_{t-1} */
                                       int64_t H) {
    for (int64_t j = 0; j < H; j++) {
        float n = rnnk_tanhf((xn[j] + bin[j]) + (hn[j] + bhn[j]));   /* new gate */
        xn[j] = n;
        h[j] = n + z[j] * (h_prev[j] - n);                          /* h_t = (1 - z) n + z h_{t-1} */
    }
}

/* rnnk_gru_reset_before_state_forward_step's buffers, for its rows on the pool */
struct gru_rb_state_forward_args { float *h, *xg; const float *hn, *b_ih, *b_hh, *h_prev; int64_t H; };

/* rows [b0, b1) of rnnk_gru_reset_before_state_forward_step; internal, one clone per ISA */
RNNK_CLONES
static void rnnk_gru_rb_state_forward_rows(const void *args, int64_t b0, int64_t b1) {
    const struct gru_rb_state_forward_args *a = args;
    const int64_t H = a->H;
    for (int64_t b = b0; b < b1; b++) {
        float *x = a->xg + b * 3 * H;          /* (3H) r, z, n */
        gru_rb_state_forward_row(a->h + b * H, x + 2 * H, x + H, a->hn + b * H, a->b_ih + 2 * H,
                                 a->b_hh + 2 * H, a->h_prev + b * H, H);
    }
}

void rnnk_gru_reset_before_state_forward_step(float *h, float *xg, const float *hn,
                                              const float *b_ih, const float *b_hh,
                                              const float *h_prev, int64_t B, int64_t H) {
    struct gru_rb_state_forward_args args = {h, xg, hn, b_ih, b_hh, h_prev, H};
    rnnk_pool_rows(rnnk_gru_rb_state_forward_rows, &args, B, H, RNNK_WORK_GRU_RB_STATE_FORWARD);
}

/* one row of the state backward; every pointer is a row of H floats */
RNNK_ROW void gru_rb_state_backward_row(float *restrict dxz,        /* dz_pre */
                                        float *restrict dxn,        /* dn_pre */
                                        float *restrict dh_prev,    /* direct part of dL/dh_{t-1} */
                                        const float *restrict dh,   /* dL/dh_t */
                                        const float *restrict gz,   /* update gate z */
                                        const float *restrict gn,   /* new gate n */
                                        const float *restrict h_prev, /* h_{t-1} */
                                        int64_t H) {
    for (int64_t j = 0; j < H; j++) {
        float z = gz[j], n = gn[j], d = dh[j];
        float dn = d * (1.0f - z);                 /* dh_t/dn = 1 - z */
        float dz = d * (h_prev[j] - n);            /* dh_t/dz = h_{t-1} - n */
        dxn[j] = dn * (1.0f - n * n);              /* tanh' */
        dxz[j] = dz * z * (1.0f - z);              /* sigmoid' */
        dh_prev[j] = d * z;                        /* dh_t/dh_{t-1} through z h_{t-1} */
    }
}

/* rnnk_gru_reset_before_state_backward_step's buffers, for its rows on the pool */
struct gru_rb_state_backward_args { float *dxg, *dh_prev; const float *dh, *xg, *h_prev; int64_t H; };

/* rows [b0, b1) of rnnk_gru_reset_before_state_backward_step; internal, one clone per ISA */
RNNK_CLONES
static void rnnk_gru_rb_state_backward_rows(const void *args, int64_t b0, int64_t b1) {
    const struct gru_rb_state_backward_args *a = args;
    const int64_t H = a->H;
    for (int64_t b = b0; b < b1; b++) {
        float *dx = a->dxg + b * 3 * H;        /* (3H) dr_pre, dz_pre, dn_pre */
        const float *x = a->xg + b * 3 * H;    /* (3H) r, z, n */
        gru_rb_state_backward_row(dx + H, dx + 2 * H, a->dh_prev + b * H, a->dh + b * H, x + H,
                                  x + 2 * H, a->h_prev + b * H, H);
    }
}

void rnnk_gru_reset_before_state_backward_step(float *dxg, float *dh_prev, const float *dh,
                                               const float *xg, const float *h_prev,
                                               int64_t B, int64_t H) {
    struct gru_rb_state_backward_args args = {dxg, dh_prev, dh, xg, h_prev, H};
    rnnk_pool_rows(rnnk_gru_rb_state_backward_rows, &args, B, H, RNNK_WORK_GRU_RB_BACKWARD);
}

/* one row of the gates backward; every pointer is a row of H floats */
RNNK_ROW void gru_rb_gates_backward_row(float *restrict dxr,        /* dr_pre */
                                        float *restrict dh_prev,    /* dL/dh_{t-1}, added to */
                                        const float *restrict drh,  /* dL/d(r * h_{t-1}) */
                                        const float *restrict gr,   /* reset gate r */
                                        const float *restrict h_prev, /* h_{t-1} */
                                        int64_t H) {
    for (int64_t j = 0; j < H; j++) {
        float r = gr[j], d = drh[j];
        float dr = d * h_prev[j];                  /* d(r h)/dr = h_{t-1} */
        dxr[j] = dr * r * (1.0f - r);              /* sigmoid' */
        dh_prev[j] += d * r;                       /* d(r h)/dh_{t-1} = r */
    }
}

/* rnnk_gru_reset_before_gates_backward_step's buffers, for its rows on the pool */
struct gru_rb_gates_backward_args { float *dxg, *dh_prev; const float *drh, *xg, *h_prev; int64_t H; };

/* rows [b0, b1) of rnnk_gru_reset_before_gates_backward_step; internal, one clone per ISA */
RNNK_CLONES
static void rnnk_gru_rb_gates_backward_rows(const void *args, int64_t b0, int64_t b1) {
    const struct gru_rb_gates_backward_args *a = args;
    const int64_t H = a->H;
    for (int64_t b = b0; b < b1; b++) {
        gru_rb_gates_backward_row(a->dxg + b * 3 * H, a->dh_prev + b * H, a->drh + b * H,
                                  a->xg + b * 3 * H, a->h_prev + b * H, H);
    }
}

void rnnk_gru_reset_before_gates_backward_step(float *dxg, float *dh_prev, const float *drh,
                                               const float *xg, const float *h_prev,
                                               int64_t B, int64_t H) {
    struct gru_rb_gates_backward_args args = {dxg, dh_prev, drh, xg, h_prev, H};
    rnnk_pool_rows(rnnk_gru_rb_gates_backward_rows, &args, B, H, RNNK_WORK_GRU_RB_BACKWARD);
}
