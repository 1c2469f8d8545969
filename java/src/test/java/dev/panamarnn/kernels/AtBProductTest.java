package dev.panamarnn.kernels;

import static dev.panamarnn.testing.TestData.EPS;
import static dev.panamarnn.testing.TestData.array;
import static dev.panamarnn.testing.TestData.segment;
import static dev.panamarnn.testing.TestData.uniform;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.panamarnn.internal.kernels.NativeKernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The weight gradients' product c += a^T b ({@link Kernels#sgemmAtB}): the pure-Java kernels (the
 * specification) and librnnk's rnnk_sgemm_atb against a double-precision reference and against
 * OpenBLAS's transposed sgemm, over shapes that are not multiples of the tiles (8-row strips,
 * 128-row chunks, 32-column panels) nor of the kernel's 512-row blocks of k, with padded strides.
 * Tolerance: the error bound of a float sum of k + 1 terms, 2 (k + 2) eps (|c| + sum_p |a b|), as
 * in {@link PackedProductTest}.
 */
class AtBProductTest {

    @ParameterizedTest(name = "m={0} n={1} k={2}")
    @CsvSource({"1, 1, 1", "3, 5, 7", "8, 32, 0", "9, 33, 511", "17, 70, 513", "129, 31, 40", "64, 65, 1030"})
    void productAgreesWithDoubleReferenceAndOpenBlas(int m, int n, int k) {
        NativeKernels nat = KernelsForTests.nativeKernels();
        try (Arena arena = Arena.ofConfined()) {
            int lda = m + 3, ldb = n + 2, ldc = n + 1;
            float[] a = uniform(5 + m, k * lda, 1);                             // (k, m) as stored
            float[] b = uniform(7 + n, k * ldb, 1);                             // (k, n) as stored
            float[] c0 = uniform(11 + k, m * ldc, 1);
            double[] ref = new double[m * ldc];
            double[] bound = new double[m * ldc];
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double sum = c0[i * ldc + j], abs = Math.abs(sum);
                    for (int p = 0; p < k; p++) {
                        double v = (double) a[p * lda + i] * b[p * ldb + j];
                        sum += v;
                        abs += Math.abs(v);
                    }
                    ref[i * ldc + j] = sum;
                    bound[i * ldc + j] = 2 * (k + 2) * EPS * abs + 1e-30;
                }
            }
            MemorySegment as = segment(arena, a), bs = segment(arena, b);
            float[][] results = new float[2][];
            List<Kernels> both = List.of(new CheckedKernels(KernelsForTests.java()), new CheckedKernels(nat));
            for (int i = 0; i < both.size(); i++) {
                Kernels kernels = both.get(i);
                long scratchFloats = kernels.atbScratchFloats(n);
                MemorySegment scratch = scratchFloats == 0 ? null : arena.allocate(scratchFloats * Float.BYTES, 64);
                if (scratch != null) {
                    scratch.fill((byte) 0x7f);                                   // NaN: its contents must not matter
                }
                MemorySegment c = segment(arena, c0);
                kernels.sgemmAtB(m, n, k, as, lda, bs, ldb, scratch, c, ldc);
                results[i] = PackedProductTest.check(kernels.name() + " A^T B", array(c), c0, ref, bound, m, n, ldc);
            }
            assertTrue(nat.atbScratchFloats(n) > 0, "librnnk's product packs into scratch");
            MemorySegment c = segment(arena, c0);                                // OpenBLAS, A transposed
            nat.openBlasOnly().sgemm(true, false, m, n, k, 1f, as, lda, bs, ldb, 1f, c, ldc);
            float[] blas = PackedProductTest.check("OpenBLAS", array(c), c0, ref, bound, m, n, ldc);
            for (int at = 0; at < blas.length; at++) {                           // pairwise: twice the bound
                for (float[] got : results) {
                    if (Math.abs(got[at] - blas[at]) > 2 * bound[at]) {
                        fail("A^T B vs OpenBLAS at " + at + ": " + got[at] + " vs " + blas[at]);
                    }
                }
            }
        }
    }

    /** The checked front door names what is too small: the scratch, A, C. */
    @Test
    void checkedKernelsRejectShortSegments() {
        try (Arena arena = Arena.ofConfined()) {
            NativeKernels nat = KernelsForTests.nativeKernels();
            Kernels checked = new CheckedKernels(nat);
            int m = 9, n = 33, k = 5;
            MemorySegment a = arena.allocate((long) k * m * Float.BYTES), b = arena.allocate((long) k * n * Float.BYTES);
            MemorySegment c = arena.allocate((long) m * n * Float.BYTES);
            MemorySegment shortScratch = arena.allocate((nat.atbScratchFloats(n) - 1) * Float.BYTES);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> checked.sgemmAtB(m, n, k, a, m, b, n, shortScratch, c, n));
            assertTrue(e.getMessage().contains("scratch"), e.getMessage());
            MemorySegment scratch = arena.allocate(nat.atbScratchFloats(n) * Float.BYTES);
            MemorySegment shortA = arena.allocate(((long) k * m - 1) * Float.BYTES);
            e = assertThrows(IllegalArgumentException.class, () -> checked.sgemmAtB(m, n, k, shortA, m, b, n, scratch, c, n));
            assertTrue(e.getMessage().contains("A (5 x 9"), e.getMessage());
            MemorySegment shortC = arena.allocate(((long) m * n - 1) * Float.BYTES);
            e = assertThrows(IllegalArgumentException.class, () -> checked.sgemmAtB(m, n, k, a, m, b, n, scratch, shortC, n));
            assertTrue(e.getMessage().contains("C"), e.getMessage());
        }
    }

    /**
     * Which products take librnnk's kernel: never on the OpenBLAS-only or Java kernels; on the native
     * ones exactly where OpenBLAS runs one thread on a core type narrower than AVX-512 and librnnk
     * has its AVX-512 tiles (this environment's OPENBLAS_CORETYPE=Haswell on an AVX-512 CPU).
     */
    @Test
    void routing() {
        NativeKernels nat = KernelsForTests.nativeKernels();
        assertFalse(nat.openBlasOnly().fastAtBProduct(4096, 1024, 6400), "OpenBLAS only");
        assertFalse(KernelsForTests.java().fastAtBProduct(4096, 1024, 6400), "pure Java");
        assertEquals(0, KernelsForTests.java().atbScratchFloats(1024), "the Java kernels need no scratch");
        String core = nat.status().blasCore().toLowerCase(java.util.Locale.ROOT);
        boolean avx512Core = List.of("skylakex", "cooperlake", "sapphirerapids").contains(core);
        boolean wide = dev.panamarnn.internal.bindings.rnnk.rnnk_h.rnnk_sgemm_packed_tile_rows() == 8;
        assertEquals(wide && nat.status().blasThreads() == 1 && !avx512Core, nat.fastAtBProduct(4096, 1024, 6400),
                "core " + core + ", " + nat.status().blasThreads() + " thread(s), AVX-512 tiles " + wide);
    }
}
