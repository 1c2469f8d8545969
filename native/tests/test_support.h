/*
 * test_support.h — what the C kernel tests share: a seeded uniform generator, buffers with guard
 * floats after them (optionally unaligned), the guard check, and an FNV-1a hash of every output
 * bit (ctest compares it across the ISA builds). Define TEST_SEED before including.
 */
#ifndef RNNK_TEST_SUPPORT_H
#define RNNK_TEST_SUPPORT_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GUARD 8
#define GUARD_VALUE 12345.0f

static long failures;
static uint64_t hash = 1469598103934665603ull;   /* FNV-1a over every output bit */
static unsigned seed = TEST_SEED;

static float uniform(void) {          /* [-1, 1) */
    seed = seed * 1664525u + 1013904223u;
    return (float)((seed >> 8) / 16777216.0) * 2.0f - 1.0f;
}

/* a buffer of n floats followed by GUARD guard floats; offset 1 makes it unaligned for SIMD */
static float *buffer(int64_t n, int offset) {
    float *raw = malloc(sizeof(float) * (size_t)(n + GUARD + 1));
    if (!raw) { perror("malloc"); exit(2); }
    float *p = raw + offset;
    for (int k = 0; k < GUARD; k++) p[n + k] = GUARD_VALUE;
    return p;
}

static void release(float *p, int offset) { free(p - offset); }

static void check_guard(const char *what, const float *p, int64_t n) {
    for (int k = 0; k < GUARD; k++) {
        if (p[n + k] != GUARD_VALUE) {
            if (failures++ < 30) printf("FAIL %s: write past the end of the buffer\n", what);
            return;
        }
    }
}

static void hash_floats(const float *p, int64_t n) {
    for (int64_t k = 0; k < n; k++) {
        uint32_t u;
        memcpy(&u, &p[k], 4);
        if (p[k] != p[k]) u = 0x7fc00000u;   /* one NaN */
        for (int b = 0; b < 4; b++) { hash ^= (u >> (8 * b)) & 0xffu; hash *= 1099511628211ull; }
    }
}

/*
 * In a one-ISA build (RNNK_TEST_NEEDS_ISA, CMakeLists.txt) on a CPU without that ISA: says so and
 * returns 1, and the test exits with 77 (ctest: skipped); else 0.
 */
static inline int isa_missing(const char *test) {
#if defined(RNNK_TEST_NEEDS_ISA) && defined(__GNUC__)
    if (!__builtin_cpu_supports(RNNK_TEST_NEEDS_ISA)) {
        printf("%s: skipped, this build of the kernels needs %s\n", test, RNNK_TEST_NEEDS_ISA);
        return 1;
    }
#endif
    (void)test;
    return 0;
}

#endif
