/*
 * rnnk_test.c — C-level checks of every librnnk kernel, run by ctest.
 *
 * For each cell (LSTM, GRU, GRU with the reset gate before the product, RNN tanh, RNN relu) and
 * every B, H in {1, 3, 7, 17, 129}:
 *   - forward against a direct evaluation of the equations in double precision, with the biases
 *     the kernels add (random, so a bias added to the wrong gate or row is caught);
 *   - backward against central finite differences in double precision of the scalar loss
 *     L = sum(wh * h_t) (+ sum(wc * c_t) for LSTM) with dh = wh (and the carried dc = wc);
 *   - no write outside the (B, n) buffers (guard floats after each), on unaligned buffers too.
 * Plus NaN/inf propagation, the in-place forms of the RNN kernels, the small GEMM against a double
 * product over edge shapes (tile remainders, K = 0, padded leading dimensions, beta 0/1/0.5, NaN in
 * C with beta 0) with its padding untouched, and the ABI version. The small GEMM is held to its
 * error bound in every build but left out of the hash: its FMA clones are not bit-identical.
 * It also prints a hash of every output bit; ctest builds this file against the dispatching
 * shared library and against baseline-only and AVX2-only builds of the same kernel sources and
 * checks that the hashes agree (the clones are bit-identical). The Java tests cover agreement with
 * JavaKernels and PyTorch; this file is not a benchmark.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rnnk.h"
#define TEST_SEED 42u
#include "test_support.h"

#define EXPECTED_ABI 14
/* forward: |kernel - double| <= FWD_TOL (1 + |exact|); the float inputs are exact, the error is
 * the float arithmetic plus the activations' <= 1e-7 absolute error */
#define FWD_TOL 1e-6
/* backward: |kernel - finite difference| <= BWD_TOL (1 + |fd|) */
#define BWD_TOL 1e-6

static const int64_t SIZES[] = {1, 3, 7, 17, 129};
enum { NSIZES = sizeof SIZES / sizeof SIZES[0] };


static double sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }


/* a pre-activation: mostly in [-4, 4], one in 16 saturating in +-[10, 30] */
static float pre_value(void) {
    float u = uniform();
    seed = seed * 1664525u + 1013904223u;
    if ((seed >> 28) == 0) return u < 0 ? -10.0f + 20.0f * u : 10.0f + 20.0f * u;
    return 4.0f * u;
}





/* records the largest scaled error of one check and fails it above tol */
static void check(const char *what, int64_t B, int64_t H, int64_t idx, double got, double want,
                  double tol, double *max_err) {
    double err = fabs(got - want) / (1.0 + fabs(want));
    if (err > *max_err) *max_err = err;
    if (!(err <= tol)) {
        if (failures++ < 30)
            printf("FAIL %s B=%lld H=%lld at %lld: %.9g vs %.9g\n", what, (long long)B, (long long)H,
                   (long long)idx, got, want);
    }
}

/* central difference of f at x[k] */
#define FD(f, x, k, out)                                                \
    do {                                                                \
        double saved_ = (x)[k], eps_ = 1e-5 * (1.0 + fabs(saved_));     \
        (x)[k] = saved_ + eps_; double lp_ = (f);                       \
        (x)[k] = saved_ - eps_; double lm_ = (f);                       \
        (x)[k] = saved_;                                                \
        (out) = (lp_ - lm_) / (2 * eps_);                               \
    } while (0)

struct maxima { double fwd, bwd; };

/* ---------------------------------------------------------------- LSTM */

/* the loss of one element: v = (i, f, g, o pre-activations, c_prev), w = (wh, wc) */
static double lstm_loss(const double *v, const double *w) {
    double i = sigmoid(v[0]), f = sigmoid(v[1]), g = tanh(v[2]), o = sigmoid(v[3]);
    double c = f * v[4] + i * g;
    return w[0] * o * tanh(c) + w[1] * c;
}

