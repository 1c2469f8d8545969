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

#define S512(c) _mm512_set1_ps(1.0f + (c) * 1e-3f)
#define S256(c) _mm256_set1_ps(1.0f + (c) * 1e-3f)

/* iters x UNROLL x 12 FMAs of 16 lanes; returns a sum so the work cannot be dropped */
__attribute__((target("avx512f"))) static float fma512(long iters) {
    /* distinct starting values, so that the compiler cannot merge the chains */
    __m512 a0 = S512(0), a1 = S512(1), a2 = S512(2), a3 = S512(3), a4 = S512(4), a5 = S512(5), a6 = S512(6), a7 = S512(7);
    __m512 a8 = S512(8), a9 = S512(9), a10 = S512(10), a11 = S512(11);
    const __m512 m = _mm512_set1_ps(0.999999f), a = _mm512_set1_ps(1e-7f);
    for (long i = 0; i < iters; i++) {
        for (int u = 0; u < UNROLL; u++) {
            FMA12(_mm512_fmadd_ps, m, a);
        }
    }
    __m512 s = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;
    return _mm512_reduce_add_ps(s);
}

/* the same with 8-lane vectors */
__attribute__((target("avx2,fma"))) static float fma256(long iters) {
    /* distinct starting values, so that the compiler cannot merge the chains */
    __m256 a0 = S256(0), a1 = S256(1), a2 = S256(2), a3 = S256(3), a4 = S256(4), a5 = S256(5), a6 = S256(6), a7 = S256(7);
    __m256 a8 = S256(8), a9 = S256(9), a10 = S256(10), a11 = S256(11);
    const __m256 m = _mm256_set1_ps(0.999999f), a = _mm256_set1_ps(1e-7f);
    for (long i = 0; i < iters; i++) {
        for (int u = 0; u < UNROLL; u++) {
            FMA12(_mm256_fmadd_ps, m, a);
        }
    }
    __m256 s = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;
    float out[8];
    _mm256_storeu_ps(out, s);
    return out[0] + out[7];
}

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
