package dev.panamarnn.kernels;

import static dev.panamarnn.testing.TestData.EPS;
import static dev.panamarnn.testing.TestData.F;
import static dev.panamarnn.testing.TestData.array;
import static dev.panamarnn.testing.TestData.segment;
import static dev.panamarnn.testing.TestData.uniform;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
 * JavaKernels and NativeKernels against a double-precision reference, for every transposition,
 * alpha/beta and awkward sizes. The tolerance is the standard error bound of a float dot product
 * of length k: |err| <= c * k * eps * (|alpha| sum_p |a_ip b_pj| + |beta c_ij|), never a fixed number.
 */
class BlasAgreementTest {
    static final int[] SIZES = {1, 2, 3, 7, 8, 17, 64, 129};

    static Stream<Arguments> gemmCases() {
        List<Arguments> cases = new ArrayList<>();
        float[][] alphaBeta = {{1f, 0f}, {0.5f, 1f}, {-2f, 0.25f}, {1f, 1f}};
        int i = 0;
        for (int m : SIZES) {
            for (boolean ta : new boolean[] {false, true}) {
                for (boolean tb : new boolean[] {false, true}) {
                    // non-square: n and k walk the size table at other offsets
                    int n = SIZES[(i + 3) % SIZES.length];
                    int k = SIZES[(i + 5) % SIZES.length];
                    float[] ab = alphaBeta[i % alphaBeta.length];
                    cases.add(Arguments.of(ta, tb, m, n, k, ab[0], ab[1]));
                    i++;
                }
            }
        }
        cases.add(Arguments.of(false, false, 129, 129, 129, 1f, 0f));
        cases.add(Arguments.of(true, false, 300, 65, 513, 1f, 1f));   // crosses the Java blocking (KC 256)
        cases.add(Arguments.of(false, true, 5, 600, 40, 1f, 0f));     // crosses NC 512
        return cases.stream();
    }