static void test_lstm(int64_t B, int64_t H, int off, struct maxima *m) {
    int64_t G = 4 * H;
    float *pre = buffer(B * G, off), *gates = buffer(B * G, off), *c_prev = buffer(B * H, off);
    float *c = buffer(B * H, off), *h = buffer(B * H, off), *dh = buffer(B * H, off);
    float *dc = buffer(B * H, off), *dgates = buffer(B * G, off), *wc = buffer(B * H, off);
    float *bias = buffer(G, off);
    for (int64_t k = 0; k < B * G; k++) gates[k] = pre[k] = pre_value();
    for (int64_t k = 0; k < G; k++) bias[k] = uniform();
    for (int64_t k = 0; k < B * H; k++) {
        c_prev[k] = 2.0f * uniform();
        dh[k] = uniform();
        dc[k] = wc[k] = uniform();
    }
    rnnk_lstm_forward_step(h, c, gates, bias, c_prev, B, H);
    rnnk_lstm_backward_step(dgates, dc, dh, gates, c_prev, c, B, H);
    for (int64_t b = 0; b < B; b++) {
        for (int64_t j = 0; j < H; j++) {
            int64_t s = b * H + j, p = b * G + j;
            /* the pre-activations: the float sums the kernel forms, GEMMs + bias */
            double v[5] = {pre[p] + bias[j], pre[p + H] + bias[j + H], pre[p + 2 * H] + bias[j + 2 * H],
                           pre[p + 3 * H] + bias[j + 3 * H], c_prev[s]};
            for (int q = 0; q < 4; q++) v[q] = (float)v[q];
            double w[2] = {dh[s], wc[s]};
            double act[4] = {sigmoid(v[0]), sigmoid(v[1]), tanh(v[2]), sigmoid(v[3])};
            double cref = act[1] * v[4] + act[0] * act[2];
            for (int q = 0; q < 4; q++) check("lstm forward gates", B, H, p + q * H, gates[p + q * H], act[q], FWD_TOL, &m->fwd);
            check("lstm forward c", B, H, s, c[s], cref, FWD_TOL, &m->fwd);
            check("lstm forward h", B, H, s, h[s], act[3] * tanh(cref), FWD_TOL, &m->fwd);
            for (int q = 0; q < 5; q++) {
                double fd;
                FD(lstm_loss(v, w), v, q, fd);
                if (q < 4) check("lstm backward dgates", B, H, p + q * H, dgates[p + q * H], fd, BWD_TOL, &m->bwd);
                else check("lstm backward dc_prev", B, H, s, dc[s], fd, BWD_TOL, &m->bwd);
            }
        }
    }
    check_guard("lstm gates", gates, B * G); check_guard("lstm c", c, B * H);
    check_guard("lstm h", h, B * H); check_guard("lstm dgates", dgates, B * G);
    check_guard("lstm dc", dc, B * H);
    hash_floats(gates, B * G); hash_floats(c, B * H); hash_floats(h, B * H);
    hash_floats(dgates, B * G); hash_floats(dc, B * H);
    release(pre, off); release(gates, off); release(c_prev, off); release(c, off); release(h, off);
    release(dh, off); release(dc, off); release(dgates, off); release(wc, off); release(bias, off);
}

/* ---------------------------------------------------------------- GRU */

/* one element: v = (xr, xz, xn incl. b_ih, hr, hz, hn without bias, h_prev), bias b = (b_hr, b_hz, b_hn) */
static double gru_h(const double *v, const double *bias) {
    double r = sigmoid(v[0] + v[3] + bias[0]);
    double z = sigmoid(v[1] + v[4] + bias[1]);
    double n = tanh(v[2] + r * (v[5] + bias[2]));
    return (1 - z) * n + z * v[6];
}

