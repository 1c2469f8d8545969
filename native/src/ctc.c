/*
 * ctc.c — the connectionist temporal classification loss (Graves et al., 2006) and its gradient
 * with respect to the logits, in the log domain, one row after another.
 *
 * What this is: for each row b, the log softmax of its T_b steps of logits, the forward variables
 * alpha and the backward variables beta over the extended label l' = (blank, l_1, blank, ...,
 * l_S, blank), the row's loss -log p(l | x), and (when dlogits is given) the gradient
 *   dlogits_t(c) = row_scale_b * (y_t(c) - sum_{s : l'_s = c} exp(alpha_t(s) + beta_t(s) - log y_t(l'_s) - log p)),
 * zero at steps t >= T_b. Everything is in double; exp, log and log1p are libm's.
 * What this is not: vectorised (the recursion runs along the label, with data-dependent skips), a
 * check of its inputs (the Java caller checks shapes, label ranges and that each label fits its
 * row), or anything that allocates: the caller passes scratch.
 */
#include <math.h>
#include "rnnk.h"

/* log(e^a + e^b) without overflow; -inf is the log of zero */
static double log_add(double a, double b) {
    if (a == -INFINITY) return b;
    if (b == -INFINITY) return a;
    double m = a > b ? a : b;
    return m + log1p(exp(-fabs(a - b)));
}

/* l'_s: the blank at even s, label s/2 at odd s */
static int64_t extended(const int32_t *label, int64_t s, int64_t blank) {
    return (s & 1) ? label[s >> 1] : blank;
}

/* one row; returns its loss -log p(l | x) */
static double ctc_row(float *dlogits, const float *logits, const int32_t *label, int64_t S, int64_t length,
                      float row_scale, double *scratch, int64_t T, int64_t B, int64_t C, int64_t b, int64_t blank) {
    int64_t width = 2 * S + 1;
    double *alpha = scratch;                       /* (T_b, 2S+1) */
    double *beta = alpha + length * width;         /* (T_b, 2S+1) */
    double *logp = beta + length * width;          /* (T_b, C) log softmax of the row's logits */
    double *grad = logp + length * C;              /* (C) one step's gradient before scaling */
    for (int64_t t = 0; t < length; t++) {         /* log y_t = x_t - max - log sum e^{x_t - max} */
        const float *x = logits + (t * B + b) * C;
        double max = -INFINITY, sum = 0;
        for (int64_t k = 0; k < C; k++) max = x[k] > max ? x[k] : max;
        for (int64_t k = 0; k < C; k++) sum += exp(x[k] - max);
        double log_z = max + log(sum);
        for (int64_t k = 0; k < C; k++) logp[t * C + k] = x[k] - log_z;
    }
    for (int64_t s = 0; s < width; s++) {          /* alpha_0: a path starts with the blank or l_1 */
        alpha[s] = s < 2 ? logp[extended(label, s, blank)] : -INFINITY;
    }
    for (int64_t t = 1; t < length; t++) {
        const double *prev = alpha + (t - 1) * width;
        double *cur = alpha + t * width;
        for (int64_t s = 0; s < width; s++) {
            int64_t c = extended(label, s, blank);
            double a = prev[s];
            if (s >= 1) a = log_add(a, prev[s - 1]);
            if (s >= 2 && c != blank && c != extended(label, s - 2, blank)) a = log_add(a, prev[s - 2]);
            cur[s] = a + logp[t * C + c];
        }
    }
    const double *last = alpha + (length - 1) * width;
    double log_p = width == 1 ? last[0] : log_add(last[width - 1], last[width - 2]);
    if (dlogits == NULL) return -log_p;
    double *end = beta + (length - 1) * width;     /* beta_{T-1}: a path ends with l_S or the blank */
    for (int64_t s = 0; s < width; s++) {
        end[s] = s >= width - 2 ? logp[(length - 1) * C + extended(label, s, blank)] : -INFINITY;
    }
    for (int64_t t = length - 2; t >= 0; t--) {
        const double *next = beta + (t + 1) * width;
        double *cur = beta + t * width;
        for (int64_t s = 0; s < width; s++) {
            int64_t c = extended(label, s, blank);
            double v = next[s];
            if (s + 1 < width) v = log_add(v, next[s + 1]);
            if (s + 2 < width && c != blank && c != extended(label, s + 2, blank)) v = log_add(v, next[s + 2]);
            cur[s] = v + logp[t * C + c];
        }
    }
    for (int64_t t = 0; t < T; t++) {
        float *d = dlogits + (t * B + b) * C;
        if (t >= length) {
            for (int64_t k = 0; k < C; k++) d[k] = 0.0f;
            continue;
        }
        for (int64_t k = 0; k < C; k++) grad[k] = exp(logp[t * C + k]);   /* y_t(c), minus the occupancies */
        for (int64_t s = 0; s < width; s++) {
            int64_t c = extended(label, s, blank);
            double occupancy = alpha[t * width + s] + beta[t * width + s] - logp[t * C + c] - log_p;
            if (occupancy > -INFINITY) grad[c] -= exp(occupancy);
        }
        for (int64_t k = 0; k < C; k++) d[k] = (float) (row_scale * grad[k]);
    }
    return -log_p;
}

double rnnk_ctc_forward_backward(float *dlogits, double *row_losses, const float *logits, const int32_t *lengths,
                                 const int32_t *labels, const int64_t *label_offsets, const float *row_scale,
                                 double *scratch, int64_t T, int64_t B, int64_t C, int64_t blank) {
    double total = 0;
    for (int64_t b = 0; b < B; b++) {
        const int32_t *label = labels + label_offsets[b];
        int64_t S = label_offsets[b + 1] - label_offsets[b];
        double loss = ctc_row(dlogits, logits, label, S, lengths[b], row_scale[b], scratch, T, B, C, b, blank);
        if (row_losses != NULL) row_losses[b] = loss;
        total += row_scale[b] * loss;
    }
    return total;
}
