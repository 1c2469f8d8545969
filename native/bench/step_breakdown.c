/*
 * step_breakdown.c — where a recurrent forward loop's time goes beyond its GEMMs (a measurement
 * for docs/performance.md, not a test). The loop is the unroller's inference forward for one
 * layer: per step t, the recurrent GEMM on OpenBLAS, then librnnk's fused kernel. Each variant
 * below replaces one part, and all variants are timed in interleaved rounds so that the VM's
 * drift falls on all of them alike:
 *   gemm, fresh slices   the T recurrent GEMMs alone, each writing its own step's gate rows
 *   gemm, one slice      the same GEMMs all writing one slice (cache-hot, as rnn bench's bound)
 *   gemm + kernel        the real loop
 *   gemm + spin          the GEMM, then a busy wait as long as the kernel (no memory, no math)
 *   gemm + touch         the GEMM, then one pass over the kernel's memory (no transcendentals)
 *   kernel               the fused kernels alone
 * If "gemm + kernel" costs more than "gemm" + "kernel" and spin or touch do not, the extra comes
 * from running the kernel's vector code between the GEMMs, not from the pause between them or
 * from the memory it touches.
 *
 *   step_breakdown lstm|gru T B H [rounds]     (OpenBLAS's threads: OPENBLAS_NUM_THREADS)
 * Built with -DRNNK_BUILD_BENCH=ON -DRNNK_OPENBLAS=/path/to/libopenblas.so.0 (see CMakeLists.txt).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rnnk.h"
#include "bench_support.h"

/* the one CBLAS entry point used, declared here so that no cblas.h is needed */
enum { CBLAS_ROW_MAJOR = 101, CBLAS_NO_TRANS = 111, CBLAS_TRANS = 112 };
void cblas_sgemm(int order, int trans_a, int trans_b, int m, int n, int k, float alpha,
                 const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc);

enum variant { GEMM_FRESH, GEMM_ONE_SLICE, GEMM_KERNEL, GEMM_SPIN, GEMM_TOUCH, KERNEL, VARIANTS };
static const char *const VARIANT_NAMES[VARIANTS] = {
    "gemm, fresh slices", "gemm, one slice (as the bound)", "gemm + kernel (the loop)",
    "gemm + spin (kernel's time)", "gemm + touch (kernel's memory)", "kernel"};

struct loop {
    int lstm;            /* 1: LSTM (G = 4), 0: GRU (G = 3) */
    int64_t T, B, H, G;
    float *gates;        /* (T, B, G*H) input projections; LSTM: the recurrent GEMM adds into them */
    float *gates_init;   /* (T, B, G*H) their values before the loop */
    float *hidden_gemm;  /* GRU: (T, B, 3H) h_{t-1} W_hh^T, kept apart from the input part */
    float *w_hh;         /* (G*H, H) */
    float *b_hh;         /* GRU: (3H) */
    float *h;            /* (T + 1, B, H) h_{-1} = row block 0 */
    float *c;            /* LSTM: (T + 1, B, H) */
    double spin_seconds; /* per step: the kernel's time, measured */
};

/* one pass over the kernel's memory: read the step's gate rows and c_{t-1}, write h_t and c_t */
static void touch(const struct loop *L, int64_t t) {
    const float *g = L->gates + t * L->B * L->G * L->H;
    float *h = L->h + (t + 1) * L->B * L->H;
    for (int64_t b = 0; b < L->B; b++) {
        for (int64_t j = 0; j < L->H; j++) {
            float sum = 0.0f;
            for (int64_t q = 0; q < L->G; q++) sum += g[(b * L->G + q) * L->H + j];
            h[b * L->H + j] = sum;
        }
    }
}