static void test_gru(int64_t B, int64_t H, int off, struct maxima *m) {
    int64_t G = 3 * H;
    float *xin = buffer(B * G, off), *hin = buffer(B * G, off), *xg = buffer(B * G, off);
    float *hg = buffer(B * G, off), *b_hh = buffer(G, off), *h_prev = buffer(B * H, off);
    float *h = buffer(B * H, off), *dh = buffer(B * H, off), *dxg = buffer(B * G, off);
    float *dhg = buffer(B * G, off), *dh_prev = buffer(B * H, off), *b_ih = buffer(G, off);
    for (int64_t k = 0; k < B * G; k++) { xg[k] = xin[k] = pre_value(); hg[k] = hin[k] = 2.0f * uniform(); }
    for (int64_t k = 0; k < G; k++) { b_hh[k] = uniform(); b_ih[k] = uniform(); }
    for (int64_t k = 0; k < B * H; k++) { h_prev[k] = uniform(); dh[k] = uniform(); }
    rnnk_gru_forward_step(h, xg, hg, b_ih, b_hh, h_prev, B, H);
    rnnk_gru_backward_step(dxg, dhg, dh_prev, dh, xg, hg, h_prev, B, H);
    for (int64_t b = 0; b < B; b++) {
        for (int64_t j = 0; j < H; j++) {
            int64_t s = b * H + j, p = b * G + j;
            /* x W_ih^T + b_ih as the float sum the kernel forms */
            double v[7] = {(float)(xin[p] + b_ih[j]), (float)(xin[p + H] + b_ih[j + H]),
                           (float)(xin[p + 2 * H] + b_ih[j + 2 * H]), hin[p], hin[p + H], hin[p + 2 * H], h_prev[s]};
            double bias[3] = {b_hh[j], b_hh[j + H], b_hh[j + 2 * H]};
            double a[3] = {v[3] + bias[0], v[4] + bias[1], v[5] + bias[2]};
            double r = sigmoid(v[0] + a[0]), z = sigmoid(v[1] + a[1]), n = tanh(v[2] + r * a[2]);
            double act[3] = {r, z, n};
            for (int q = 0; q < 3; q++) {
                check("gru forward xg (r, z, n)", B, H, p + q * H, xg[p + q * H], act[q], FWD_TOL, &m->fwd);
                check("gru forward hg (+ b_hh)", B, H, p + q * H, hg[p + q * H], a[q], FWD_TOL, &m->fwd);
            }
            check("gru forward h", B, H, s, h[s], gru_h(v, bias), FWD_TOL, &m->fwd);
            double w = dh[s];
            for (int q = 0; q < 7; q++) {
                double fd;
                FD(w * gru_h(v, bias), v, q, fd);
                if (q < 3) check("gru backward dxg", B, H, p + q * H, dxg[p + q * H], fd, BWD_TOL, &m->bwd);
                else if (q < 6) check("gru backward dhg", B, H, p + (q - 3) * H, dhg[p + (q - 3) * H], fd, BWD_TOL, &m->bwd);
                else check("gru backward dh_prev", B, H, s, dh_prev[s], fd, BWD_TOL, &m->bwd);
            }
        }
    }
    check_guard("gru xg", xg, B * G); check_guard("gru hg", hg, B * G); check_guard("gru h", h, B * H);
    check_guard("gru dxg", dxg, B * G); check_guard("gru dhg", dhg, B * G);
    check_guard("gru dh_prev", dh_prev, B * H);
    hash_floats(xg, B * G); hash_floats(hg, B * G); hash_floats(h, B * H);
    hash_floats(dxg, B * G); hash_floats(dhg, B * G); hash_floats(dh_prev, B * H);
    release(xin, off); release(hin, off); release(xg, off); release(hg, off); release(b_hh, off);
    release(h_prev, off); release(h, off); release(dh, off); release(dxg, off); release(dhg, off);
    release(dh_prev, off); release(b_ih, off);
}

/* ------------------------------------------- GRU, reset gate before the recurrent product */

/*
 * One element of the reset-before GRU with a diagonal W_hn (weight w), so that the product
 * hn = (r * h) W_hn^T between the two kernels is w * r * h per element and the whole step is a
 * function of the element's own values: v = (xr, xz, xn incl. b_ih, hr, hz without bias, h_prev),
 * bias b = (b_hr, b_hz, b_hn).
 */
static double gru_rb_h(const double *v, const double *bias, double w) {
    double r = sigmoid(v[0] + (v[3] + bias[0]));
    double z = sigmoid(v[1] + (v[4] + bias[1]));
    double n = tanh(v[2] + (w * (r * v[5]) + bias[2]));
    return (1 - z) * n + z * v[5];
}

