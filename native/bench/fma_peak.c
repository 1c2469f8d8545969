/*
 * fma_peak.c — the single-thread float32 multiply-add peak of this core, measured: 12 independent
 * chains of vector FMAs (acc = acc * m + a), enough to cover the FMA latency on every pipe (two
 * pipes of latency 4 need 8), with no loads or stores in the loop; 12 accumulators and the two
 * operands fit AVX2's 16 registers. 512-bit (AVX-512F) and 256-bit (AVX2 + FMA) vectors, alternated
 * in rounds. Each FMA counts 2 FLOPs per lane. This is the ceiling any fp32 GEMM on one thread can
 * approach (docs/performance.md uses it to judge the streaming rows against ONNX Runtime).
 * Usage: fma_peak [rounds=9] [seconds per round=0.2]
 */
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include "bench_support.h"

enum { CHAINS = 12, UNROLL = 64 };

/*
 * One FMA on each of the 12 chains. The accumulators are named variables, not an array: GCC keeps
 * an array of vectors in memory at -O2, and the loop then measures store forwarding instead.
 */
#define FMA12(f, m, a) \
    a0 = f(a0, m, a); a1 = f(a1, m, a); a2 = f(a2, m, a); a3 = f(a3, m, a); \
    a4 = f(a4, m, a); a5 = f(a5, m, a); a6 = f(a6, m, a); a7 = f(a7, m, a); \
    a8 = f(a8, m, a); a9 = f(a9, m, a); a10 = f(a10, m, a); a11 = f(a11, m, a)

/*
 * A function `name` of iters x UNROLL x 12 FMAs on vectors of type V (set1: broadcast, fmadd: the
 * FMA intrinsic), compiled for `isa`; it returns one lane of the chains' sum so that the work
 * cannot be dropped. The chains start at distinct values, so that the compiler cannot merge them.
 */
#define FMA_CHAINS(name, isa, V, set1, fmadd)                                                          \
    __attribute__((target(isa))) static float name(long iters) {                                       \
        V a0 = set1(1.000f), a1 = set1(1.001f), a2 = set1(1.002f), a3 = set1(1.003f);                  \
        V a4 = set1(1.004f), a5 = set1(1.005f), a6 = set1(1.006f), a7 = set1(1.007f);                  \
        V a8 = set1(1.008f), a9 = set1(1.009f), a10 = set1(1.010f), a11 = set1(1.011f);                \
        const V m = set1(0.999999f), a = set1(1e-7f);                                                  \
        for (long i = 0; i < iters; i++) {                                                             \
            for (int u = 0; u < UNROLL; u++) {                                                         \
                FMA12(fmadd, m, a);                                                                    \
            }                                                                                          \
        }                                                                                              \
        V s = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;                             \
        return s[0];                                                                                   \
    }

FMA_CHAINS(fma512, "avx512f", __m512, _mm512_set1_ps, _mm512_fmadd_ps)
FMA_CHAINS(fma256, "avx2,fma", __m256, _mm256_set1_ps, _mm256_fmadd_ps)

/* GFLOP/s of one timed call of `lanes`-wide FMAs running about `seconds` */
static double run(int lanes, long iters, volatile float *sink) {
    double t0 = now();
    *sink += lanes == 16 ? fma512(iters) : fma256(iters);
    double t = now() - t0;
    return 2.0 * lanes * CHAINS * UNROLL * (double)iters / t / 1e9;
}

int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 9;
    double seconds = argc > 2 ? atof(argv[2]) : 0.2;
    if (rounds < 1 || rounds > 1000 || !(seconds > 0 && seconds < 60)) {
        fprintf(stderr, "usage: fma_peak [rounds 1..1000] [seconds per round, 0..60]\n");
        return 1;
    }
    if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("fma")) {
        fprintf(stderr, "fma_peak needs AVX-512F and FMA\n");
        return 1;
    }
    volatile float sink = 0;
    /* calibrate: iterations for about `seconds` of 512-bit FMAs */
    long iters = 1000;
    for (;;) {
        double t0 = now();
        sink += fma512(iters);
        double t = now() - t0;
        if (t > seconds / 4) {
            iters = (long)(iters * seconds / t);
            break;
        }
        iters *= 4;
    }
    double g512[1000], g256[1000];
    for (int r = 0; r < rounds; r++) {
        if (r % 2 == 0) {
            g512[r] = run(16, iters, &sink);
            g256[r] = run(8, iters, &sink);
        } else {
            g256[r] = run(8, iters, &sink);
            g512[r] = run(16, iters, &sink);
        }
    }
    qsort(g512, rounds, sizeof(double), by_value);
    qsort(g256, rounds, sizeof(double), by_value);
    printf("fp32 FMA peak, 1 thread, %d rounds of %.3f s: zmm (16 lanes) median %.1f best %.1f GFLOP/s; "
           "ymm (8 lanes) median %.1f best %.1f GFLOP/s (sink %g)\n",
           rounds, seconds, g512[rounds / 2], g512[rounds - 1], g256[rounds / 2], g256[rounds - 1], (double)sink);
    return 0;
}
