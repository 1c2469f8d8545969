/*
 * train_kernels_test.c — C-level checks of librnnk's training kernels (ABI 3), run by ctest.
 *
 * rnnk_softmax_xent_forward_backward, for every N, V in {1, 3, 7, 17, 129, 1000}:
 *   - loss and gradient against the formulas evaluated in double precision;
 *   - on the small sizes, the double formula's gradient against central finite differences of
 *     the double loss (so the reference itself is checked);
 *   - masked rows: zero loss and gradient, their logits (NaN here) and targets (-1 here) not read;
 *   - the in-place form (dlogits == logits) and the forward-only form (dlogits NULL) give the
 *     same bits as the out-of-place form; the return value is sum mask * loss;
 *   - logits of +-80 and +-1e30 give finite losses and gradients, NaN stays in its row;
 *   - no write outside the buffers (guard floats), on unaligned buffers too.
 * rnnk_adam_step (Adam and AdamW, with and without weight decay) and rnnk_sgd_step (plain,
 * momentum first and later steps, dampening, Nesterov, weight decay): against the update
 * evaluated in double precision, over n in {1, 3, 7, 17, 129, 1000}.
 * Like rnnk_test.c it prints a hash of every output bit; ctest builds this file against the
 * dispatching library and single-ISA builds and checks that all hashes agree. The Java tests cover
 * agreement with JavaKernels and with torch.optim fixtures.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rnnk.h"
#define TEST_SEED 7u
#include "test_support.h"


static const int64_t SIZES[] = {1, 3, 7, 17, 129, 1000};
enum { NSIZES = sizeof SIZES / sizeof SIZES[0] };







static void hash_double(double d) {
    float f = (float)d;
    hash_floats(&f, 1);
}

static void expect(int ok, const char *what, int64_t a, int64_t b) {
    if (!ok && failures++ < 30) printf("FAIL %s (%lld, %lld)\n", what, (long long)a, (long long)b);
}

/* |got - want| <= tol * (1 + |want|) (or tol * scale when scale > 0), recording the largest error */
static void check(const char *what, int64_t a, int64_t b, int64_t idx, double got, double want,
                  double tol, double scale, double *max_err) {
    double err = fabs(got - want) / (scale > 0 ? scale : 1.0 + fabs(want));
    if (err > *max_err) *max_err = err;
    if (!(err <= tol)) {
        if (failures++ < 30)
            printf("FAIL %s (%lld, %lld) at %lld: %.9g vs %.9g\n", what, (long long)a, (long long)b,
                   (long long)idx, got, want);
    }
}

/* ---------------------------------------------------------------- softmax cross-entropy */

/* -log softmax(x)[t] of one row in double */
static double xent_loss(const double *x, int64_t t, int64_t V) {
    double m = -INFINITY, s = 0;
    for (int64_t j = 0; j < V; j++) m = x[j] > m ? x[j] : m;
    for (int64_t j = 0; j < V; j++) s += exp(x[j] - m);
    return log(s) - (x[t] - m);
}

struct xent_maxima { double loss, grad, fd; };

