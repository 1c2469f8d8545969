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

#ifndef RNNK_CLONES
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__ELF__)
#define RNNK_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define RNNK_CLONES
#endif
#endif

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
