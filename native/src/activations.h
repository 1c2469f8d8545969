/*
 * activations.h — the scalar activations shared by librnnk's kernels (internal header).
 *
 * What this is: exp, sigmoid and tanh written so that GCC vectorises the kernels' plain loops
 * without -ffast-math (libm's expf/tanhf are calls and block vectorisation). Only IEEE operations
 * that are exactly rounded (+ - * /, compares, selects, float<->int conversion, bit casts) are used
 * and librnnk is built with -ffp-contract=off, so every dispatch variant (default/SSE2, AVX2,
 * AVX-512) returns bit-identical results. What this is not: a libm replacement for other ranges
 * of use (no errno, no rounding-mode support; round-to-nearest assumed).
 *
 * Error bounds (against double-precision libm; ulp = the spacing of floats in the binade of the
 * exact result). native/tests/activations_test.c asserts them in ctest on every 509th float, every
 * float in +-[0.6, 0.65], [88.5, 89] and [-104, -86.5], and the edge cases; run with --step 1 it
 * checks all 2^32 inputs:
 *   rnnk_expf     max relative error <= 1 ulp where e^x is a normal float (x in [-87.33, 88.72]);
 *                 subnormal results (x in [-103.97, -87.33)) within 1 x 2^-149 absolute;
 *                 overflows to +inf exactly where e^x rounds to inf (x > 88.7228, +inf),
 *                 x < -103.98 (incl. -inf) -> +0.
 *   rnnk_sigmoidf max error <= 2.5 ulp relative and <= 1e-7 absolute; sigmoid(+-inf) = 1, 0.
 *   rnnk_tanhf    max error <= 1.5 ulp relative and <= 1e-7 absolute; odd (tanh(-x) = -tanh(x),
 *                 signed zeros kept), tanh(+-inf) = +-1.
 *   NaN in gives NaN out for all three.
 * Measured over all 2^32 inputs (activations_test --step 1, GCC 12, x86-64): exp 0.990 ulp
 * (subnormal results 0.75 x 2^-149), sigmoid 2.40 ulp / 8.93e-8 abs, tanh 1.33 ulp / 7.93e-8
 * abs, and the baseline, AVX2 and AVX-512 builds bit-identical on every input.
 *
 * The sigmoid and tanh call one-sided forms of rnnk_expf (rnnk_exp_nonpositive for e^-|x|,
 * rnnk_exp_nonnegative for e^{2|x|}): one clamp instead of two, one scale factor instead of two,
 * and no compare-and-restore for NaN, with the same results bit for bit (activations_test checks
 * the exps against rnnk_expf on every non-NaN input it sweeps, and NaN out for NaN in; a one-off
 * comparison on all 2^32 inputs found the new sigmoid and tanh bit for bit the earlier ones, NaN
 * payloads included, in all three builds). The LSTM forward kernel takes
 * 2.50 ns per element instead of 3.27 with them (one thread, B=64 H=512, AVX-512).
 */
#ifndef RNNK_ACTIVATIONS_H
#define RNNK_ACTIVATIONS_H

#include <stdint.h>
#include <string.h>

