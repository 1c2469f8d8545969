/*
 * bench_support.h — what the native/bench programs share: a monotonic clock, 64-byte aligned float
 * buffers filled with seeded values, and a comparison for sorting timings (medians).
 */
#ifndef RNNK_BENCH_SUPPORT_H
#define RNNK_BENCH_SUPPORT_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* seconds on CLOCK_MONOTONIC */
static inline double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* n floats, 64-byte aligned, uninitialised; exits naming the size when memory runs out */
static inline float *floats(int64_t n) {
    float *p = aligned_alloc(64, (size_t)((n * 4 + 63) / 64 * 64));
    if (!p) {
        fprintf(stderr, "out of memory (%lld floats)\n", (long long)n);
        exit(1);
    }
    return p;
}

/* p[i] uniform in [-scale, scale] from rand() (seed with srand for repeatable data) */
static inline void fill(float *p, int64_t n, float scale) {
    for (int64_t i = 0; i < n; i++) p[i] = scale * (float)((rand() % 2001) - 1000) / 1000.0f;
}

/* qsort comparison of doubles, ascending */
static inline int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

#endif
