/*
 * packed_isa.c — librnnk's GEMM kernels in one ISA build: rnnk_sgemm_packed at 64 x 1024 x 512 (a
 * 64-stream LSTM H=256 step), rnnk_sgemv_packed at 1024 x 512 (one stream's step) and the small
 * GEMM rnnk_sgemm_nn at 16 x 256 x 256, fastest of 20 rounds. Linked against a one-ISA static build of librnnk (rnnk_avx2, rnnk_avx512f, built by
 * the tests), it shows what a CPU with only that ISA would run (docs/performance.md, "CPUs without
 * AVX-512 keep OpenBLAS"):
 *   cmake -S . -B build-isa -DCMAKE_BUILD_TYPE=Release && cmake --build build-isa --target rnnk_avx2 rnnk_avx512f
 *   for isa in avx2 avx512f; do gcc -O2 -Inative/include native/bench/packed_isa.c build-isa/librnnk_$isa.a -lm -lpthread -o packed_isa_$isa && ./packed_isa_$isa; done
 */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <time.h>
#include "rnnk.h"

static double seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(void) {
    const int64_t M = 64, N = 1024, K = 512;
    float *a = malloc(M * K * sizeof(float)), *w = malloc(N * K * sizeof(float)), *c = malloc(M * N * sizeof(float));
    float *packed = aligned_alloc(64, (rnnk_sgemm_packed_floats(N, K) * sizeof(float) + 63) / 64 * 64);
    if (!a || !w || !c || !packed) {
        return 1;
    }
    for (int64_t i = 0; i < M * K; i++) a[i] = (float)rand() / RAND_MAX - 0.5f;
    for (int64_t i = 0; i < N * K; i++) w[i] = (float)rand() / RAND_MAX - 0.5f;
    rnnk_sgemm_pack(packed, w, K, N, K);
    double product = 1e9, row = 1e9, small = 1e9;
    const int64_t SM = 16, SN = 256, SK = 256;          /* B of the small product: the first SK x SN floats of w */
    for (int round = 0; round < 20; round++) {
        double t0 = seconds();
        for (int i = 0; i < 20; i++) rnnk_sgemm_packed(c, N, a, K, packed, 0.0f, M, N, K);
        double t1 = seconds();
        for (int i = 0; i < 50; i++) rnnk_sgemv_packed(c, a, packed, 0.0f, N, K);
        double t2 = seconds();
        for (int i = 0; i < 100; i++) rnnk_sgemm_nn(SM, SN, SK, a, SK, w, SN, 0.0f, c, SN);
        double t3 = seconds();
        if ((t3 - t2) / 100 < small) small = (t3 - t2) / 100;
        if ((t1 - t0) / 20 < product) product = (t1 - t0) / 20;
        if ((t2 - t1) / 50 < row) row = (t2 - t1) / 50;
    }
    printf("rnnk_sgemm_packed %lldx%lldx%lld: %.1f us, %.1f GFLOP/s\n", (long long)M, (long long)N, (long long)K,
           product * 1e6, 2.0 * M * N * K / product * 1e-9);
    printf("rnnk_sgemv_packed %lldx%lld: %.1f us, %.1f GB/s of W\n", (long long)N, (long long)K, row * 1e6,
           N * K * sizeof(float) / row * 1e-9);
    printf("rnnk_sgemm_nn %lldx%lldx%lld: %.2f us, %.1f GFLOP/s\n", (long long)SM, (long long)SN, (long long)SK, small * 1e6,
           2.0 * SM * SN * SK / small * 1e-9);
    free(a); free(w); free(c); free(packed);
    return 0;
}
