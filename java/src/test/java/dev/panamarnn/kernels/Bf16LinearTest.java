package dev.panamarnn.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.internal.kernels.Bf16;
import dev.panamarnn.internal.kernels.NativeKernels;
import dev.panamarnn.testing.TestData;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The bf16 product (Kernels.bf16Linear, rnnk_bf16_linear): librnnk and the pure-Java specification
 * round x to the same bf16 values; their outputs agree with the exact sum of those bf16 products to
 * the float sum's rounding, (k + 2) 2^-24 sum |x w|; and both are within 2^-7 sum |x w| of the float
 * product (each factor rounded to 8 significant bits, within 2^-8 of itself: (1 + 2^-8)^2 - 1 <
 * 1.01 * 2^-7). Rounding is to nearest, ties to even.
 */
class Bf16LinearTest {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;
    private static final ValueLayout.OfShort S = ValueLayout.JAVA_SHORT;

    @ParameterizedTest(name = "rows={0} n={1} k={2} beta={3}")
    @CsvSource({"1, 1, 1, 0", "1, 7, 31, 0", "3, 17, 64, 1", "2, 129, 65, 0", "7, 33, 129, 1", "1, 1024, 512, 0", "5, 40, 300, 0.5"})
    void nativeAndJavaAgreeWithTheExactSumAndTheFloatProduct(int rows, int n, int k, float beta) {
        NativeKernels nativeKernels = KernelsForTests.nativeKernels();
        Kernels[] both = {new CheckedKernels(nativeKernels), new CheckedKernels(KernelsForTests.java())};
        int ldx = k + 3, ldy = n + 2;
        try (Arena arena = Arena.ofConfined()) {
            float[] xs = TestData.uniform(11 + k, rows * ldx, 2), ws = TestData.uniform(5 + n, n * k, 0.3), y0 = TestData.uniform(3, rows * ldy, 1);
            MemorySegment x = TestData.segment(arena, xs), wFloat = TestData.segment(arena, ws), w = arena.allocate(2L * n * k, 64);
            for (int r = 0; r < n; r++) {
                Bf16.roundRow(w, (long) r * k, wFloat, (long) r * k, k);
            }
            MemorySegment[] y = new MemorySegment[2], xb = new MemorySegment[2];
            for (int i = 0; i < 2; i++) {
                y[i] = TestData.segment(arena, y0);
                xb[i] = arena.allocate(2L * rows * k, 64);
                both[i].bf16Linear(y[i], ldy, xb[i], x, ldx, w, beta, rows, n, k);
            }
            assertEquals(-1, xb[0].mismatch(xb[1]), "native and java round x to different bf16 values");
            for (int b = 0; b < rows; b++) {
                for (int j = 0; j < ldy; j++) {
                    long at = (long) b * ldy + j;
                    float old = y0[(int) at];
                    if (j >= n) {
                        assertEquals(old, y[0].getAtIndex(F, at), "y[" + b + ", " + j + "] is outside the product and must not change");
                        continue;
                    }
                    double exact = 0, product = 0, magnitude = 0;
                    for (int i = 0; i < k; i++) {
                        exact += (double) Bf16.widen(xb[0].getAtIndex(S, (long) b * k + i)) * Bf16.widen(w.getAtIndex(S, (long) j * k + i));
                        product += (double) xs[b * ldx + i] * ws[j * k + i];
                        magnitude += Math.abs((double) xs[b * ldx + i] * ws[j * k + i]);
                    }
                    double prior = beta == 0 ? 0 : (double) beta * old;
                    double rounding = (k + 2) * TestData.EPS * (1.01 * magnitude + Math.abs(prior));
                    for (int i = 0; i < 2; i++) {
                        double got = y[i].getAtIndex(F, at) - prior;
                        String who = i == 0 ? "native (" + NativeKernels.bf16Path() + ")" : "java";
                        assertTrue(Math.abs(got - exact) <= rounding, who + " y[" + b + ", " + j + "] = " + got + ", exact bf16 sum " + exact);
                        assertTrue(Math.abs(got - product) <= 0x1p-7 * 1.01 * magnitude + rounding,
                                who + " y[" + b + ", " + j + "] = " + got + ", float product " + product);
                    }
                }
            }
        }
    }

    @org.junit.jupiter.api.Test
    void checkedKernelsNameTheBufferThatIsWrong() {
        Kernels checked = new CheckedKernels(KernelsForTests.java());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment y = arena.allocate(4L * 8, 64), x = arena.allocate(4L * 8, 64), xb = arena.allocate(16, 64);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> checked.bf16Linear(y, 2, xb, x, 4, arena.allocate(15), 0f, 1, 2, 4));
            assertTrue(e.getMessage().contains("w (n, k) bf16 needs 16 bytes, got a segment of 15 bytes"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> checked.bf16Linear(y, 2, x, x, 4, arena.allocate(16), 0f, 1, 2, 4));
            assertTrue(e.getMessage().contains("must not overlap"), e.getMessage());
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"1.0", "-3.14159", "1.00390625", "1.01171875", "65504", "1e-30", "3.3895314e38"})
    void roundingIsToNearestTiesToEven(float value) {
        float rounded = Bf16.widen(Bf16.round(value));
        float ulp = Math.ulp(rounded) * 65536;                                       // bf16 spacing at this magnitude
        assertTrue(Math.abs(rounded - value) <= ulp / 2, value + " rounded to " + rounded);
        if (Math.abs(rounded - value) == ulp / 2) {
            assertEquals(0, (Float.floatToRawIntBits(rounded) >>> 16) & 1, value + ": a tie must round to an even bf16");
        }
        assertTrue(Float.isNaN(Bf16.widen(Bf16.round(Float.NaN))));
    }
}