static void test_gru_reset_before(int64_t B, int64_t H, int off, struct maxima *m) {
    int64_t G = 3 * H;
    float *xin = buffer(B * G, off), *xg = buffer(B * G, off), *hrz = buffer(B * 2 * H, off);
    float *rh = buffer(B * H, off), *hn = buffer(B * H, off), *h = buffer(B * H, off);
    float *h_prev = buffer(B * H, off), *dh = buffer(B * H, off), *dxg = buffer(B * G, off);
    float *dh_prev = buffer(B * H, off), *drh = buffer(B * H, off), *w = buffer(H, off);
    float *b_ih = buffer(G, off), *b_hh = buffer(G, off);
    for (int64_t k = 0; k < B * G; k++) xg[k] = xin[k] = pre_value();
    for (int64_t k = 0; k < B * 2 * H; k++) hrz[k] = 2.0f * uniform();
    for (int64_t k = 0; k < G; k++) { b_hh[k] = uniform(); b_ih[k] = uniform(); }
    for (int64_t k = 0; k < H; k++) w[k] = 2.0f * uniform();
    for (int64_t k = 0; k < B * H; k++) { h_prev[k] = uniform(); dh[k] = uniform(); }
    /* forward: gates, the diagonal "GEMM" hn = w * rh, state */
    rnnk_gru_reset_before_gates_forward_step(xg, rh, hrz, b_ih, b_hh, h_prev, B, H);
    for (int64_t k = 0; k < B * H; k++) hn[k] = w[k % H] * rh[k];
    rnnk_gru_reset_before_state_forward_step(h, xg, hn, b_ih, b_hh, h_prev, B, H);
    /* backward: state, the diagonal "GEMM" drh = dn_pre * w, gates */
    rnnk_gru_reset_before_state_backward_step(dxg, dh_prev, dh, xg, h_prev, B, H);
    for (int64_t b = 0; b < B; b++)
        for (int64_t j = 0; j < H; j++) drh[b * H + j] = dxg[b * G + 2 * H + j] * w[j];
    rnnk_gru_reset_before_gates_backward_step(dxg, dh_prev, drh, xg, h_prev, B, H);
    for (int64_t b = 0; b < B; b++) {
        for (int64_t j = 0; j < H; j++) {
            int64_t s = b * H + j, p = b * G + j, q2 = b * 2 * H + j;
            /* x W_ih^T + b_ih as the float sum the kernel forms */
            double v[6] = {(float)(xin[p] + b_ih[j]), (float)(xin[p + H] + b_ih[j + H]),
                           (float)(xin[p + 2 * H] + b_ih[j + 2 * H]), hrz[q2], hrz[q2 + H], h_prev[s]};
            double bias[3] = {b_hh[j], b_hh[j + H], b_hh[j + 2 * H]};
            double r = sigmoid(v[0] + (v[3] + bias[0])), z = sigmoid(v[1] + (v[4] + bias[1]));
            /* n from the float hn the kernel was given (the float "GEMM" is the caller's) */
            double n = tanh(v[2] + ((double)hn[s] + bias[2]));
            double act[3] = {r, z, n};
            for (int q = 0; q < 3; q++)
                check("gru_reset_before forward xg (r, z, n)", B, H, p + q * H, xg[p + q * H], act[q], FWD_TOL, &m->fwd);
            check("gru_reset_before forward r h", B, H, s, rh[s], r * v[5], FWD_TOL, &m->fwd);
            check("gru_reset_before forward h", B, H, s, h[s], (1 - z) * n + z * v[5], FWD_TOL, &m->fwd);
            double wd = dh[s];
            for (int q = 0; q < 6; q++) {
                if (q == 3 || q == 4) continue;   /* hr, hz: their gradient is dxg's (the caller's GEMM) */
                double fd;
                FD(wd * gru_rb_h(v, bias, w[j]), v, q, fd);
                if (q < 3) check("gru_reset_before backward dxg", B, H, p + q * H, dxg[p + q * H], fd, BWD_TOL, &m->bwd);
                else check("gru_reset_before backward dh_prev", B, H, s, dh_prev[s], fd, BWD_TOL, &m->bwd);
            }
        }
    }
    check_guard("gru_reset_before xg", xg, B * G); check_guard("gru_reset_before rh", rh, B * H);
    check_guard("gru_reset_before h", h, B * H); check_guard("gru_reset_before dxg", dxg, B * G);
    check_guard("gru_reset_before dh_prev", dh_prev, B * H);
    hash_floats(xg, B * G); hash_floats(rh, B * H); hash_floats(h, B * H);
    hash_floats(dxg, B * G); hash_floats(dh_prev, B * H);
    release(xin, off); release(xg, off); release(hrz, off); release(rh, off); release(hn, off);
    release(h, off); release(h_prev, off); release(dh, off); release(dxg, off); release(dh_prev, off);
    release(drh, off); release(w, off); release(b_ih, off); release(b_hh, off);
}

