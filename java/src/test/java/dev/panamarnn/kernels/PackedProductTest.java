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
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The product with packed weights, y = beta y + x W^T ({@link Kernels#packWeights},
 * {@link Kernels#sgemmPacked}): the pure-Java kernels (the specification of the packed form) and
 * librnnk's rnnk_sgemm_packed against a double-precision reference and against OpenBLAS's sgemm on
 * W in place, over shapes that are not multiples of the tiles (8-, 2-, 1-row tiles, 32-row panels,
 * 96-row chunks), padded strides and beta in {0, 1, 0.5}. Tolerance: the error bound of a float
 * sum of k + 1 terms, 2 (k + 2) eps (sum_p |x w| + |beta y|), as in {@link BlasAgreementTest}.
 */
class PackedProductTest {

    static Stream<Arguments> cases() {
        int[][] shapes = {{2, 1, 1}, {3, 5, 7}, {7, 31, 33}, {8, 32, 64}, {9, 33, 1}, {17, 70, 70}, {64, 1024, 512 + 3},
                          {97, 65, 129}, {100, 96, 0}, {1, 40, 9}};
        float[] betas = {0f, 1f, 0.5f};
        List<Arguments> cases = new ArrayList<>();
        for (int i = 0; i < shapes.length; i++) {
            cases.add(Arguments.of(shapes[i][0], shapes[i][1], shapes[i][2], betas[i % betas.length]));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "m={0} n={1} k={2} beta={3}")
    @MethodSource("cases")
    void packedProductAgreesWithDoubleReferenceAndOpenBlas(int m, int n, int k, float beta) {
        NativeKernels nat = KernelsForTests.nativeKernels();
        try (Arena arena = Arena.ofConfined()) {
            int ldx = k + 2, ldw = k + 3, ldy = n + 1;
            float[] x = uniform(5 + m, m * ldx, 1);
            float[] w = uniform(7 + n, n * ldw, 1);
            float[] y0 = uniform(11 + k, m * ldy, 1);
            double[] ref = new double[m * ldy];
            double[] bound = new double[m * ldy];
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double sum = 0, abs = 0;
                    for (int p = 0; p < k; p++) {
                        double v = (double) x[i * ldx + p] * w[j * ldw + p];
                        sum += v;
                        abs += Math.abs(v);
                    }
                    double prior = beta == 0f ? 0 : beta * (double) y0[i * ldy + j];
                    ref[i * ldy + j] = sum + prior;
                    bound[i * ldy + j] = 2 * (k + 2) * EPS * (abs + Math.abs(prior)) + 1e-30;
                }
            }
            MemorySegment xs = segment(arena, x), ws = segment(arena, w);
            List<float[]> results = new ArrayList<>();
            for (Kernels kernels : List.of(new CheckedKernels(KernelsForTests.java()), new CheckedKernels(nat))) {
                MemorySegment packed = arena.allocate(Kernels.packedFloats(n, k) * Float.BYTES, 64);
                kernels.packWeights(packed, ws, ldw, n, k);
                MemorySegment y = segment(arena, y0);
                kernels.sgemmPacked(m, n, k, xs, ldx, packed, beta, y, ldy);
                results.add(check(kernels.name() + " packed", array(y), y0, ref, bound, m, n, ldy));
            }
            MemorySegment y = segment(arena, y0);                                  // OpenBLAS on W in place
            nat.openBlasOnly().sgemm(false, true, m, n, k, 1f, xs, ldx, ws, ldw, beta, y, ldy);
            float[] blas = check("OpenBLAS", array(y), y0, ref, bound, m, n, ldy);
            for (int at = 0; at < blas.length; at++) {                            // pairwise: twice the bound
                for (float[] got : results) {
                    if (Math.abs(got[at] - blas[at]) > 2 * bound[at]) {
                        fail("packed vs OpenBLAS at " + at + ": " + got[at] + " vs " + blas[at]);
                    }
                }
            }
        }
    }

    /** Each element of y (m, n; row stride ldy) within its bound of the reference, the padding columns as they were. */
    static float[] check(String who, float[] got, float[] y0, double[] ref, double[] bound, int m, int n, int ldy) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < ldy; j++) {
                int at = i * ldy + j;
                if (j >= n) {
                    assertEquals(y0[at], got[at], who + ": padding column of y was written at " + at);
                } else if (!(Math.abs(got[at] - ref[at]) <= bound[at])) {
                    fail(who + " y[" + i + "," + j + "] = " + got[at] + ", reference " + ref[at] + ", |diff| "
                            + Math.abs(got[at] - ref[at]) + " > bound " + bound[at]);
                }
            }
        }
        return got;
    }

    /** beta 0: y is not read, so a NaN in it does not leak (both implementations). */
    @Test
    void betaZeroIgnoresNaNInOutput() {
        try (Arena arena = Arena.ofConfined()) {
            int m = 9, n = 33, k = 5;
            MemorySegment x = segment(arena, uniform(1, m * k, 1)), w = segment(arena, uniform(2, n * k, 1));
            for (Kernels kernels : List.of(KernelsForTests.java(), KernelsForTests.nativeKernels())) {
                MemorySegment packed = arena.allocate(Kernels.packedFloats(n, k) * Float.BYTES);
                kernels.packWeights(packed, w, k, n, k);
                float[] nan = new float[m * n];
                java.util.Arrays.fill(nan, Float.NaN);
                MemorySegment y = segment(arena, nan);
                kernels.sgemmPacked(m, n, k, x, k, packed, 0f, y, n);
                for (float v : array(y)) {
                    assertFalse(Float.isNaN(v), kernels.name() + ": NaN in y leaked with beta 0");
                }
            }
        }
    }

    /** The packed form is one layout: packing in Java and natively gives the same floats, bit for bit. */
    @Test
    void javaAndNativePackingAreTheSameLayout() {
        try (Arena arena = Arena.ofConfined()) {
            int n = 70, k = 9, ldw = 11;
            MemorySegment w = segment(arena, uniform(3, n * ldw, 1));
            MemorySegment a = arena.allocate(Kernels.packedFloats(n, k) * Float.BYTES);
            MemorySegment b = arena.allocate(Kernels.packedFloats(n, k) * Float.BYTES);
            KernelsForTests.java().packWeights(a, w, ldw, n, k);
            KernelsForTests.nativeKernels().packWeights(b, w, ldw, n, k);
            assertEquals(-1L, a.mismatch(b));
            assertEquals(96L * k, Kernels.packedFloats(n, k));
        }
    }

    /**
     * Packing from the transpose ({@link Kernels#packWeightsTransposed}: W^T (k, n) with a padded
     * stride) gives the packed form of W itself, bit for bit, in both implementations; the product by
     * it is then y = x W^T^T, checked above for the form.
     */
    @Test
    void packingFromTheTransposeIsThePackingOfW() {
        try (Arena arena = Arena.ofConfined()) {
            for (int[] nk : new int[][] {{70, 9}, {33, 65}, {32, 1}, {1, 4}}) {
                int n = nk[0], k = nk[1], ldw = k + 2, ldt = n + 3;
                float[] w = uniform(13 + n, n * ldw, 1);
                float[] wt = new float[k * ldt];
                java.util.Arrays.fill(wt, Float.NaN);                              // padding: never read
                for (int j = 0; j < n; j++) {
                    for (int p = 0; p < k; p++) {
                        wt[p * ldt + j] = w[j * ldw + p];
                    }
                }
                MemorySegment ws = segment(arena, w), wts = segment(arena, wt);
                MemorySegment expected = arena.allocate(Kernels.packedFloats(n, k) * Float.BYTES);
                KernelsForTests.java().packWeights(expected, ws, ldw, n, k);
                for (Kernels kernels : List.of(new CheckedKernels(KernelsForTests.java()),
                                               new CheckedKernels(KernelsForTests.nativeKernels()))) {
                    MemorySegment got = arena.allocate(Kernels.packedFloats(n, k) * Float.BYTES);
                    got.fill((byte) 0x7f);
                    kernels.packWeightsTransposed(got, wts, ldt, n, k);
                    assertEquals(-1L, expected.mismatch(got), kernels.name() + " n=" + n + " k=" + k);
                }
            }
        }
    }

    /** The checked front door names the argument that is too small. */
    @Test
    void checkedKernelsRejectShortSegments() {
        try (Arena arena = Arena.ofConfined()) {
            Kernels checked = new CheckedKernels(KernelsForTests.nativeKernels());
            MemorySegment w = arena.allocate(33L * 4 * Float.BYTES);
            MemorySegment shortPacked = arena.allocate((Kernels.packedFloats(33, 4) - 1) * Float.BYTES);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> checked.packWeights(shortPacked, w, 4, 33, 4));
            assertTrue(e.getMessage().contains("packed"), e.getMessage());
            MemorySegment packed = arena.allocate(Kernels.packedFloats(33, 4) * Float.BYTES);
            MemorySegment x = arena.allocate(2L * 4 * Float.BYTES), y = arena.allocate(2L * 32 * Float.BYTES);
            e = assertThrows(IllegalArgumentException.class, () -> checked.sgemmPacked(2, 33, 4, x, 4, packed, 0f, y, 33));
            assertTrue(e.getMessage().contains("Y"), e.getMessage());
            MemorySegment shortTransposed = arena.allocate((4L * 33 - 1) * Float.BYTES);    // W^T (4, 33) one float short
            e = assertThrows(IllegalArgumentException.class,
                    () -> checked.packWeightsTransposed(packed, shortTransposed, 33, 33, 4));
            assertTrue(e.getMessage().contains("W^T"), e.getMessage());
        }
    }

    /** Which products take the packed kernel: two rows or more, never on the OpenBLAS-only or Java kernels. */
    @Test
    void routing() {
        NativeKernels nat = KernelsForTests.nativeKernels();
        assertTrue(nat.fastPackedProduct(64, 1024, 512), "a 64-row LSTM H=256 batch step");
        assertFalse(nat.fastPackedProduct(1, 1024, 512), "one row is a GEMV");
        assertFalse(nat.openBlasOnly().fastPackedProduct(64, 1024, 512), "OpenBLAS only");
        assertFalse(KernelsForTests.java().fastPackedProduct(64, 1024, 512), "Java");
        assertTrue(new CheckedKernels(nat).fastPackedProduct(64, 1024, 512), "checked delegates");
    }
}