/* one (N, V) case; large: logits in +-80 instead of +-4 */
static void test_xent(int64_t N, int64_t V, int off, int large, struct xent_maxima *mx) {
    float *x = buffer(N * V, off), *d = buffer(N * V, off), *inplace = buffer(N * V, off);
    float *fwd_losses = buffer(N, off), *losses = buffer(N, off), *mask = buffer(N, off);
    int32_t *t = malloc(sizeof(int32_t) * (size_t)N);
    double *row = malloc(sizeof(double) * (size_t)V);
    if (!t || !row) { perror("malloc"); exit(2); }
    double count = 0;
    for (int64_t n = 0; n < N; n++) {
        /* every fourth row padded (when N > 1): its logits are NaN and its target invalid */
        int padded = N > 1 && n % 4 == 1;
        mask[n] = padded ? 0.0f : (n % 3 == 2 ? 0.5f : 1.0f);
        count += mask[n];
        seed = seed * 1664525u + 1013904223u;
        t[n] = padded ? -1 : (int32_t)((seed >> 8) % (unsigned)V);
        for (int64_t j = 0; j < V; j++) x[n * V + j] = padded ? NAN : (large ? 80.0f : 4.0f) * uniform();
    }
    float scale = (float)(1.0 / count);
    double total = rnnk_softmax_xent_forward_backward(d, losses, x, t, mask, scale, N, V);
    double want_total = 0;
    for (int64_t n = 0; n < N; n++) {
        if (mask[n] == 0.0f) {
            int zero = losses[n] == 0.0f;
            for (int64_t j = 0; j < V; j++) zero &= d[n * V + j] == 0.0f;
            expect(zero, "xent masked row: zero loss and gradient", N, V);
            continue;
        }
        for (int64_t j = 0; j < V; j++) row[j] = x[n * V + j];
        double loss = xent_loss(row, t[n], V), m = -INFINITY, s = 0;
        want_total += mask[n] * loss;
        check("xent loss", N, V, n, losses[n], loss, 1e-6, 0, &mx->loss);
        for (int64_t j = 0; j < V; j++) m = row[j] > m ? row[j] : m;
        for (int64_t j = 0; j < V; j++) s += exp(row[j] - m);
        double ws = (double)mask[n] * scale;
        for (int64_t j = 0; j < V; j++) {
            double g = ws * (exp(row[j] - m) / s - (j == t[n] ? 1.0 : 0.0));
            /* gradient entries are at most ws in size: error relative to ws */
            check("xent dlogits", N, V, n * V + j, d[n * V + j], g, 1e-6, ws, &mx->grad);
            if (V <= 17 && N <= 7) {   /* the reference gradient is the derivative of the loss */
                double saved = row[j], h = 1e-6 * (1 + fabs(saved));
                row[j] = saved + h; double lp = xent_loss(row, t[n], V);
                row[j] = saved - h; double lm = xent_loss(row, t[n], V);
                row[j] = saved;
                check("xent reference vs finite difference", N, V, n * V + j, g, ws * (lp - lm) / (2 * h),
                      1e-6, ws, &mx->fd);
            }
            expect(isfinite(d[n * V + j]), "xent dlogits finite", N, V);
        }
        expect(isfinite(losses[n]), "xent loss finite", N, V);
    }
    check("xent returned sum", N, V, 0, total, want_total, 1e-6, 0, &mx->loss);

    /* the forward-only form gives the same losses and sum; the logits stay untouched */
    double fwd_total = rnnk_softmax_xent_forward_backward(NULL, fwd_losses, x, t, mask, scale, N, V);
    expect(fwd_total == total && memcmp(fwd_losses, losses, sizeof(float) * (size_t)N) == 0,
           "xent forward-only gives the same bits", N, V);
    /* in place (dlogits == logits) gives the same bits */
    memcpy(inplace, x, sizeof(float) * (size_t)(N * V));
    double in_total = rnnk_softmax_xent_forward_backward(inplace, NULL, inplace, t, mask, scale, N, V);
    expect(in_total == total && memcmp(inplace, d, sizeof(float) * (size_t)(N * V)) == 0,
           "xent in place gives the same bits", N, V);
    /* no mask: every row counts (fill the padded rows' logits and targets first) */
    for (int64_t n = 0; n < N; n++) {
        if (mask[n] == 0.0f) {
            t[n] = 0;
            for (int64_t j = 0; j < V; j++) x[n * V + j] = (float)j;
        }
    }
    double plain = rnnk_softmax_xent_forward_backward(d, losses, x, t, NULL, 1.0f, N, V);
    double plain_want = 0;
    for (int64_t n = 0; n < N; n++) plain_want += losses[n];
    check("xent without mask", N, V, 0, plain, plain_want, 1e-6, 0, &mx->loss);

    check_guard("xent dlogits", d, N * V); check_guard("xent in place", inplace, N * V);
    check_guard("xent losses", losses, N); check_guard("xent forward-only losses", fwd_losses, N);
    hash_floats(d, N * V); hash_floats(losses, N); hash_double(total);
    release(x, off); release(d, off); release(inplace, off); release(fwd_losses, off);
    release(losses, off); release(mask, off);
    free(t); free(row);
}