/* ---------------------------------------------------------------- RNN tanh / relu */

static double relu(double x) { return x > 0 ? x : 0; }

static void test_rnn(int relu_cell, int64_t B, int64_t H, int off, struct maxima *m) {
    const char *fwd_name = relu_cell ? "rnn_relu forward" : "rnn_tanh forward";
    const char *bwd_name = relu_cell ? "rnn_relu backward" : "rnn_tanh backward";
    int64_t n = B * H;
    float *pre = buffer(n, off), *h = buffer(n, off), *dh = buffer(n, off), *dpre = buffer(n, off);
    float *inplace = buffer(n, off), *bias = buffer(H, off);
    for (int64_t j = 0; j < H; j++) bias[j] = uniform();
    for (int64_t k = 0; k < n; k++) {
        pre[k] = pre_value();
        float p = pre[k] + bias[k % H];
        if (relu_cell && fabsf(p) < 1e-3f) pre[k] = 1e-3f - bias[k % H];   /* keep FD away from the kink */
        dh[k] = uniform();
    }
    if (relu_cell) {
        rnnk_rnn_relu_forward_step(h, pre, bias, B, H);
        rnnk_rnn_relu_backward_step(dpre, dh, h, B, H);
    } else {
        rnnk_rnn_tanh_forward_step(h, pre, bias, B, H);
        rnnk_rnn_tanh_backward_step(dpre, dh, h, B, H);
    }
    for (int64_t k = 0; k < n; k++) {
        double v[1] = {(float)(pre[k] + bias[k % H])}, fd;   /* the kernel's pre-activation */
        check(fwd_name, B, H, k, h[k], relu_cell ? relu(v[0]) : tanh(v[0]), FWD_TOL, &m->fwd);
        if (relu_cell) FD(dh[k] * relu(v[0]), v, 0, fd);
        else FD(dh[k] * tanh(v[0]), v, 0, fd);
        check(bwd_name, B, H, k, dpre[k], fd, BWD_TOL, &m->bwd);
    }
    /* in place (h == pre, dpre == dh) gives the same bits */
    memcpy(inplace, pre, sizeof(float) * (size_t)n);
    if (relu_cell) rnnk_rnn_relu_forward_step(inplace, inplace, bias, B, H);
    else rnnk_rnn_tanh_forward_step(inplace, inplace, bias, B, H);
    if (memcmp(inplace, h, sizeof(float) * (size_t)n) != 0 && failures++ < 30)
        printf("FAIL %s in place differs B=%lld H=%lld\n", fwd_name, (long long)B, (long long)H);
    memcpy(inplace, dh, sizeof(float) * (size_t)n);
    if (relu_cell) rnnk_rnn_relu_backward_step(inplace, inplace, h, B, H);
    else rnnk_rnn_tanh_backward_step(inplace, inplace, h, B, H);
    if (memcmp(inplace, dpre, sizeof(float) * (size_t)n) != 0 && failures++ < 30)
        printf("FAIL %s in place differs B=%lld H=%lld\n", bwd_name, (long long)B, (long long)H);
    check_guard(fwd_name, h, n); check_guard(bwd_name, dpre, n); check_guard("in place", inplace, n);
    hash_floats(h, n); hash_floats(dpre, n);
    release(pre, off); release(h, off); release(dh, off); release(dpre, off); release(inplace, off);
    release(bias, off);
}

