/*
 * recurrent_loop.h — the one-layer inference loop that step_breakdown, shared_pool and
 * forward_pass time: its buffers, its command line (lstm|gru T B H [rounds]), its recurrent GEMM
 * and its fused kernel over a range of rows. Included by those programs only; needs rnnk.h and
 * bench_support.h first.
 */
#ifndef RNNK_RECURRENT_LOOP_H
#define RNNK_RECURRENT_LOOP_H

#include <string.h>

/* the one CBLAS entry point used, declared here so that no cblas.h is needed */
enum { CBLAS_ROW_MAJOR = 101, CBLAS_NO_TRANS = 111, CBLAS_TRANS = 112 };
void cblas_sgemm(int order, int trans_a, int trans_b, int m, int n, int k, float alpha,
                 const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc);

struct loop {
    int lstm;            /* 1: LSTM (G = 4), 0: GRU (G = 3) */
    int64_t T, B, H, G;
    float *gates;        /* (T, B, G*H) input projections; LSTM: the recurrent GEMM adds into them */
    float *bias;         /* (G*H) what the kernel adds: LSTM b_ih + b_hh, GRU b_ih */
    float *gates_init;   /* (T, B, G*H) their values before the loop */
    float *hidden_gemm;  /* GRU: (T, B, 3H) h_{t-1} W_hh^T, kept apart from the input part */
    float *w_hh;         /* (G*H, H) */
    float *b_hh;         /* GRU: (3H) */
    float *h;            /* (T + 1, B, H) h_{-1} = row block 0 */
    float *c;            /* LSTM: (T + 1, B, H) */
};

/*
 * Parses "lstm|gru T B H [rounds]" and allocates the loop's buffers with seeded values. Returns
 * the number of rounds, or 0 after printing the usage or the problem (exit code 2 then).
 */
static int loop_from_args(struct loop *L, int argc, char **argv, const char *program,
                          int default_rounds) {
    if (argc < 5 || (strcmp(argv[1], "lstm") != 0 && strcmp(argv[1], "gru") != 0)) {
        fprintf(stderr, "usage: %s lstm|gru T B H [rounds]\n", program);
        return 0;
    }
    memset(L, 0, sizeof *L);
    L->lstm = strcmp(argv[1], "lstm") == 0;
    L->T = atoll(argv[2]);
    L->B = atoll(argv[3]);
    L->H = atoll(argv[4]);
    int rounds = argc > 5 ? atoi(argv[5]) : default_rounds;
    if (L->T <= 0 || L->B <= 0 || L->H <= 0 || rounds <= 0 || rounds > 1000) {
        fprintf(stderr, "%s: T, B, H must be positive and rounds in 1..1000\n", program);
        return 0;
    }
    L->G = L->lstm ? 4 : 3;
    const int64_t TBGH = L->T * L->B * L->G * L->H, hidden_rows = (L->T + 1) * L->B * L->H;
    srand(1);
    L->gates = floats(TBGH);
    L->gates_init = floats(TBGH);
    fill(L->gates_init, TBGH, 1.0f);
    L->bias = floats(L->G * L->H);
    fill(L->bias, L->G * L->H, 0.1f);
    L->w_hh = floats(L->G * L->H * L->H);
    fill(L->w_hh, L->G * L->H * L->H, 1.0f / (float)L->H);
    L->h = floats(hidden_rows);
    fill(L->h, hidden_rows, 0.5f);
    if (L->lstm) {
        L->c = floats(hidden_rows);
        fill(L->c, hidden_rows, 0.5f);
    } else {
        L->hidden_gemm = floats(TBGH);
        L->b_hh = floats(3 * L->H);
        fill(L->b_hh, 3 * L->H, 0.1f);
    }
    return rounds;
}

/* the gate rows the recurrent GEMM of step t writes into slice s: (B, G*H) */
static inline float *recurrent_out(const struct loop *L, int64_t s) {
    return (L->lstm ? L->gates : L->hidden_gemm) + s * L->B * L->G * L->H;
}

/* slice s of the recurrent GEMM's output = h_{t-1} W_hh^T + beta * itself */
static inline void recurrent_gemm_beta(const struct loop *L, int64_t t, int64_t s, float beta) {
    const int64_t B = L->B, H = L->H, GH = L->G * L->H;
    cblas_sgemm(CBLAS_ROW_MAJOR, CBLAS_NO_TRANS, CBLAS_TRANS, (int)B, (int)GH, (int)H, 1.0f,
                L->h + t * B * H, (int)H, L->w_hh, (int)H, beta, recurrent_out(L, s), (int)GH);
}

/* LSTM: gates_s += h_{t-1} W_hh^T; GRU: hidden_s = h_{t-1} W_hh^T */
static inline void recurrent_gemm(const struct loop *L, int64_t t, int64_t s) {
    recurrent_gemm_beta(L, t, s, L->lstm ? 1.0f : 0.0f);
}

/* librnnk's fused kernel of step t on rows [b0, b0 + rows) */
static inline void kernel_on_rows(const struct loop *L, int64_t t, int64_t b0, int64_t rows) {
    const int64_t B = L->B, H = L->H, GH = L->G * L->H;
    float *gates_t = L->gates + (t * B + b0) * GH;
    float *h_t = L->h + ((t + 1) * B + b0) * H;
    if (L->lstm) {
        rnnk_lstm_forward_step(h_t, L->c + ((t + 1) * B + b0) * H, gates_t, L->bias,
                               L->c + (t * B + b0) * H, rows, H);
    } else {
        rnnk_gru_forward_step(h_t, gates_t, L->hidden_gemm + (t * B + b0) * GH, L->bias, L->b_hh,
                              L->h + (t * B + b0) * H, rows, H);
    }
}

#endif
