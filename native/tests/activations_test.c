/*
 * activations_test.c — proves the error bounds stated in native/src/activations.h.
 *
 * Sweeps every STEP-th float bit pattern (default 509, about 8 million inputs; `--step 1` checks
 * all 2^32), every float around the tanh polynomial/exp switch at 0.625 and around the exp
 * overflow and subnormal thresholds, and the edge cases
 * (0, -0, subnormals, FLT_MIN, FLT_MAX, +-inf, NaNs, the overflow and underflow thresholds),
 * comparing rnnk_expf, rnnk_sigmoidf and rnnk_tanhf against libm's exp and tanh in double. It
 * also checks that the AVX-512, AVX2 and baseline vectorisations of the three functions return
 * bit-identical results (the property the target_clones kernels rely on), and that the one-sided
 * exps the sigmoid and tanh use (rnnk_exp_nonpositive, rnnk_exp_nonnegative) return rnnk_expf's
 * result bit for bit on their half-lines (-|x| and |x| of every non-NaN input; NaN inputs are
 * checked for NaN out). Prints the measured
 * maxima and fails if any bound is exceeded. Not a test of the kernels (rnnk_test.c is).
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "activations.h"

/* the bounds stated in activations.h */
#define EXP_MAX_ULP 1.0
#define EXP_MAX_SUBNORMAL_ULP 1.0     /* in units of 2^-149 */
#define SIGMOID_MAX_ULP 2.5
#define SIGMOID_MAX_ABS 1e-7
#define TANH_MAX_ULP 1.5
#define TANH_MAX_ABS 1e-7

enum { N = 4096 };

/* the three functions over an array, compiled once per ISA like the kernels' clones */
#define APPLY_BODY                                                            \
    for (int k = 0; k < n; k++) e[k] = rnnk_expf(x[k]);                       \
    for (int k = 0; k < n; k++) s[k] = rnnk_sigmoidf(x[k]);                   \
    for (int k = 0; k < n; k++) t[k] = rnnk_tanhf(x[k]);

static void apply_base(float *restrict e, float *restrict s, float *restrict t,
                       const float *restrict x, int n) { APPLY_BODY }
#if defined(__GNUC__) && defined(__x86_64__)
#define HAVE_ISA_VARIANTS 1
__attribute__((target("avx2")))
static void apply_avx2(float *restrict e, float *restrict s, float *restrict t,
                       const float *restrict x, int n) { APPLY_BODY }
__attribute__((target("avx512f")))
static void apply_avx512(float *restrict e, float *restrict s, float *restrict t,
                         const float *restrict x, int n) { APPLY_BODY }
#endif

/* the spacing of floats in the binade of the exact value r (2^-149 for subnormal r) */
static double ulp_of(double r) {
    r = fabs(r);
    if (r < FLT_MIN) return ldexp(1.0, -149);
    int e;
    frexp(r, &e);                 /* r = m 2^e, m in [0.5, 1) */
    return ldexp(1.0, e - 24);
}

static int same_bits(float a, float b) {
    if (a != a && b != b) return 1;   /* any NaN matches any NaN */
    return rnnk_bits_from_f32(a) == rnnk_bits_from_f32(b);
}

struct stats {
    double exp_ulp, exp_sub, sig_ulp, sig_abs, tanh_ulp, tanh_abs;
    float exp_ulp_x, sig_ulp_x, sig_abs_x, tanh_ulp_x, tanh_abs_x;
    long checked, failures, isa_mismatches;
};

static void fail(struct stats *st, const char *what, float x, double got, double want) {
    if (st->failures++ < 20) printf("FAIL %s at x = %a (%.9g): got %.9g want %.9g\n", what, x, x, got, want);
}