/* bit casts (memcpy of 4 bytes compiles to a register move and vectorises) */
static inline float rnnk_f32_from_bits(uint32_t u) {
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static inline uint32_t rnnk_bits_from_f32(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

/* |x| by clearing the sign bit (NaN stays NaN) */
static inline float rnnk_absf(float x) {
    return rnnk_f32_from_bits(rnnk_bits_from_f32(x) & 0x7fffffffu);
}

/*
 * cond ? a : b as a bit blend. A plain ?: whose operand is only needed on one side lets GCC
 * move that operand's arithmetic into a branch, and without -fno-trapping-math it then will not
 * turn the branch back into a vector blend ("control flow in loop"); with the blend both sides
 * are always computed and the loop vectorises.
 */
static inline float rnnk_select(int cond, float a, float b) {
    uint32_t m = (uint32_t)0 - (uint32_t)(cond != 0);   /* all ones if cond */
    return rnnk_f32_from_bits((rnnk_bits_from_f32(a) & m) | (rnnk_bits_from_f32(b) & ~m));
}

/* -|x| by setting the sign bit (one operation; NaN stays NaN) */
static inline float rnnk_neg_absf(float x) {
    return rnnk_f32_from_bits(rnnk_bits_from_f32(x) | 0x80000000u);
}

/* magnitude of m with the sign of s (m non-negative or NaN) */
static inline float rnnk_with_sign_of(float m, float s) {
    return rnnk_f32_from_bits(rnnk_bits_from_f32(m) | (rnnk_bits_from_f32(s) & 0x80000000u));
}

/*
 * The core of e^x for x already clamped to [-104, 89]: range reduction x = k ln2 + r,
 * |r| <= ln2/2 (plus rounding), with ln2 split into LN2_HI (9 significant bits, so k * LN2_HI is
 * exact for |k| <= 2^15) and LN2_LO; e^r by the Cephes expf polynomial 1 + r + r^2 P5(r).
 * Returns e^r and sets *k; e^x = e^r * 2^k, k in [-150, 128], is left to the caller, which
 * knows its range of k. k is read from the bits of x / ln2 + ROUND (an integer-valued float in
 * [2^23, 2^24), whose low bits hold k in two's complement) rather than converted from float, so a
 * NaN xc gives a meaningless k but no float->int conversion of a NaN (undefined in C): the one-sided
 * exps below let NaN flow through the arithmetic instead of clamping and restoring it.
 */
static inline float rnnk_exp_reduced(float xc, uint32_t *k) {
    const float LOG2E = 1.44269504088896341f;
    const float LN2_HI = 0.693359375f;      /* 0x1.63p-1 */
    const float LN2_LO = -2.12194440e-4f;   /* ln2 - LN2_HI */
    const float ROUND = 0x1.8p23f;          /* (y + ROUND) - ROUND rounds y to an integer */
    float shifted = xc * LOG2E + ROUND;             /* ROUND + round(x / ln2) */
    float kf = shifted - ROUND;                     /* k = round(x / ln2) */
    float r = xc - kf * LN2_HI;                     /* exact */
    r = r - kf * LN2_LO;
    float r2 = r * r;
    *k = rnnk_bits_from_f32(shifted) - rnnk_bits_from_f32(ROUND);   /* k, two's complement */
    return (((((1.9875691500e-4f * r + 1.3981999507e-3f) * r + 8.3334519073e-3f) * r
              + 4.1665795894e-2f) * r + 1.6666665459e-1f) * r + 5.0000001201e-1f) * r2
           + r + 1.0f;                              /* e^r, r in [-0.35, 0.35] */
}

/* 2^e as a float, for e in [-126, 127] (a normal float); e in two's complement, unsigned arithmetic */
static inline float rnnk_pow2f(uint32_t e) {
    return rnnk_f32_from_bits((e + 127u) << 23);
}

/*
 * e^x. Clamped so k stays in [-150, 128]: e^-104 < 2^-150 rounds to 0, e^89 > FLT_MAX is inf.
 * The compares are false for NaN, which thus becomes -104 here and is restored at the end (no
 * float->int conversion of a NaN). 2^k is applied as two exact power-of-two factors
 * 2^(k/2) * 2^(k - k/2), so that k never leaves the normal exponent range and the only rounding
 * into a subnormal (or to inf) is the last multiply.
 */
static inline float rnnk_expf(float x) {
    float xc = rnnk_select(x > -104.0f, x, -104.0f);
    xc = rnnk_select(xc < 89.0f, xc, 89.0f);
    uint32_t k_bits;
    float p = rnnk_exp_reduced(xc, &k_bits);
    int32_t k = (int32_t)k_bits;                    /* in [-150, 128]: xc is not NaN (GCC wraps) */
    int32_t k1 = k / 2;
    int32_t k2 = k - k1;
    float y = (p * rnnk_pow2f((uint32_t)k1)) * rnnk_pow2f((uint32_t)k2);   /* k1, k2 in [-75, 64] */
    return rnnk_select(x != x, x, y);               /* NaN -> NaN */
}

/*
 * e^x for x <= 0 (or NaN), the sigmoid's e^-|x|: k is in [-150, 0], so one factor 2^(k+64)
 * (k+64 in [-86, 64], normal) makes p * 2^(k+64) exact and the multiply by 2^-64 is the only
 * rounding, as in rnnk_expf: the same result bit for bit, in fewer operations (one clamp, one
 * scale factor, and NaN in gives NaN out through the arithmetic, with no compare for it).
 */
static inline float rnnk_exp_nonpositive(float x) {
    float xc = rnnk_select(x < -104.0f, -104.0f, x);   /* false for NaN: NaN stays */
    uint32_t k;
    float p = rnnk_exp_reduced(xc, &k);
    return (p * rnnk_pow2f(k + 64u)) * 0x1p-64f;
}

/*
 * e^x for x >= 0 (or NaN), tanh's e^{2|x|}: k is in [0, 128], 2^(k-64) is normal, and the
 * multiply by 2^64 is the one rounding (to inf past FLT_MAX): rnnk_expf's result bit for bit.
 */
static inline float rnnk_exp_nonnegative(float x) {
    float xc = rnnk_select(x > 89.0f, 89.0f, x);       /* false for NaN: NaN stays */
    uint32_t k;
    float p = rnnk_exp_reduced(xc, &k);
    return (p * rnnk_pow2f(k - 64u)) * 0x1p64f;
}

/*
 * sigmoid(x) = 1 / (1 + e^-x), evaluated as 1 / (1 + e^-|x|) for x >= 0 and e^-|x| / (1 + e^-|x|)
 * for x < 0: one exp that never overflows, and no 1 - (something close to 1) cancellation.
 */
static inline float rnnk_sigmoidf(float x) {
    float e = rnnk_exp_nonpositive(rnnk_neg_absf(x));  /* in (0, 1]; NaN for NaN */
    return rnnk_select(x >= 0.0f, 1.0f, e) / (1.0f + e);
}

/*
 * tanh(x) on a = |x|, sign restored at the end:
 *   a < 0.625: a + a^3 P4(a^2) (Cephes tanhf polynomial), no cancellation near 0;
 *   a >= 0.625: 1 - 2 / (e^{2a} + 1), which saturates to exactly 1 as e^{2a} -> inf.
 */
static inline float rnnk_tanhf(float x) {
    float a = rnnk_absf(x);
    float z = a * a;
    float small = a + a * (z * ((((-5.70498872745e-3f * z + 2.06390887954e-2f) * z
                                  - 5.37397155531e-2f) * z + 1.33314422036e-1f) * z
                                - 3.33332819422e-1f));
    float e = rnnk_exp_nonnegative(a + a);
    float large = 1.0f - 2.0f / (e + 1.0f);
    float t = rnnk_select(a < 0.625f, small, large);   /* NaN takes the large path: NaN */
    return rnnk_with_sign_of(t, x);
}

#endif
