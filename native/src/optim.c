/*
 * optim.c — fused optimizer updates over a flat run of n parameters: Adam / AdamW and SGD with
 * momentum (Nesterov), each one pass that reads and writes every array once.
 *
 * What this is: the element-wise update of torch.optim.Adam, AdamW and SGD (PyTorch 1.13, the
 * default single-tensor path), in PyTorch's order of operations, with the hyperparameters rounded
 * to float where PyTorch rounds them (a Python float scalar applied to a float32 tensor). PyTorch's
 * CPU kernels fuse some multiply-adds (add with alpha, addcmul) into FMAs; this file does not
 * (-ffp-contract=off, no FMA in the baseline clone), so results agree with PyTorch to about an ulp
 * per step, and bit for bit with dev.panamarnn.internal.kernels.JavaKernels and across dispatch clones.
 * What this is not: a reduction (no norms here), a learning-rate schedule, or bias-correction
 * powers (the caller passes 1 - beta^step: pow would be a libm call).
 *
 * The options that PyTorch decides per call (weight decay or not, Nesterov, first step) are
 * loop-invariant flags applied with rnnk_select, which computes both sides and keeps one, so the
 * unused side never leaks a NaN and the loop stays one vectorised body. Built with
 * -fno-math-errno (CMakeLists.txt) so sqrtf is the IEEE instruction (correctly rounded, no errno
 * call) and vectorises.
 */
#include <math.h>
#include "rnnk.h"
#include "activations.h"
#include "dispatch.h"

/* the Adam update of n elements; the float constants are rounded as PyTorch rounds them */
RNNK_ROW void adam_elements(float *restrict p,          /* (n) theta */
                            float *restrict m,          /* (n) first moment (exp_avg) */
                            float *restrict v,          /* (n) second moment (exp_avg_sq) */
                            const float *restrict g,    /* (n) dL/dtheta */
                            int l2, float wd, int decay, float decay_factor,
                            float b1, float one_minus_b1, float b2, float one_minus_b2,
                            float neg_step_size, float bc2_sqrt, float eps, int64_t n) {
    for (int64_t k = 0; k < n; k++) {
        float theta = rnnk_select(decay, p[k] * decay_factor, p[k]);   /* AdamW: theta (1 - lr wd) */
        float gk = rnnk_select(l2, g[k] + wd * theta, g[k]);            /* Adam: g + wd theta */
        float mk = m[k] * b1 + one_minus_b1 * gk;                 /* m = beta1 m + (1 - beta1) g */
        float vk = v[k] * b2 + (one_minus_b2 * gk) * gk;          /* v = beta2 v + (1 - beta2) g^2 */
        float denom = sqrtf(vk) / bc2_sqrt + eps;                 /* sqrt(v) / sqrt(1 - beta2^t) + eps */
        m[k] = mk;
        v[k] = vk;
        p[k] = theta + (neg_step_size * mk) / denom;              /* theta -= lr / (1 - beta1^t) m / denom */
    }
}

RNNK_CLONES
void rnnk_adam_step(float *param, float *exp_avg, float *exp_avg_sq, const float *grad,
                    double lr, double beta1, double beta2, double eps, double weight_decay,
                    int32_t decoupled, double bias_correction1, double bias_correction2, int64_t n) {
    adam_elements(param, exp_avg, exp_avg_sq, grad,
                  !decoupled && weight_decay != 0.0, (float)weight_decay,
                  decoupled != 0, (float)(1.0 - lr * weight_decay),
                  (float)beta1, (float)(1.0 - beta1), (float)beta2, (float)(1.0 - beta2),
                  (float)(-(lr / bias_correction1)), (float)sqrt(bias_correction2), (float)eps, n);
}

/* plain SGD: theta -= lr (g + wd theta) */
RNNK_ROW void sgd_elements(float *restrict p, const float *restrict g, int l2, float wd, float neg_lr,
                           int64_t n) {
    for (int64_t k = 0; k < n; k++) {
        float d = rnnk_select(l2, g[k] + wd * p[k], g[k]);
        p[k] = p[k] + neg_lr * d;
    }
}

/* SGD with momentum: buf = mu buf + (1 - dampening) d (d itself on the first step, as PyTorch
 * clones d_p), then theta -= lr (Nesterov ? d + mu buf : buf) */
RNNK_ROW void sgd_momentum_elements(float *restrict p,         /* (n) theta */
                                    float *restrict buf,       /* (n) momentum buffer */
                                    const float *restrict g,   /* (n) dL/dtheta */
                                    int l2, float wd, float neg_lr, float mu, float one_minus_dampening,
                                    int first, int nesterov, int64_t n) {
    for (int64_t k = 0; k < n; k++) {
        float d = rnnk_select(l2, g[k] + wd * p[k], g[k]);
        float b = rnnk_select(first, d, buf[k] * mu + one_minus_dampening * d);
        buf[k] = b;
        d = rnnk_select(nesterov, d + mu * b, b);
        p[k] = p[k] + neg_lr * d;
    }
}

RNNK_CLONES
void rnnk_sgd_step(float *param, float *momentum_buffer, const float *grad,
                   double lr, double momentum, double dampening, double weight_decay,
                   int32_t nesterov, int32_t first_step, int64_t n) {
    int l2 = weight_decay != 0.0;
    if (momentum == 0.0) {
        sgd_elements(param, grad, l2, (float)weight_decay, (float)(-lr), n);
    } else {
        sgd_momentum_elements(param, momentum_buffer, grad, l2, (float)weight_decay, (float)(-lr),
                              (float)momentum, (float)(1.0 - dampening), first_step != 0, nesterov != 0, n);
    }
}