    @ParameterizedTest(name = "transA={0} transB={1} m={2} n={3} k={4} alpha={5} beta={6}")
    @MethodSource("gemmCases")
    void sgemmAgreesWithDoubleReference(boolean ta, boolean tb, int m, int n, int k, float alpha, float beta) {
        try (Arena arena = Arena.ofConfined()) {
            int lda = (ta ? m : k) + 3;     // padded strides: leading dimensions are honoured
            int ldb = (tb ? k : n) + 1;
            int ldc = n + 2;
            float[] a = uniform(11 + m, (ta ? k : m) * lda, 1);
            float[] b = uniform(23 + n, (tb ? n : k) * ldb, 1);
            float[] c0 = uniform(37 + k, m * ldc, 1);
            double[] ref = new double[m * ldc];
            double[] bound = new double[m * ldc];
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double sum = 0, abs = 0;
                    for (int p = 0; p < k; p++) {
                        double av = ta ? a[p * lda + i] : a[i * lda + p];
                        double bv = tb ? b[j * ldb + p] : b[p * ldb + j];
                        sum += av * bv;
                        abs += Math.abs(av * bv);
                    }
                    ref[i * ldc + j] = alpha * sum + beta * c0[i * ldc + j];
                    bound[i * ldc + j] = 2 * (k + 2) * EPS * (Math.abs(alpha) * abs + Math.abs(beta * c0[i * ldc + j])) + 1e-30;
                }
            }
            // native twice: small NN products on librnnk's own GEMM, and every product on OpenBLAS
            for (Kernels kernels : List.of(KernelsForTests.java(), KernelsForTests.nativeKernels(),
                    KernelsForTests.nativeKernels().openBlasOnly())) {
                MemorySegment c = segment(arena, c0);
                kernels.sgemm(ta, tb, m, n, k, alpha, segment(arena, a), lda, segment(arena, b), ldb, beta, c, ldc);
                float[] got = array(c);
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < ldc; j++) {
                        int at = i * ldc + j;
                        if (j >= n) {
                            assertEquals(c0[at], got[at], kernels.name() + ": padding column of C was written at " + at);
                        } else if (Math.abs(got[at] - ref[at]) > bound[at]) {
                            fail(kernels.name() + " sgemm C[" + i + "," + j + "] = " + got[at] + ", reference " + ref[at]
                                    + ", |diff| " + Math.abs(got[at] - ref[at]) + " > bound " + bound[at]);
                        }
                    }
                }
            }
        }
    }

    /**
     * Which products take librnnk's small GEMM: NN, alpha = 1, at most 2^21 multiply-adds, and
     * never on the OpenBLAS-only kernels. The cases above then check both paths numerically.
     */
    @Test
    void smallProductsAreRoutedByTheStatedRule() {
        NativeKernels nat = KernelsForTests.nativeKernels();
        org.junit.jupiter.api.Assertions.assertTrue(nat.fastSmallProduct(16, 256, 64), "T=200 B=16 H=64 LSTM step");
        org.junit.jupiter.api.Assertions.assertTrue(nat.fastSmallProduct(64, 256, 128), "exactly 2^21");
        org.junit.jupiter.api.Assertions.assertFalse(nat.fastSmallProduct(64, 257, 128), "just over 2^21");
        org.junit.jupiter.api.Assertions.assertFalse(nat.fastSmallProduct(64, 1024, 256), "an H=256 LSTM step");
        org.junit.jupiter.api.Assertions.assertFalse(nat.openBlasOnly().fastSmallProduct(16, 256, 64), "OpenBLAS only");
        org.junit.jupiter.api.Assertions.assertFalse(KernelsForTests.java().fastSmallProduct(16, 256, 64), "Java");
        org.junit.jupiter.api.Assertions.assertTrue(new CheckedKernels(nat).fastSmallProduct(16, 256, 64), "checked delegates");
    }

    @Test
    void sgemmWithBetaZeroIgnoresNaNInC() {
        try (Arena arena = Arena.ofConfined()) {
            float[] nan = new float[6];
            java.util.Arrays.fill(nan, Float.NaN);
            for (Kernels kernels : List.of(KernelsForTests.java(), KernelsForTests.nativeKernels(),
                    KernelsForTests.nativeKernels().openBlasOnly())) {
                MemorySegment c = segment(arena, nan);
                kernels.sgemm(false, false, 2, 3, 1, 1f, segment(arena, new float[] {1, 2}), 1,
                        segment(arena, new float[] {1, 2, 3}), 3, 0f, c, 3);
                assertEquals(List.of(1f, 2f, 3f, 2f, 4f, 6f), boxed(array(c)), kernels.name());
            }
        }
    }

    @ParameterizedTest(name = "trans={0} m={1} n={2}")
    @MethodSource("gemvCases")
    void sgemvAgrees(boolean trans, int m, int n) {
        try (Arena arena = Arena.ofConfined()) {
            int lda = n + 1;
            float[] a = uniform(5, m * lda, 1);
            float[] x = uniform(6, trans ? m : n, 1);
            float[] y0 = uniform(7, trans ? n : m, 1);
            float alpha = 0.75f, beta = -0.5f;
            int rows = trans ? n : m, len = trans ? m : n;
            for (Kernels kernels : List.of(KernelsForTests.java(), KernelsForTests.nativeKernels())) {
                MemorySegment y = segment(arena, y0);
                kernels.sgemv(trans, m, n, alpha, segment(arena, a), lda, segment(arena, x), beta, y);
                for (int r = 0; r < rows; r++) {
                    double sum = 0, abs = 0;
                    for (int p = 0; p < len; p++) {
                        double av = trans ? a[p * lda + r] : a[r * lda + p];
                        sum += av * x[p];
                        abs += Math.abs(av * x[p]);
                    }
                    double ref = alpha * sum + beta * y0[r];
                    double bound = 2 * (len + 2) * EPS * (Math.abs(alpha) * abs + Math.abs(beta * y0[r])) + 1e-30;
                    float got = y.getAtIndex(F, r);
                    if (Math.abs(got - ref) > bound) {
                        fail(kernels.name() + " sgemv y[" + r + "] = " + got + ", reference " + ref + " bound " + bound);
                    }
                }
            }
        }
    }

    static Stream<Arguments> gemvCases() {
        List<Arguments> cases = new ArrayList<>();
        for (int m : SIZES) {
            for (boolean trans : new boolean[] {false, true}) {
                cases.add(Arguments.of(trans, m, SIZES[(m * 7) % SIZES.length]));
            }
        }
        return cases.stream();
    }

    @Test
    void level1Agrees() {
        try (Arena arena = Arena.ofConfined()) {
            for (int n : SIZES) {
                float[] x = uniform(n, n, 2);
                float[] y = uniform(n + 100, n, 2);
                double dot = 0, absDot = 0, sq = 0;
                for (int i = 0; i < n; i++) {
                    dot += (double) x[i] * y[i];
                    absDot += Math.abs((double) x[i] * y[i]);
                    sq += (double) x[i] * x[i];
                }
                for (Kernels kernels : List.of(KernelsForTests.java(), KernelsForTests.nativeKernels())) {
                    String what = kernels.name() + " n=" + n;
                    assertEquals(dot, kernels.sdot(n, segment(arena, x), segment(arena, y)), 2 * (n + 1) * EPS * absDot + 1e-30, what + " sdot");
                    assertEquals(Math.sqrt(sq), kernels.snrm2(n, segment(arena, x)), 4 * (n + 1) * EPS * Math.sqrt(sq), what + " snrm2");
                    MemorySegment ys = segment(arena, y);
                    kernels.saxpy(n, -1.5f, segment(arena, x), ys);
                    MemorySegment xs = segment(arena, x);
                    kernels.sscal(n, 3f, xs);
                    for (int i = 0; i < n; i++) {
                        double axpy = y[i] - 1.5 * x[i];
                        assertEquals(axpy, ys.getAtIndex(F, i), 2 * EPS * (Math.abs(y[i]) + Math.abs(1.5 * x[i])), what + " saxpy " + i);
                        assertEquals(3.0 * x[i], xs.getAtIndex(F, i), EPS * Math.abs(3.0 * x[i]), what + " sscal " + i);
                    }
                }
            }
        }
    }

    private static List<Float> boxed(float[] values) {
        List<Float> list = new ArrayList<>();
        for (float v : values) {
            list.add(v);
        }
        return list;
    }
}