static void test_xent_special(void) {
    enum { V = 5 };
    /* row 0: +-1e30 (finite, gaps far beyond exp's range); row 1: a NaN; row 2: +inf; row 3: plain */
    float x[4 * V] = {1e30f, -1e30f, 0.0f, 1e30f, -3.0f,
                      1.0f, NAN, 2.0f, 3.0f, 4.0f,
                      1.0f, INFINITY, 2.0f, 3.0f, 4.0f,
                      0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
    int32_t t[4] = {0, 2, 2, 3};
    float d[4 * V], losses[4];
    rnnk_softmax_xent_forward_backward(d, losses, x, t, NULL, 1.0f, 4, V);
    /* row 0: the two maxima share the mass: loss ln 2, gradient -1/2 at the target, +1/2 at the other */
    expect(fabs(losses[0] - log(2.0)) < 1e-6 && fabsf(d[0] + 0.5f) < 1e-7f && fabsf(d[3] - 0.5f) < 1e-7f
           && d[1] == 0.0f && d[2] == 0.0f && d[4] == 0.0f, "xent +-1e30 logits: finite, exact", 0, 0);
    int nan_row = isnan(losses[1]), inf_row = isnan(losses[2]);
    for (int j = 0; j < V; j++) { nan_row &= isnan(d[V + j]); inf_row &= isnan(d[2 * V + j]); }
    expect(nan_row, "xent NaN logit: NaN loss and gradient in its row", 1, 0);
    expect(inf_row, "xent +inf logit: NaN loss and gradient (inf - inf) in its row", 2, 0);
    /* row 3: uniform: loss ln 5, gradient 1/5 - onehot */
    expect(fabs(losses[3] - log(5.0)) < 1e-6 && fabsf(d[3 * V + 3] + 0.8f) < 1e-7f && fabsf(d[3 * V] - 0.2f) < 1e-7f,
           "xent uniform row: ln V", 3, 0);
    hash_floats(d, 4 * V); hash_floats(losses, 4);
}

/* ---------------------------------------------------------------- Adam / AdamW */

struct optim_maxima { double param, state; };

static void test_adam(int64_t n, int decoupled, double weight_decay, int off, struct optim_maxima *mx) {
    const double lr = 1e-2, beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
    float *p = buffer(n, off), *m = buffer(n, off), *v = buffer(n, off), *g = buffer(n, off);
    for (int64_t k = 0; k < n; k++) {
        p[k] = uniform();
        g[k] = 0.5f * uniform();
        m[k] = 0.1f * uniform();
        v[k] = 0.01f * (uniform() + 1.0f);   /* v >= 0 */
    }
    if (n > 2) { g[1] = 0.0f; v[1] = 0.0f; m[1] = 0.0f; }   /* denom = eps */
    for (int step = 1; step <= 3; step++) {
        double bc1 = 1 - pow(beta1, step), bc2 = 1 - pow(beta2, step);
        /* want (3n): theta, m, v after the step; size (3n): the sum of the magnitudes of their
         * terms, which the float error is relative to (m and theta may cancel to near 0) */
        double *want = malloc(sizeof(double) * (size_t)n * 6), *size = want + 3 * n;
        if (!want) { perror("malloc"); exit(2); }
        for (int64_t k = 0; k < n; k++) {
            double theta = p[k], gk = g[k];
            if (decoupled) theta *= 1 - lr * weight_decay;
            else gk += weight_decay * theta;
            double mk = beta1 * m[k] + (1 - beta1) * gk, vk = beta2 * v[k] + (1 - beta2) * gk * gk;
            double update = lr / bc1 * mk / (sqrt(vk) / sqrt(bc2) + eps);
            want[k] = theta - update;
            want[n + k] = mk;
            want[2 * n + k] = vk;
            size[k] = fabs(theta) + fabs(update);
            size[n + k] = fabs(beta1 * m[k]) + fabs((1 - beta1) * gk) + 1e-30;
            size[2 * n + k] = vk + 1e-30;
        }
        rnnk_adam_step(p, m, v, g, lr, beta1, beta2, eps, weight_decay, decoupled, bc1, bc2, n);
        const char *name = decoupled ? "adamw" : "adam";
        for (int64_t k = 0; k < n; k++) {
            check(name, n, step, k, p[k], want[k], 3e-7, size[k], &mx->param);
            check(name, n, step, k, m[k], want[n + k], 3e-7, size[n + k], &mx->state);
            check(name, n, step, k, v[k], want[2 * n + k], 3e-7, size[2 * n + k], &mx->state);
        }
        free(want);
    }
    check_guard("adam param", p, n); check_guard("adam exp_avg", m, n); check_guard("adam exp_avg_sq", v, n);
    hash_floats(p, n); hash_floats(m, n); hash_floats(v, n);
    release(p, off); release(m, off); release(v, off); release(g, off);
}

/* ---------------------------------------------------------------- SGD */

static void test_sgd(int64_t n, double momentum, double dampening, double weight_decay, int nesterov,
                     int off, struct optim_maxima *mx) {
    const double lr = 0.05;
    float *p = buffer(n, off), *buf = buffer(n, off), *g = buffer(n, off);
    /* want_p, want_b (n): theta and buf after the step; size_p, size_b (n): the magnitudes of
     * their terms, which the float error is relative to */
    double *want_p = malloc(sizeof(double) * (size_t)n * 4);
    if (!want_p) { perror("malloc"); exit(2); }
    double *want_b = want_p + n, *size_p = want_p + 2 * n, *size_b = want_p + 3 * n;
    for (int64_t k = 0; k < n; k++) { p[k] = uniform(); buf[k] = NAN; }   /* NaN: not read on step 1 */
    for (int step = 1; step <= 3; step++) {
        for (int64_t k = 0; k < n; k++) g[k] = uniform();
        for (int64_t k = 0; k < n; k++) {
            double d = g[k] + weight_decay * p[k], d_size = fabs(g[k]) + fabs(weight_decay * p[k]);
            if (momentum != 0) {
                want_b[k] = step == 1 ? d : momentum * buf[k] + (1 - dampening) * d;
                size_b[k] = step == 1 ? d_size : fabs(momentum * buf[k]) + (1 - dampening) * d_size;
                d = nesterov ? d + momentum * want_b[k] : want_b[k];
                d_size = nesterov ? d_size + momentum * size_b[k] : size_b[k];
            }
            want_p[k] = p[k] - lr * d;
            size_p[k] = fabs(p[k]) + lr * d_size;
        }
        rnnk_sgd_step(p, momentum != 0 ? buf : NULL, g, lr, momentum, dampening, weight_decay,
                      nesterov, step == 1, n);
        for (int64_t k = 0; k < n; k++) {
            check("sgd param", n, step, k, p[k], want_p[k], 3e-7, size_p[k], &mx->param);
            if (momentum != 0)
                check("sgd momentum buffer", n, step, k, buf[k], want_b[k], 3e-7, size_b[k], &mx->state);
        }
    }
    check_guard("sgd param", p, n); check_guard("sgd buffer", buf, n);
    hash_floats(p, n);
    if (momentum != 0) hash_floats(buf, n);
    free(want_p);
    release(p, off); release(buf, off); release(g, off);
}

/*
 * CTC against enumeration: for T steps and C classes, every one of the C^T alignments is walked,
 * collapsed (repeats merged, blanks removed) and its probability prod_t softmax_t(a_t) added to the
 * label's when it collapses to it: an algorithm unrelated to the kernel's alpha/beta recursion.
 * The gradient is checked against central differences of the kernel's own loss.
 */
static double enumerated_nll(const float *logits, int64_t T, int64_t B, int64_t C, int64_t b, int64_t length,
                             const int32_t *label, int64_t S, int64_t blank) {
    double p = 0;
    int64_t total = 1;
    for (int64_t t = 0; t < length; t++) total *= C;
    for (int64_t code = 0; code < total; code++) {
        double q = 1;
        int64_t rest = code, previous = -1, n = 0;
        int ok = 1;
        for (int64_t t = 0; t < length; t++) {
            int64_t a = rest % C;
            rest /= C;
            const float *x = logits + (t * B + b) * C;
            double z = 0;
            for (int64_t k = 0; k < C; k++) z += exp((double) x[k]);
            q *= exp((double) x[a]) / z;
            if (a != blank && a != previous) {
                if (n >= S || label[n] != a) ok = 0;
                n++;
            }
            previous = a;
        }
        if (ok && n == S) p += q;
    }
    (void) T;
    return -log(p);
}

static double ctc_loss_err, ctc_grad_err;

static void test_ctc(void) {
    const int64_t T = 6, B = 3, C = 3, blank = 0;
    const int32_t lengths[3] = {6, 4, 5};
    const int32_t labels[5] = {1, 2, 1, 1, 2};           /* rows: [1 2], [1 1], [2] */
    const int64_t offsets[4] = {0, 2, 4, 5};
    const float scale[3] = {0.5f, 0.25f, 1.0f};
    float *logits = buffer(T * B * C, 0), *d = buffer(T * B * C, 0);
    for (int64_t i = 0; i < T * B * C; i++) logits[i] = 2.0f * uniform();
    double scratch[2 * 6 * 5 + 6 * 3 + 3];
    double losses[3];
    double total = rnnk_ctc_forward_backward(d, losses, logits, lengths, labels, offsets, scale, scratch, T, B, C, blank);
    double want_total = 0;
    for (int64_t b = 0; b < B; b++) {
        double want = enumerated_nll(logits, T, B, C, b, lengths[b], labels + offsets[b], offsets[b + 1] - offsets[b], blank);
        check("ctc loss vs enumeration", T, C, b, losses[b], want, 1e-12, 0, &ctc_loss_err);
        want_total += scale[b] * want;
    }
    check("ctc scaled sum", T, C, 0, total, want_total, 1e-12, 0, &ctc_loss_err);
    for (int64_t i = 0; i < T * B * C; i++) {
        float x = logits[i];
        double h = 1e-3;
        logits[i] = (float) (x + h);
        double up = rnnk_ctc_forward_backward(NULL, NULL, logits, lengths, labels, offsets, scale, scratch, T, B, C, blank);
        logits[i] = (float) (x - h);
        double down = rnnk_ctc_forward_backward(NULL, NULL, logits, lengths, labels, offsets, scale, scratch, T, B, C, blank);
        logits[i] = x;
        double h_actual = ((double) (float) (x + h) - (double) (float) (x - h)) / 2;
        check("ctc dlogits vs finite differences", T, C, i, d[i], (up - down) / (2 * h_actual), 1e-4, 0, &ctc_grad_err);
    }
    check_guard("ctc dlogits", d, T * B * C);
    hash_floats(d, T * B * C);
    hash_double(total);
    release(logits, 0);
    release(d, 0);
}

int main(void) {
#if defined(RNNK_TEST_NEEDS_ISA) && defined(__GNUC__)
    if (!__builtin_cpu_supports(RNNK_TEST_NEEDS_ISA)) {
        printf("train_kernels_test: skipped, this build of the kernels needs %s\n", RNNK_TEST_NEEDS_ISA);
        return 77;
    }
#endif
    struct xent_maxima xent = {0, 0, 0};
    struct optim_maxima adam = {0, 0}, adamw = {0, 0}, sgd = {0, 0};
    for (int a = 0; a < NSIZES; a++) {
        for (int b = 0; b < NSIZES; b++) {
            int off = (a + b) % 2;
            test_xent(SIZES[a], SIZES[b], off, 0, &xent);
            test_xent(SIZES[a], SIZES[b], 1 - off, 1, &xent);
        }
        int64_t n = SIZES[a];
        int off = a % 2;
        test_adam(n, 0, 0.0, off, &adam);
        test_adam(n, 0, 0.1, off, &adam);
        test_adam(n, 1, 0.0, off, &adamw);
        test_adam(n, 1, 0.1, off, &adamw);
        test_sgd(n, 0.0, 0.0, 0.0, 0, off, &sgd);
        test_sgd(n, 0.0, 0.0, 0.01, 0, off, &sgd);
        test_sgd(n, 0.9, 0.0, 0.0, 0, off, &sgd);
        test_sgd(n, 0.9, 0.1, 0.01, 0, off, &sgd);
        test_sgd(n, 0.9, 0.0, 0.01, 1, off, &sgd);
    }
    test_xent_special();
    test_ctc();
    printf("train_kernels_test: abi %d; max scaled error vs double precision:\n", rnnk_abi_version());
    printf("  softmax xent  loss %.3g, dlogits %.3g (reference vs finite differences %.3g)\n",
           xent.loss, xent.grad, xent.fd);
    printf("  adam   param %.3g, moments %.3g\n  adamw  param %.3g, moments %.3g\n"
           "  sgd    param %.3g, momentum buffer %.3g\n",
           adam.param, adam.state, adamw.param, adamw.state, sgd.param, sgd.state);
    printf("  ctc    loss vs enumeration %.3g, dlogits vs finite differences %.3g\n", ctc_loss_err, ctc_grad_err);
    printf("  %ld failures\n", failures);
    printf("hash %016llx\n", (unsigned long long)hash);
    return failures == 0 ? 0 : 1;
}