/* ---------------------------------------------------------------- NaN and inf */

static void expect(int ok, const char *what) {
    if (!ok && failures++ < 30) printf("FAIL %s\n", what);
}

static void test_special_values(void) {
    enum { H = 17, J = 5 };   /* the special value sits in column J of row 0 */
    float gates[4 * H], c_prev[H], c[H], h[H], dh[H], dc[H], dgates[4 * H], zero_bias[4 * H] = {0};
    /* LSTM: NaN in the forget gate -> NaN in c_t and h_t of that column only */
    for (int k = 0; k < 4 * H; k++) gates[k] = 0.5f;
    for (int k = 0; k < H; k++) { c_prev[k] = 0.25f; dh[k] = 1.0f; dc[k] = 1.0f; }
    gates[H + J] = NAN;
    rnnk_lstm_forward_step(h, c, gates, zero_bias, c_prev, 1, H);
    expect(isnan(c[J]) && isnan(h[J]) && isfinite(c[J + 1]) && isfinite(h[J - 1]), "lstm forward NaN propagates to its column only");
    rnnk_lstm_backward_step(dgates, dc, dh, gates, c_prev, c, 1, H);
    expect(isnan(dc[J]) && isfinite(dc[J + 1]), "lstm backward NaN propagates");
    hash_floats(h, H); hash_floats(c, H); hash_floats(dgates, 4 * H); hash_floats(dc, H);
    /* LSTM: +-inf pre-activations saturate to finite activations */
    for (int k = 0; k < 4 * H; k++) gates[k] = (k % 2) ? INFINITY : -INFINITY;
    rnnk_lstm_forward_step(h, c, gates, zero_bias, c_prev, 1, H);
    int finite = 1;
    for (int k = 0; k < 4 * H; k++) finite &= gates[k] == 0.0f || gates[k] == 1.0f || gates[k] == -1.0f;
    for (int k = 0; k < H; k++) finite &= isfinite(c[k]) && isfinite(h[k]);
    expect(finite, "lstm forward saturates +-inf to 0, +-1");
    hash_floats(h, H); hash_floats(c, H); hash_floats(gates, 4 * H);
    /* LSTM: a NaN bias (of the cell input g) reaches its column only */
    float nan_bias[4 * H] = {0};
    nan_bias[2 * H + J] = NAN;
    for (int k = 0; k < 4 * H; k++) gates[k] = 0.5f;
    rnnk_lstm_forward_step(h, c, gates, nan_bias, c_prev, 1, H);
    expect(isnan(c[J]) && isnan(h[J]) && isfinite(c[J + 1]) && isfinite(h[J - 1]), "lstm forward NaN bias propagates to its column only");
    hash_floats(h, H); hash_floats(c, H);

    /* GRU: NaN in h_prev -> NaN in h_t of that column; inf pre-activations saturate */
    float xg[3 * H], hg[3 * H], b_hh[3 * H], hp[H], hh[H], dxg[3 * H], dhg[3 * H], dhp[H];
    for (int k = 0; k < 3 * H; k++) { xg[k] = 0.5f; hg[k] = -0.25f; b_hh[k] = 0.125f; }
    for (int k = 0; k < H; k++) { hp[k] = 0.5f; dh[k] = 1.0f; }
    hp[J] = NAN;
    xg[2 * H + J + 1] = INFINITY;
    rnnk_gru_forward_step(hh, xg, hg, zero_bias, b_hh, hp, 1, H);
    expect(isnan(hh[J]) && isfinite(hh[J - 1]) && isfinite(hh[J + 1]) && xg[2 * H + J + 1] == 1.0f,
           "gru forward NaN propagates to its column only, inf saturates");
    rnnk_gru_backward_step(dxg, dhg, dhp, dh, xg, hg, hp, 1, H);
    expect(isnan(dxg[H + J]) && isfinite(dxg[H + J + 1]), "gru backward NaN propagates");
    hash_floats(hh, H); hash_floats(xg, 3 * H); hash_floats(hg, 3 * H);
    hash_floats(dxg, 3 * H); hash_floats(dhg, 3 * H); hash_floats(dhp, H);

    /* RNN: NaN in -> NaN out (relu never turns NaN into 0); relu(-0) = +0 and relu(0) has gradient 0 */
    float pre[4] = {NAN, -0.0f, 0.0f, INFINITY}, out[4], g[4], d[4] = {1.0f, 1.0f, 1.0f, NAN};
    float minus_zero[4] = {-0.0f, -0.0f, -0.0f, -0.0f};   /* -0 + -0 = -0: relu must still give +0 */
    rnnk_rnn_relu_forward_step(out, pre, minus_zero, 1, 4);
    expect(isnan(out[0]) && out[1] == 0.0f && !signbit(out[1]) && out[2] == 0.0f && out[3] == INFINITY,
           "rnn_relu forward: NaN -> NaN, -0 -> +0, inf -> inf");
    rnnk_rnn_relu_backward_step(g, d, out, 1, 4);
    expect(g[0] == 1.0f && g[1] == 0.0f && g[2] == 0.0f && isnan(g[3]),
           "rnn_relu backward: passes dh where h is NaN or > 0, 0 where h <= 0");
    hash_floats(out, 4); hash_floats(g, 4);
    float tpre[4] = {NAN, -0.0f, INFINITY, -INFINITY};
    /* -0 + -0 = -0 (a +0 bias would make it +0) */
    rnnk_rnn_tanh_forward_step(out, tpre, minus_zero, 1, 4);
    expect(isnan(out[0]) && out[1] == 0.0f && signbit(out[1]) && out[2] == 1.0f && out[3] == -1.0f,
           "rnn_tanh forward: NaN -> NaN, -0 -> -0, +-inf -> +-1");
    rnnk_rnn_tanh_backward_step(g, d, out, 1, 4);
    expect(isnan(g[0]) && g[1] == 1.0f && g[2] == 0.0f && isnan(g[3]), "rnn_tanh backward NaN propagates");
    hash_floats(out, 4); hash_floats(g, 4);
}

