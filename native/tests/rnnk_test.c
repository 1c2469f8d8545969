/*
 * rnnk_test.c — C-level checks of librnnk run by ctest: the LSTM step against a direct evaluation
 * of the equations in double precision, and its backward against central finite differences.
 * (The Java tests cover agreement with JavaKernels and PyTorch.)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "rnnk.h"

static double sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }

static float uniform(unsigned *state) {
    *state = *state * 1664525u + 1013904223u;
    return (float)((*state >> 8) / 16777216.0) * 2.0f - 1.0f;
}

/* loss = sum(wh * h_t) + sum(wc * c_t) for a single row, evaluated in double */
static double lstm_loss(const double *pre, const double *cp, const double *wh, const double *wc, int H) {
    double loss = 0;
    for (int j = 0; j < H; j++) {
        double i = sigmoid(pre[j]), f = sigmoid(pre[H + j]);
        double g = tanh(pre[2 * H + j]), o = sigmoid(pre[3 * H + j]);
        double c = f * cp[j] + i * g;
        loss += wh[j] * o * tanh(c) + wc[j] * c;
    }
    return loss;
}

int main(void) {
    enum { H = 7 };
    unsigned seed = 42;
    float pre[4 * H], gates[4 * H], cp[H], c[H], h[H], dh[H], dc[H], dgates[4 * H];
    double pred[4 * H], cpd[H], wh[H], wc[H];
    for (int j = 0; j < 4 * H; j++) { pre[j] = 2.0f * uniform(&seed); gates[j] = pre[j]; pred[j] = pre[j]; }
    for (int j = 0; j < H; j++) {
        cp[j] = uniform(&seed); cpd[j] = cp[j];
        dh[j] = uniform(&seed); wh[j] = dh[j];
        dc[j] = uniform(&seed); wc[j] = dc[j];
    }
    rnnk_lstm_forward_step(h, c, gates, cp, 1, H);
    int failures = 0;
    for (int j = 0; j < H; j++) {
        double i = sigmoid(pred[j]), f = sigmoid(pred[H + j]);
        double g = tanh(pred[2 * H + j]), o = sigmoid(pred[3 * H + j]);
        double cref = f * cpd[j] + i * g, href = o * tanh(cref);
        if (fabs(c[j] - cref) > 1e-6 || fabs(h[j] - href) > 1e-6) {
            printf("forward mismatch at %d: c %g vs %g, h %g vs %g\n", j, c[j], cref, h[j], href);
            failures++;
        }
    }
    /* with dh = wh and carried dc = wc, dgates must equal d loss / d pre */
    rnnk_lstm_backward_step(dgates, dc, dh, gates, cp, c, 1, H);
    for (int k = 0; k < 4 * H; k++) {
        double eps = 1e-5, saved = pred[k];
        pred[k] = saved + eps; double lp = lstm_loss(pred, cpd, wh, wc, H);
        pred[k] = saved - eps; double lm = lstm_loss(pred, cpd, wh, wc, H);
        pred[k] = saved;
        double fd = (lp - lm) / (2 * eps);
        if (fabs(fd - dgates[k]) > 1e-4 * (1 + fabs(fd))) {
            printf("backward mismatch at %d: %g vs finite difference %g\n", k, dgates[k], fd);
            failures++;
        }
    }
    printf("rnnk_test: abi %d, %d failures\n", rnnk_abi_version(), failures);
    return failures == 0 ? 0 : 1;
}
