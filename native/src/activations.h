/*
 * activations.h — the scalar activations shared by librnnk's kernels (internal header).
 * sigmoid and tanh from libm's expf/tanhf, without fast-math: the result is within a few ulp of
 * the correctly rounded value (glibc documents expf and tanhf to <= 2 ulp).
 */
#ifndef RNNK_ACTIVATIONS_H
#define RNNK_ACTIVATIONS_H

#include <math.h>

/* sigmoid(x) = 1 / (1 + e^-x), stable for large |x| (exp never overflows to inf/inf) */
static inline float rnnk_sigmoidf(float x) {
    if (x >= 0.0f) {
        return 1.0f / (1.0f + expf(-x));
    }
    float e = expf(x);
    return e / (1.0f + e);
}

#endif
