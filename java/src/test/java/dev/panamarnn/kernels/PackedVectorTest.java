package dev.panamarnn.kernels;

import static dev.panamarnn.testing.TestData.EPS;
import static dev.panamarnn.testing.TestData.array;
import static dev.panamarnn.testing.TestData.segment;
import static dev.panamarnn.testing.TestData.uniform;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.panamarnn.cell.Products;
import dev.panamarnn.internal.kernels.NativeKernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * One row on packed weights, y = beta y + W x ({@link Kernels#sgemvPacked}, librnnk's
 * rnnk_sgemv_packed): the pure-Java kernels and the native ones against a double-precision
 * reference and against OpenBLAS's sgemv on W in place, for n across partial 32-row panels and k
 * across every remainder mod 4 (the four partial sums), beta in {0, 1, 0.5}. Tolerance: the error
 * bound of a float sum of k + 1 terms, 2 (k + 2) eps (sum_p |w x| + |beta y|), as in
 * {@link PackedProductTest}; native and OpenBLAS within twice that of each other.
 */
class PackedVectorTest {

    @ParameterizedTest(name = "n={0} k={1} beta={2}")
    @CsvSource({"1, 1, 0", "5, 2, 1", "31, 3, 0.5", "32, 4, 0", "33, 5, 1", "70, 7, 0.5", "1024, 512, 0", "768, 259, 1",
                "97, 0, 0.5", "2048, 1026, 0"})
    void packedVectorAgreesWithDoubleReferenceAndOpenBlas(int n, int k, float beta) {
        NativeKernels nat = KernelsForTests.nativeKernels();
        try (Arena arena = Arena.ofConfined()) {
            int ldw = k + 3;
            float[] x = uniform(5 + n, k, 1);                      // x: (k)
            float[] w = uniform(7 + k, n * ldw, 1);                // W: (n, k), row stride k + 3
            float[] y0 = uniform(11 + n + k, n, 1);                // y before: (n)
            double[] ref = new double[n];
            double[] bound = new double[n];
            for (int j = 0; j < n; j++) {
                double sum = 0, abs = 0;
                for (int p = 0; p < k; p++) {
                    double v = (double) w[j * ldw + p] * x[p];
                    sum += v;
                    abs += Math.abs(v);
                }
                double prior = beta == 0f ? 0 : beta * (double) y0[j];
                ref[j] = sum + prior;
                bound[j] = 2 * (k + 2) * EPS * (abs + Math.abs(prior)) + 1e-30;
            }
            MemorySegment xs = segment(arena, x), ws = segment(arena, w);
            MemorySegment blas = segment(arena, y0);
            nat.openBlasOnly().sgemv(false, n, k, 1f, ws, ldw, xs, beta, blas);
            // BLAS returns at once for k = 0 (y is not even scaled by beta): compare with OpenBLAS only for k > 0
            float[] blasY = k > 0 ? check("OpenBLAS sgemv", array(blas), ref, bound) : null;
            for (Kernels kernels : List.of(new CheckedKernels(KernelsForTests.java()), new CheckedKernels(nat))) {
                MemorySegment packed = arena.allocate(Kernels.packedFloats(n, k) * Float.BYTES, 64);
                kernels.packWeights(packed, ws, ldw, n, k);
                MemorySegment y = segment(arena, y0);
                kernels.sgemvPacked(n, k, xs, packed, beta, y);
                float[] got = check(kernels.name() + " sgemvPacked", array(y), ref, bound);
                for (int j = 0; blasY != null && j < n; j++) {
                    if (Math.abs(got[j] - blasY[j]) > 2 * bound[j]) {
                        fail(kernels.name() + " sgemvPacked vs OpenBLAS at " + j + ": " + got[j] + " vs " + blasY[j]);
                    }
                }
            }
        }
    }

    private static float[] check(String who, float[] got, double[] ref, double[] bound) {
        for (int j = 0; j < ref.length; j++) {
            if (!(Math.abs(got[j] - ref[j]) <= bound[j])) {
                fail(who + " y[" + j + "] = " + got[j] + ", reference " + ref[j] + ", |diff| " + Math.abs(got[j] - ref[j])
                        + " > bound " + bound[j]);
            }
        }
        return got;
    }

    /** beta 0: y is not read, so a NaN in it does not leak; nothing past y[n - 1] is written (both implementations). */
    @Test
    void betaZeroIgnoresNaNAndWritesOnlyN() {
        try (Arena arena = Arena.ofConfined()) {
            int n = 33, k = 6;
            MemorySegment x = segment(arena, uniform(1, k, 1)), w = segment(arena, uniform(2, n * k, 1));
            for (Kernels kernels : List.of(KernelsForTests.java(), KernelsForTests.nativeKernels())) {
                MemorySegment packed = arena.allocate(Kernels.packedFloats(n, k) * Float.BYTES);
                kernels.packWeights(packed, w, k, n, k);
                float[] nan = new float[n + 4];
                Arrays.fill(nan, Float.NaN);
                MemorySegment y = segment(arena, nan);
                kernels.sgemvPacked(n, k, x, packed, 0f, y);
                float[] got = array(y);
                for (int j = 0; j < n; j++) {
                    assertFalse(Float.isNaN(got[j]), kernels.name() + ": NaN in y leaked with beta 0 at " + j);
                }
                for (int j = n; j < n + 4; j++) {
                    assertTrue(Float.isNaN(got[j]), kernels.name() + ": y[" + j + "] past n was written");
                }
            }
        }
    }

    /** The checked front door names the argument that is too small. */
    @Test
    void checkedKernelsRejectShortSegments() {
        try (Arena arena = Arena.ofConfined()) {
            Kernels checked = new CheckedKernels(KernelsForTests.nativeKernels());
            MemorySegment packed = arena.allocate(Kernels.packedFloats(33, 4) * Float.BYTES);
            MemorySegment x = arena.allocate(4L * Float.BYTES), y = arena.allocate(33L * Float.BYTES);
            MemorySegment shortX = arena.allocate(3L * Float.BYTES), shortY = arena.allocate(32L * Float.BYTES);
            MemorySegment shortPacked = arena.allocate((Kernels.packedFloats(33, 4) - 1) * Float.BYTES);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> checked.sgemvPacked(33, 4, shortX, packed, 0f, y));
            assertTrue(e.getMessage().contains("x"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> checked.sgemvPacked(33, 4, x, shortPacked, 0f, y));
            assertTrue(e.getMessage().contains("packed"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> checked.sgemvPacked(33, 4, x, packed, 0f, shortY));
            assertTrue(e.getMessage().contains("y"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> checked.sgemvPacked(-1, 4, x, packed, 0f, y));
            assertTrue(e.getMessage().contains("n"), e.getMessage());
        }
    }

    /** Which kernels read the packed copy for one row: the native ones, not OpenBLAS-only nor pure Java. */
    @Test
    void routing() {
        NativeKernels nat = KernelsForTests.nativeKernels();
        assertTrue(nat.fastPackedVector(1024, 512), "a single LSTM H=256 step");
        assertFalse(nat.openBlasOnly().fastPackedVector(1024, 512), "OpenBLAS only");
        assertFalse(KernelsForTests.java().fastPackedVector(1024, 512), "pure Java");
    }

    /**
     * {@link Products#timesTransposed} with one row takes the packed copy where the kernels say so:
     * a NaN planted in the packed copy (not in W) reaches y on the native kernels, not on OpenBLAS-only.
     */
    @Test
    void productsReadThePackedCopyForOneRowOnlyWhereFaster() {
        try (Arena arena = Arena.ofConfined()) {
            int n = 40, k = 9;
            MemorySegment x = segment(arena, uniform(3, k, 1)), w = segment(arena, uniform(4, n * k, 1));
            NativeKernels nat = KernelsForTests.nativeKernels();
            MemorySegment packed = arena.allocate(Kernels.packedFloats(n, k) * Float.BYTES);
            nat.packWeights(packed, w, k, n, k);
            packed.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, 0, Float.NaN);   // W[0][0] in the packed copy only
            MemorySegment y = arena.allocate((long) n * Float.BYTES);
            Products.timesTransposed(nat, 1, n, k, x, k, w, k, null, packed, 0f, y);
            assertTrue(Float.isNaN(y.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, 0)), "native: the packed copy was read");
            Products.timesTransposed(nat.openBlasOnly(), 1, n, k, x, k, w, k, null, packed, 0f, y);
            assertFalse(Float.isNaN(y.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, 0)), "OpenBLAS only: W in place was read");
        }
    }
}