static double run(struct loop *L, enum variant v) {
    const int64_t B = L->B, H = L->H, GH = L->G * L->H;
    memcpy(L->gates, L->gates_init, (size_t)(L->T * B * GH) * sizeof(float));
    double start = now();
    for (int64_t t = 0; t < L->T; t++) {
        int64_t slice = v == GEMM_ONE_SLICE ? 0 : t;
        float *gates_t = L->gates + slice * B * GH;                 /* (B, G*H) */
        float *hidden_t = L->hidden_gemm ? L->hidden_gemm + slice * B * GH : NULL;
        const float *h_prev = L->h + t * B * H;                      /* (B, H) h_{t-1} */
        float *h_t = L->h + (t + 1) * B * H;
        if (v != KERNEL) {
            /* LSTM: gates_t += h_{t-1} W_hh^T; GRU: hidden_t = h_{t-1} W_hh^T */
            cblas_sgemm(CBLAS_ROW_MAJOR, CBLAS_NO_TRANS, CBLAS_TRANS, (int)B, (int)GH, (int)H, 1.0f,
                        h_prev, (int)H, L->w_hh, (int)H, L->lstm ? 1.0f : 0.0f,
                        L->lstm ? gates_t : hidden_t, (int)GH);
        }
        if (v == GEMM_KERNEL || v == KERNEL) {
            if (L->lstm) {
                rnnk_lstm_forward_step(h_t, L->c + (t + 1) * B * H, gates_t, L->c + t * B * H, B, H);
            } else {
                rnnk_gru_forward_step(h_t, gates_t, hidden_t, L->b_hh, h_prev, B, H);
            }
        } else if (v == GEMM_SPIN) {
            double until = now() + L->spin_seconds;
            while (now() < until) {
            }
        } else if (v == GEMM_TOUCH) {
            touch(L, t);
        }
    }
    return now() - start;
}

int main(int argc, char **argv) {
    if (argc < 5 || (strcmp(argv[1], "lstm") != 0 && strcmp(argv[1], "gru") != 0)) {
        fprintf(stderr, "usage: step_breakdown lstm|gru T B H [rounds]\n");
        return 2;
    }
    struct loop L = {0};
    L.lstm = strcmp(argv[1], "lstm") == 0;
    L.T = atoll(argv[2]);
    L.B = atoll(argv[3]);
    L.H = atoll(argv[4]);
    int rounds = argc > 5 ? atoi(argv[5]) : 11;
    if (L.T <= 0 || L.B <= 0 || L.H <= 0 || rounds <= 0 || rounds > 1000) {
        fprintf(stderr, "step_breakdown: T, B, H must be positive and rounds in 1..1000\n");
        return 2;
    }
    L.G = L.lstm ? 4 : 3;
    const int64_t TBGH = L.T * L.B * L.G * L.H, hidden_rows = (L.T + 1) * L.B * L.H;
    srand(1);
    L.gates = floats(TBGH);
    L.gates_init = floats(TBGH);
    fill(L.gates_init, TBGH, 1.0f);
    L.w_hh = floats(L.G * L.H * L.H);
    fill(L.w_hh, L.G * L.H * L.H, 1.0f / (float)L.H);
    L.h = floats(hidden_rows);
    fill(L.h, hidden_rows, 0.5f);
    if (L.lstm) {
        L.c = floats(hidden_rows);
        fill(L.c, hidden_rows, 0.5f);
    } else {
        L.hidden_gemm = floats(TBGH);
        L.b_hh = floats(3 * L.H);
        fill(L.b_hh, 3 * L.H, 0.1f);
    }

    for (int v = 0; v < VARIANTS; v++) run(&L, (enum variant)v);   /* warm-up */
    double kernel_min = 1e30;
    for (int r = 0; r < 5; r++) {
        double s = run(&L, KERNEL);
        if (s < kernel_min) kernel_min = s;
    }
    L.spin_seconds = kernel_min / (double)L.T;

    double *seconds = calloc((size_t)VARIANTS * (size_t)rounds, sizeof(double));
    for (int r = 0; r < rounds; r++) {
        for (int v = 0; v < VARIANTS; v++) seconds[v * rounds + r] = run(&L, (enum variant)v);
    }
    printf("%s T=%lld B=%lld H=%lld: %d interleaved rounds, ms per loop (min / median)\n", argv[1],
           (long long)L.T, (long long)L.B, (long long)L.H, rounds);
    double min[VARIANTS], median[VARIANTS];
    for (int v = 0; v < VARIANTS; v++) {
        qsort(seconds + v * rounds, (size_t)rounds, sizeof(double), by_value);
        min[v] = seconds[v * rounds] * 1e3;
        median[v] = seconds[v * rounds + rounds / 2] * 1e3;
        printf("  %-32s %9.2f / %9.2f\n", VARIANT_NAMES[v], min[v], median[v]);
    }
    printf("  %-32s %9.2f / %9.2f\n", "loop - (gemm fresh + kernel)",
           min[GEMM_KERNEL] - min[GEMM_FRESH] - min[KERNEL],
           median[GEMM_KERNEL] - median[GEMM_FRESH] - median[KERNEL]);
    printf("  %-32s %9.2f / %9.2f\n", "spin - (gemm fresh + its wait)",
           min[GEMM_SPIN] - min[GEMM_FRESH] - kernel_min * 1e3,
           median[GEMM_SPIN] - median[GEMM_FRESH] - kernel_min * 1e3);
    free(seconds);
    return 0;
}