static void check_one(struct stats *st, float x, float fe, float fs, float ft) {
    double dx = x;
    st->checked++;
    if (x != x) {
        if (fe == fe) fail(st, "exp(NaN) is NaN", x, fe, NAN);
        if (fs == fs) fail(st, "sigmoid(NaN) is NaN", x, fs, NAN);
        if (ft == ft) fail(st, "tanh(NaN) is NaN", x, ft, NAN);
        return;
    }
    /* the one-sided exps are rnnk_expf on their half-lines, bit for bit */
    float neg = rnnk_neg_absf(x), pos = rnnk_absf(x);
    if (!same_bits(rnnk_exp_nonpositive(neg), rnnk_expf(neg))) fail(st, "exp_nonpositive = expf", neg, rnnk_exp_nonpositive(neg), rnnk_expf(neg));
    if (!same_bits(rnnk_exp_nonnegative(pos), rnnk_expf(pos))) fail(st, "exp_nonnegative = expf", pos, rnnk_exp_nonnegative(pos), rnnk_expf(pos));
    /* exp */
    double re = exp(dx);
    float rounded = (float)re;
    if (isinf(rounded)) {
        if (!isinf(fe)) fail(st, "exp overflows to inf", x, fe, re);
    } else if (re >= FLT_MIN) {
        double u = fabs(fe - re) / ulp_of(re);
        if (!(u <= EXP_MAX_ULP)) fail(st, "exp ulp bound", x, fe, re);
        if (u > st->exp_ulp) { st->exp_ulp = u; st->exp_ulp_x = x; }
    } else {
        double u = fabs(fe - re) / ldexp(1.0, -149);
        if (!(u <= EXP_MAX_SUBNORMAL_ULP)) fail(st, "exp subnormal bound", x, fe, re);
        if (u > st->exp_sub) st->exp_sub = u;
    }
    /* sigmoid, exact value 1 / (1 + e^-x) in double (e^-x = inf gives 0, right) */
    double rs = 1.0 / (1.0 + exp(-dx));
    double as = fabs(fs - rs);
    if (!(as <= SIGMOID_MAX_ABS)) fail(st, "sigmoid abs bound", x, fs, rs);
    if (as > st->sig_abs) { st->sig_abs = as; st->sig_abs_x = x; }
    double us = as / ulp_of(rs);
    if (!(us <= SIGMOID_MAX_ULP)) fail(st, "sigmoid ulp bound", x, fs, rs);
    if (us > st->sig_ulp) { st->sig_ulp = us; st->sig_ulp_x = x; }
    /* tanh */
    double rt = tanh(dx);
    double at = fabs(ft - rt);
    if (!(at <= TANH_MAX_ABS)) fail(st, "tanh abs bound", x, ft, rt);
    if (at > st->tanh_abs) { st->tanh_abs = at; st->tanh_abs_x = x; }
    double ut = at / ulp_of(rt);
    if (!(ut <= TANH_MAX_ULP)) fail(st, "tanh ulp bound", x, ft, rt);
    if (ut > st->tanh_ulp) { st->tanh_ulp = ut; st->tanh_ulp_x = x; }
    if (signbit(ft) != signbit(x)) fail(st, "tanh keeps the sign", x, ft, rt);
}

/* evaluates a batch on every ISA the CPU has, checks base against libm and the others bitwise */
static void run_batch(struct stats *st, const float *x, int n) {
    static float e[N], s[N], t[N], e2[N], s2[N], t2[N];
    apply_base(e, s, t, x, n);
    for (int k = 0; k < n; k++) check_one(st, x[k], e[k], s[k], t[k]);
#ifdef HAVE_ISA_VARIANTS
    for (int v = 0; v < 2; v++) {
        if (v == 0 && !__builtin_cpu_supports("avx2")) continue;
        if (v == 1 && !__builtin_cpu_supports("avx512f")) continue;
        if (v == 0) apply_avx2(e2, s2, t2, x, n); else apply_avx512(e2, s2, t2, x, n);
        for (int k = 0; k < n; k++) {
            if (!same_bits(e[k], e2[k]) || !same_bits(s[k], s2[k]) || !same_bits(t[k], t2[k])) {
                if (st->isa_mismatches++ < 10)
                    printf("FAIL %s differs from baseline at x = %a\n", v ? "avx512f" : "avx2", x[k]);
            }
        }
    }
#endif
}

/* sweep over bit patterns lo, lo + step, ... <= hi (as uint64 to avoid wrap) */
static void sweep(struct stats *st, uint64_t lo, uint64_t hi, uint64_t step) {
    static float x[N];
    int n = 0;
    for (uint64_t u = lo; u <= hi; u += step) {
        x[n++] = rnnk_f32_from_bits((uint32_t)u);
        if (n == N) { run_batch(st, x, n); n = 0; }
    }
    if (n) run_batch(st, x, n);
}