/*
 * rnnk_sgemm_nn over M x N x K covering every tile remainder (4-row groups, 32/16/1 columns),
 * K = 0, padded leading dimensions and beta in {0, 1, 0.5}: each element against the double
 * product within 1e-6 of sum_k |a b| + |beta c| (float accumulation over K <= 70 terms); with
 * beta = 0 a NaN in C must not leak; the padding columns of C must stay untouched.
 */
static double test_gemm(void) {
    static const int64_t MS[] = {1, 3, 4, 5, 9}, NS[] = {1, 15, 16, 17, 32, 33, 70}, KS[] = {0, 1, 7, 70};
    static const float BETAS[] = {0.0f, 1.0f, 0.5f};
    double worst = 0;
    for (size_t mi = 0; mi < sizeof MS / sizeof MS[0]; mi++)
    for (size_t ni = 0; ni < sizeof NS / sizeof NS[0]; ni++)
    for (size_t ki = 0; ki < sizeof KS / sizeof KS[0]; ki++)
    for (size_t bi = 0; bi < sizeof BETAS / sizeof BETAS[0]; bi++) {
        int64_t M = MS[mi], N = NS[ni], K = KS[ki];
        int64_t lda = K + 3, ldb = N + 5, ldc = N + 2;   /* padded rows */
        float beta = BETAS[bi];
        int off = (int)((mi + ni) % 2);
        float *a = buffer(M * lda, off), *b = buffer((K > 0 ? K : 1) * ldb, off);
        float *c = buffer(M * ldc, off), *c0 = malloc((size_t)(M * ldc) * sizeof(float));
        for (int64_t i = 0; i < M * lda; i++) a[i] = uniform();
        for (int64_t i = 0; i < (K > 0 ? K : 1) * ldb; i++) b[i] = uniform();
        for (int64_t i = 0; i < M * ldc; i++) c0[i] = c[i] = beta == 0.0f && i % 7 == 0 ? NAN : uniform();
        rnnk_sgemm_nn(M, N, K, a, lda, b, ldb, beta, c, ldc);
        for (int64_t m = 0; m < M; m++) {
            for (int64_t n = 0; n < ldc; n++) {
                float got = c[m * ldc + n];
                if (n >= N) {   /* padding: untouched, bit for bit */
                    if (memcmp(&got, &c0[m * ldc + n], sizeof got) != 0 && failures++ < 30)
                        printf("FAIL sgemm_nn M=%lld N=%lld K=%lld wrote padding column %lld\n",
                               (long long)M, (long long)N, (long long)K, (long long)n);
                    continue;
                }
                double want = beta == 0.0f ? 0.0 : (double)beta * c0[m * ldc + n];
                double scale = beta == 0.0f ? 0.0 : fabs(want);
                for (int64_t k = 0; k < K; k++) {
                    want += (double)a[m * lda + k] * b[k * ldb + n];
                    scale += fabs((double)a[m * lda + k] * b[k * ldb + n]);
                }
                double err = fabs(got - want) / (1.0 + scale);
                if (err > worst || got != got) worst = got != got ? INFINITY : err;
                if (!(err <= 1e-6) && failures++ < 30)
                    printf("FAIL sgemm_nn M=%lld N=%lld K=%lld beta=%g at (%lld, %lld): %.9g vs %.9g\n",
                           (long long)M, (long long)N, (long long)K, beta, (long long)m, (long long)n, got, want);
            }
        }
        check_guard("sgemm_nn C", c, M * ldc);
        /* not hashed: the FMA clones of rnnk_sgemm_nn round differently from the baseline (gemm.c) */
        release(a, off); release(b, off); release(c, off); free(c0);
    }
    return worst;
}

