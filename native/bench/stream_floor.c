/*
 * stream_floor.c — the C floor of one streaming step (B = 1), for docs/streaming.md (a
 * measurement, not a test). It does in C exactly the native work of StreamState.step for one
 * layer with I = H, and nothing else, so that the JMH StreamStepBenchmark's step can be compared
 * with the bare sgemv + fused-kernel time:
 *   LSTM, RNN: gates (G*H) = [W_ih | W_hh] (G*H, I+H) [x ; h_{t-1}] (one sgemv, beta 0);
 *              c_{t-1} = c; the fused kernel adds b and writes h_t and c_t
 *              (the RNN: h_t = tanh(gates + b)).
 *   GRU:       xg (3H) = W_ih (3H, I) x; hg (3H) = W_hh (3H, H) h_{t-1} (two sgemvs, beta 0);
 *              the fused kernel adds b_ih and b_hh and writes h_t, which is copied to h_{t-1}.
 * The input x stays the same and h_t feeds the next step, as in the benchmark. Rounds of
 * `steps` steps each; min and median ns per step over the rounds.
 *
 *   stream_floor lstm|gru|rnn_tanh H [steps] [rounds]     (OpenBLAS's threads: OPENBLAS_NUM_THREADS)
 * Built with -DRNNK_BUILD_BENCH=ON -DRNNK_OPENBLAS=/path/to/libopenblas.so.0 (see CMakeLists.txt).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rnnk.h"
#include "bench_support.h"

/* the one CBLAS entry point used, declared here so that no cblas.h is needed */
enum { CBLAS_ROW_MAJOR = 101, CBLAS_NO_TRANS = 111 };
void cblas_sgemv(int order, int trans, int m, int n, float alpha, const float *a, int lda,
                 const float *x, int incx, float beta, float *y, int incy);

enum cell { LSTM, GRU, RNN_TANH };

struct stream {
    enum cell cell;
    int64_t H, G;
    float *weights;      /* LSTM, RNN: (G*H, 2H) [W_ih | W_hh]; GRU: W_ih (3H, H) */
    float *recurrent;    /* GRU: W_hh (3H, H) */
    float *bias;         /* (G*H): b_ih + b_hh (LSTM, RNN) or b_ih (GRU) */
    float *bias_hh;      /* GRU: b_hh (3H) */
    float *window;       /* (2H) [x ; h_{t-1}]; GRU: x = window, h_{t-1} = window + H */
    float *gates;        /* (G*H) */
    float *hidden_gates; /* GRU: (3H) */
    float *h_next;       /* GRU: (H) h_t before it is copied to h_{t-1} */
    float *c;            /* LSTM: (H) c_t */
    float *c_prev;       /* LSTM: (H) c_{t-1} */
};

/* n floats filled with values in [-scale, scale] */
static float *filled(int64_t n, float scale) {
    float *p = floats(n);
    fill(p, n, scale);
    return p;
}

static void step(struct stream *s) {
    const int64_t H = s->H, GH = s->G * s->H;
    float *h = s->window + H;                                     /* h_{t-1} */
    switch (s->cell) {                                            /* the kernel adds the bias */
    case LSTM:
        cblas_sgemv(CBLAS_ROW_MAJOR, CBLAS_NO_TRANS, (int)GH, (int)(2 * H), 1.0f, s->weights, (int)(2 * H),
                    s->window, 1, 0.0f, s->gates, 1);
        memcpy(s->c_prev, s->c, (size_t)H * sizeof(float));
        rnnk_lstm_forward_step(h, s->c, s->gates, s->bias, s->c_prev, 1, H);
        break;
    case RNN_TANH:
        cblas_sgemv(CBLAS_ROW_MAJOR, CBLAS_NO_TRANS, (int)GH, (int)(2 * H), 1.0f, s->weights, (int)(2 * H),
                    s->window, 1, 0.0f, s->gates, 1);
        rnnk_rnn_tanh_forward_step(h, s->gates, s->bias, 1, H);
        break;
    case GRU:
        cblas_sgemv(CBLAS_ROW_MAJOR, CBLAS_NO_TRANS, (int)GH, (int)H, 1.0f, s->weights, (int)H,
                    s->window, 1, 0.0f, s->gates, 1);
        cblas_sgemv(CBLAS_ROW_MAJOR, CBLAS_NO_TRANS, (int)GH, (int)H, 1.0f, s->recurrent, (int)H,
                    h, 1, 0.0f, s->hidden_gates, 1);
        rnnk_gru_forward_step(s->h_next, s->gates, s->hidden_gates, s->bias, s->bias_hh, h, 1, H);
        memcpy(h, s->h_next, (size_t)H * sizeof(float));
        break;
    }
}

int main(int argc, char **argv) {
    struct stream s = {0};
    if (argc < 3 || (strcmp(argv[1], "lstm") != 0 && strcmp(argv[1], "gru") != 0 && strcmp(argv[1], "rnn_tanh") != 0)) {
        fprintf(stderr, "usage: stream_floor lstm|gru|rnn_tanh H [steps] [rounds]\n");
        return 2;
    }
    s.cell = strcmp(argv[1], "lstm") == 0 ? LSTM : strcmp(argv[1], "gru") == 0 ? GRU : RNN_TANH;
    s.H = atoll(argv[2]);
    long steps = argc > 3 ? atol(argv[3]) : 20000;
    int rounds = argc > 4 ? atoi(argv[4]) : 11;
    if (s.H <= 0 || s.H > 65536 || steps <= 0 || rounds <= 0 || rounds > 1000) {
        fprintf(stderr, "stream_floor: H in 1..65536, steps positive, rounds in 1..1000\n");
        return 2;
    }
    s.G = s.cell == LSTM ? 4 : s.cell == GRU ? 3 : 1;
    const int64_t H = s.H, GH = s.G * s.H;
    srand(1);
    s.weights = filled(s.cell == GRU ? GH * H : GH * 2 * H, 1.0f / (float)H);
    s.recurrent = s.cell == GRU ? filled(GH * H, 1.0f / (float)H) : NULL;
    s.bias = filled(GH, 0.1f);
    s.bias_hh = s.cell == GRU ? filled(GH, 0.1f) : NULL;
    s.window = filled(2 * H, 0.5f);
    s.gates = filled(GH, 0.0f);
    s.hidden_gates = filled(GH, 0.0f);
    s.h_next = filled(H, 0.0f);
    s.c = filled(H, 0.5f);
    s.c_prev = filled(H, 0.0f);

    for (long i = 0; i < steps; i++) step(&s);   /* warm-up */
    double *ns = calloc((size_t)rounds, sizeof(double));
    for (int r = 0; r < rounds; r++) {
        double start = now();
        for (long i = 0; i < steps; i++) step(&s);
        ns[r] = (now() - start) * 1e9 / (double)steps;
    }
    qsort(ns, (size_t)rounds, sizeof(double), by_value);
    double flops = 2.0 * (double)GH * (double)(2 * H);
    printf("%s I=H=%lld B=1: %d rounds of %ld steps, ns per step min %.1f median %.1f (%.1f GFLOP/s at the median)\n",
           argv[1], (long long)H, rounds, steps, ns[0], ns[rounds / 2], flops / ns[rounds / 2]);
    free(ns);
    return 0;
}
