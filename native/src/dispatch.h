/*
 * dispatch.h — how librnnk's kernels get SIMD (internal header).
 *
 * Every exported kernel is marked RNNK_CLONES: GCC's target_clones compiles its plain loops once
 * per ISA (AVX-512F, AVX2, and the x86-64 baseline with SSE2) and exports one IFUNC symbol whose
 * resolver picks the best clone for the CPU when the library is loaded. The clones themselves are
 * local symbols (name.avx512f.0, ...); only the rnnk_* IFUNC is exported. With -ffp-contract=off
 * and only elementwise operations (no reductions), every clone returns bit-identical results.
 *
 * A build defines RNNK_CLONES itself to compile for one ISA only (the C tests build a baseline
 * and an AVX2 copy of the kernels this way to check that the clones agree bit for bit), and on
 * compilers or targets without target_clones it is empty: the loops are then vectorised for
 * whatever -m flags the build uses.
 */
#ifndef RNNK_DISPATCH_H
#define RNNK_DISPATCH_H

/*
 * RNNK_FMA_CLONES: the same idea for kernels compiled with -ffp-contract=fast (only gemm.c), whose
 * multiply-adds should become FMA instructions where the CPU has them: clones for x86-64-v4
 * (AVX-512 + FMA), x86-64-v3 (AVX2 + FMA) and the baseline. These clones round differently (one
 * rounding per multiply-add with FMA, two without), so they are not bit-identical to each other;
 * each is deterministic. A one-ISA build that defines RNNK_CLONES (empty) gets it empty too.
 */
#if defined(RNNK_CLONES) && !defined(RNNK_FMA_CLONES)
#define RNNK_FMA_CLONES RNNK_CLONES
#endif

#ifndef RNNK_CLONES
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__ELF__)
#define RNNK_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define RNNK_CLONES
#endif
#endif

#ifndef RNNK_FMA_CLONES
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__ELF__)
#define RNNK_FMA_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define RNNK_FMA_CLONES
#endif
#endif

/*
 * A cloned function that is not exported (a kernel's row range on the thread pool, pool.h) must
 * be static: GCC gives a target_clones IFUNC default visibility whatever the build's preset or a
 * visibility attribute says.
 */

/*
 * A kernel's per-row helper. It must be inlined into every clone: a helper left out of line is
 * compiled once, for the baseline ISA, and all clones would call that one copy.
 */
#if defined(__GNUC__)
#define RNNK_ROW static inline __attribute__((always_inline))
#else
#define RNNK_ROW static inline
#endif

#endif