int main(void) {
#if defined(RNNK_TEST_NEEDS_ISA) && defined(__GNUC__)
    /* this executable links a single-ISA build of the kernels (see CMakeLists.txt) */
    if (!__builtin_cpu_supports(RNNK_TEST_NEEDS_ISA)) {
        printf("rnnk_test: skipped, this build of the kernels needs %s\n", RNNK_TEST_NEEDS_ISA);
        return 77;
    }
#endif
    struct maxima lstm = {0, 0}, gru = {0, 0}, grurb = {0, 0}, rtanh = {0, 0}, rrelu = {0, 0};
    int cases = 0;
    for (int bi = 0; bi < NSIZES; bi++) {
        for (int hi = 0; hi < NSIZES; hi++) {
            int64_t B = SIZES[bi], H = SIZES[hi];
            int off = (bi + hi) % 2;   /* half the cases on unaligned buffers */
            test_lstm(B, H, off, &lstm);
            test_gru(B, H, off, &gru);
            test_gru_reset_before(B, H, off, &grurb);
            test_rnn(0, B, H, off, &rtanh);
            test_rnn(1, B, H, off, &rrelu);
            cases++;
        }
    }
    test_special_values();
    double gemm_err = test_gemm();
    expect(rnnk_abi_version() == EXPECTED_ABI, "rnnk_abi_version() is " "14");
    printf("rnnk_test: abi %d, %d (B, H) cases per kernel; max scaled error forward (tol %.0e) / "
           "backward vs finite differences (tol %.0e):\n", rnnk_abi_version(), cases, FWD_TOL, BWD_TOL);
    printf("  lstm     %.3g / %.3g\n  gru      %.3g / %.3g\n  gru_reset_before %.3g / %.3g\n"
           "  rnn_tanh %.3g / %.3g\n  rnn_relu %.3g / %.3g\n",
           lstm.fwd, lstm.bwd, gru.fwd, gru.bwd, grurb.fwd, grurb.bwd, rtanh.fwd, rtanh.bwd, rrelu.fwd, rrelu.bwd);
    printf("  sgemm_nn %.3g (tol 1e-06, scaled by sum |a b|)\n", gemm_err);
    printf("  %ld failures\n", failures);
    printf("hash %016llx\n", (unsigned long long)hash);
    return failures == 0 ? 0 : 1;
}