int main(int argc, char **argv) {
    uint64_t step = 509;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--step") == 0 && i + 1 < argc) step = strtoull(argv[++i], NULL, 10);
    }
    if (step == 0) step = 1;
    struct stats st;
    memset(&st, 0, sizeof st);

    float edge[] = {
        0.0f, -0.0f, 0x1p-149f, -0x1p-149f, 0x1p-140f, FLT_MIN, -FLT_MIN, 0x1p-60f, -0x1p-60f,
        0x1p-12f, -0x1p-12f, 0.5f, -0.5f, 0.625f, -0.625f, nextafterf(0.625f, 0.0f),
        nextafterf(-0.625f, 0.0f), 1.0f, -1.0f, 9.0f, -9.0f, 9.02f, -9.02f, 44.0f, 45.0f, -45.0f,
        FLT_MAX, -FLT_MAX, INFINITY, -INFINITY, NAN, -NAN,
        rnnk_f32_from_bits(0x7f800001u) /* signalling NaN */, rnnk_f32_from_bits(0xffc12345u),
        88.0f, 88.5f, 88.72283f, 88.722839f, 88.7228394f, 88.72284f, 88.8f, 89.0f, 89.5f, 100.0f,
        -87.0f, -87.33654f, -87.3366f, -88.0f, -100.0f, -103.9f, -103.972f, -103.97208f,
        -103.98f, -104.0f, -104.5f, -150.0f, -1e10f, 1e10f,
    };
    int n_edge = (int)(sizeof edge / sizeof edge[0]);
    run_batch(&st, edge, n_edge);
    /* the edge cases the bounds do not cover: exact saturation values */
    {
        static float e[N], s[N], t[N];
        apply_base(e, s, t, edge, n_edge);
        for (int k = 0; k < n_edge; k++) {
            float x = edge[k];
            if (x == INFINITY && !(e[k] == INFINITY && s[k] == 1.0f && t[k] == 1.0f)) fail(&st, "f(+inf)", x, t[k], 1);
            if (x == -INFINITY && !(e[k] == 0.0f && s[k] == 0.0f && t[k] == -1.0f)) fail(&st, "f(-inf)", x, t[k], -1);
            if (x >= 89.0f && e[k] != INFINITY) fail(&st, "exp(x >= 89) = inf", x, e[k], INFINITY);
            if (x <= -104.0f && e[k] != 0.0f) fail(&st, "exp(x <= -104) = 0", x, e[k], 0);
            if (x == 0.0f && !(e[k] == 1.0f && s[k] == 0.5f && same_bits(t[k], x))) fail(&st, "f(+-0)", x, t[k], x);
        }
    }
    /* every float in [0.6, 0.65] and [-0.65, -0.6]: around the tanh switch at 0.625 */
    sweep(&st, rnnk_bits_from_f32(0.6f), rnnk_bits_from_f32(0.65f), 1);
    sweep(&st, rnnk_bits_from_f32(-0.6f), rnnk_bits_from_f32(-0.65f), 1);
    /* every float in [88.5, 89] and [-104, -86.5]: around overflow and the subnormal results */
    sweep(&st, rnnk_bits_from_f32(88.5f), rnnk_bits_from_f32(89.0f), 1);
    sweep(&st, rnnk_bits_from_f32(-86.5f), rnnk_bits_from_f32(-104.0f), 1);
    /* every step-th float, both signs, NaNs included */
    sweep(&st, 0, 0xffffffffu, step);

    printf("activations_test: %ld inputs (every %llu-th float + dense ranges + %d edge cases)\n",
           st.checked, (unsigned long long)step, n_edge);
    printf("  exp     max %.3f ulp (bound %.1f) at x = %a; subnormal results max %.3f x 2^-149 (bound %.1f)\n",
           st.exp_ulp, EXP_MAX_ULP, st.exp_ulp_x, st.exp_sub, EXP_MAX_SUBNORMAL_ULP);
    printf("  sigmoid max %.3f ulp (bound %.1f) at x = %a; max abs %.3g (bound %.0e) at x = %a\n",
           st.sig_ulp, SIGMOID_MAX_ULP, st.sig_ulp_x, st.sig_abs, SIGMOID_MAX_ABS, st.sig_abs_x);
    printf("  tanh    max %.3f ulp (bound %.1f) at x = %a; max abs %.3g (bound %.0e) at x = %a\n",
           st.tanh_ulp, TANH_MAX_ULP, st.tanh_ulp_x, st.tanh_abs, TANH_MAX_ABS, st.tanh_abs_x);
#ifdef HAVE_ISA_VARIANTS
    printf("  ISA variants compared bitwise with the baseline: avx2 %s, avx512f %s; %ld mismatches\n",
           __builtin_cpu_supports("avx2") ? "yes" : "no (CPU lacks it)",
           __builtin_cpu_supports("avx512f") ? "yes" : "no (CPU lacks it)", st.isa_mismatches);
#endif
    printf("  %ld failures\n", st.failures + st.isa_mismatches);
    return st.failures + st.isa_mismatches == 0 ? 0 : 1;
}
