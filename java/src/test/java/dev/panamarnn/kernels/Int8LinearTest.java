package dev.panamarnn.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.internal.kernels.Int8Packing;
import dev.panamarnn.internal.kernels.Int8Rows;
import dev.panamarnn.internal.kernels.NativeKernels;
import dev.panamarnn.testing.TestData;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The int8 product (Kernels.int8Linear, rnnk_q8_linear): librnnk and the pure-Java specification
 * give the same bits — quantized bytes, scales and outputs — over awkward sizes, strides and beta,
 * with the weights in the packed layout (checked against rnnk.h's definition);
 * and both are within the quantization's error bound of the double-precision product of the float
 * inputs and float weights: |y - x.w| <= sum_k (|w_k| s_x / 2 + |x_k| s_w / 2 + s_x s_w / 4), plus
 * float rounding.
 */
class Int8LinearTest {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;

    @ParameterizedTest(name = "rows={0} n={1} k={2} beta={3}")
    @CsvSource({"1, 1, 1, 0", "1, 7, 31, 0", "3, 17, 64, 1", "2, 129, 65, 0", "7, 33, 129, 1", "1, 1024, 512, 0", "5, 40, 300, 0.5",
        "4, 12, 64, 0", "9, 30, 100, 1", "10, 64, 256, 0.5", "11, 5, 15, 0",
        // librnnk's VNNI blocks of 6 rows x 64 outputs: rows a multiple of 6 and 1-5 past one; n a multiple of 64, of 16, neither;
        // k % 4 = 0, 1, 2, 3
        "6, 64, 64, 0", "7, 80, 70, 1", "12, 128, 33, 0.5", "13, 100, 2, 0", "17, 200, 131, 1",
        "1, 70, 20, 0", "19, 64, 36, 1",   // one row (the odd groups apart), an odd number of groups
        "8, 600, 20, 1"})                  // two chunks of 512 outputs, the second partial
    void nativeEqualsJavaBitForBitAndBothAreWithinTheQuantizationBound(int rows, int n, int k, float beta) {
        NativeKernels nativeKernels = KernelsForTests.nativeKernels();
        Kernels java = KernelsForTests.java();
        int ldx = k + 3, ldy = n + 2;
        try (Arena arena = Arena.ofConfined()) {
            float[] xs = TestData.uniform(11 + k, rows * ldx, 2), ws = TestData.uniform(5 + n, n * k, 0.3), y0 = TestData.uniform(3, rows * ldy, 1);
            MemorySegment x = TestData.segment(arena, xs), wFloat = TestData.segment(arena, ws);
            MemorySegment wRows = arena.allocate(n * (long) k), wScale = arena.allocate(4L * n, 64), wComp = arena.allocate(4L * n, 64);
            for (int r = 0; r < n; r++) {
                wScale.setAtIndex(F, r, Int8Rows.quantize(wRows, (long) r * k, 0, wFloat, (long) r * k, k));
                wComp.setAtIndex(ValueLayout.JAVA_INT, r, Int8Rows.compensation(wRows, (long) r * k, k));
            }
            MemorySegment w = packed(arena, wRows, n, k);
            MemorySegment[] y = new MemorySegment[2], xq = new MemorySegment[2], xScale = new MemorySegment[2];
            Kernels[] both = {new CheckedKernels(nativeKernels), new CheckedKernels(java)};
            for (int i = 0; i < 2; i++) {
                y[i] = TestData.segment(arena, y0);
                xq[i] = arena.allocate(rows * Int8Packing.rowStride(k));
                xScale[i] = arena.allocate(4L * rows, 64);
                both[i].int8Linear(y[i], ldy, xq[i], xScale[i], x, ldx, w, wScale, wComp, beta, rows, n, k);
            }
            assertEquals(-1, xq[0].mismatch(xq[1]), "quantized rows differ between native and java");
            assertEquals(-1, xScale[0].mismatch(xScale[1]), "row scales differ between native and java");
            assertEquals(-1, y[0].mismatch(y[1]), "outputs differ between native (" + NativeKernels.int8Path() + ") and java");
            for (int b = 0; b < rows; b++) {
                float sx = xScale[0].getAtIndex(F, b);
                for (int j = 0; j < ldy; j++) {
                    float got = y[0].getAtIndex(F, (long) b * ldy + j), old = y0[b * ldy + j];
                    if (j >= n) {
                        assertEquals(old, got, "y[" + b + ", " + j + "] is outside the product and must not change");
                        continue;
                    }
                    double exact = 0, bound = 0, magnitude = 0;
                    float sw = wScale.getAtIndex(F, j);
                    for (int i = 0; i < k; i++) {
                        double xi = xs[b * ldx + i], wi = ws[j * k + i];
                        exact += xi * wi;
                        bound += Math.abs(wi) * sx / 2 + Math.abs(xi) * sw / 2 + sx * sw / 4;
                        magnitude += Math.abs(xi * wi);
                    }
                    double rounding = 4 * TestData.EPS * (magnitude + Math.abs(old) + bound);
                    double dequantized = got - (beta == 0 ? 0 : (double) beta * old);
                    assertTrue(Math.abs(dequantized - exact) <= bound + rounding, "y[" + b + ", " + j + "] = " + dequantized
                            + ", float product " + exact + ", bound " + (bound + rounding));
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"java", "native"})
    void aRowWithANaNGivesNaNOutputsAndAZeroRowGivesZeros(String which) {
        int rows = 3, n = 5, k = 9;
        try (Arena arena = Arena.ofConfined()) {
            float[] xs = TestData.uniform(1, rows * k, 1);
            java.util.Arrays.fill(xs, k, 2 * k, 0f);                  // row 1: zeros
            xs[2 * k + 4] = Float.NaN;                                // row 2: a NaN
            MemorySegment x = TestData.segment(arena, xs), y = arena.allocate(4L * rows * n, 64);
            MemorySegment wRows = arena.allocate((long) n * k), wScale = TestData.segment(arena, new float[] {1, 1, 1, 1, 1});
            MemorySegment wComp = arena.allocate(4L * n, 64), xq = arena.allocate(rows * Int8Packing.rowStride(k));
            MemorySegment xScale = arena.allocate(4L * rows, 64);
            wRows.fill((byte) 1);
            for (int r = 0; r < n; r++) {
                wComp.setAtIndex(ValueLayout.JAVA_INT, r, Int8Rows.compensation(wRows, (long) r * k, k));
            }
            MemorySegment w = packed(arena, wRows, n, k);
            new CheckedKernels(kernels(which)).int8Linear(y, n, xq, xScale, x, k, w, wScale, wComp, 0f, rows, n, k);
            for (int j = 0; j < n; j++) {
                assertTrue(Float.isFinite(y.getAtIndex(F, j)) && y.getAtIndex(F, j) != 0f, "row 0");
                assertEquals(0f, y.getAtIndex(F, n + j), "row 1 (zeros)");
                assertTrue(Float.isNaN(y.getAtIndex(F, 2L * n + j)), "row 2 (NaN)");
            }
        }
    }

    private static Kernels kernels(String which) {
        return which.equals("native") ? KernelsForTests.nativeKernels() : KernelsForTests.java();
    }

    /** w (n, k) rows, packed by {@link Int8Packing#packRow} into a zeroed segment of {@link Int8Packing#packedBytes}. */
    private static MemorySegment packed(Arena arena, MemorySegment wRows, int n, int k) {
        MemorySegment w = arena.allocate(Int8Packing.packedBytes(n, k));
        for (int r = 0; r < n; r++) {
            Int8Packing.packRow(w, r, wRows.asSlice((long) r * k, k), k);
        }
        return w;
    }

    /**
     * The packed layout, against its definition in rnnk.h written out here: w[j, i] at byte
     * (j / 64) * 64 * k4 + (i / 4) * 256 + (j % 64) * 4 + i % 4 with k4 = round_up(k, 4); every
     * other byte (rows past n, columns past k) zero; the size round_up(n, 64) * k4.
     */
    @ParameterizedTest(name = "n={0} k={1}")
    @CsvSource({"1, 1", "5, 3", "64, 4", "65, 7", "130, 258"})
    void theWeightsArePackedAsRnnkHSays(int n, int k) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment wRows = arena.allocate((long) n * k);
            for (long i = 0; i < (long) n * k; i++) {
                wRows.set(ValueLayout.JAVA_BYTE, i, (byte) (i % 253 - 126 == 0 ? 1 : i % 253 - 126));   // no zeros
            }
            MemorySegment w = packed(arena, wRows, n, k);
            long k4 = (k + 3) / 4 * 4;
            assertEquals((n + 63) / 64 * 64 * k4, w.byteSize(), "packed size");
            boolean[] used = new boolean[(int) w.byteSize()];
            for (int j = 0; j < n; j++) {
                for (int i = 0; i < k; i++) {
                    long at = (j / 64) * 64 * k4 + (i / 4) * 256L + (j % 64) * 4L + i % 4;
                    used[(int) at] = true;
                    assertEquals(wRows.get(ValueLayout.JAVA_BYTE, (long) j * k + i), w.get(ValueLayout.JAVA_BYTE, at), "w[" + j + ", " + i + "]");
                }
            }
            for (int at = 0; at < used.length; at++) {
                if (!used[at]) {
                    assertEquals(0, w.get(ValueLayout.JAVA_BYTE, at), "padding byte " + at);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"java", "native"})
    void theQuantizedRowsArePaddedToWholeGroupsOfFourWithTheCodeForZero(String which) {
        int rows = 2, n = 3, k = 5;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment x = TestData.segment(arena, TestData.uniform(4, rows * k, 1)), y = arena.allocate(4L * rows * n, 64);
            MemorySegment w = arena.allocate(Int8Packing.packedBytes(n, k)), wScale = TestData.segment(arena, new float[] {1, 1, 1});
            MemorySegment wComp = arena.allocate(4L * n, 64), xq = arena.allocate(rows * 8L), xScale = arena.allocate(4L * rows, 64);
            xq.fill((byte) 7);
            new CheckedKernels(kernels(which)).int8Linear(y, n, xq, xScale, x, k, w, wScale, wComp, 0f, rows, n, k);
            for (int b = 0; b < rows; b++) {
                for (int i = k; i < 8; i++) {
                    assertEquals(Int8Rows.ACTIVATION_OFFSET, Byte.toUnsignedInt(xq.get(ValueLayout.JAVA_BYTE, b * 8L + i)), "xq[" + b + ", " + i + "]");
                }
            }
        }
    }

    @org.junit.jupiter.api.Test
    void checkedKernelsNameTheBufferThatIsTooSmall() {
        Kernels checked = new CheckedKernels(KernelsForTests.java());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment y = arena.allocate(4L * 8, 64), x = arena.allocate(4L * 8, 64), w = arena.allocate(255);
            MemorySegment s = arena.allocate(4L * 8, 64), c = arena.allocate(4L * 8, 64), q = arena.allocate(8), qs = arena.allocate(4, 64);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> checked.int8Linear(y, 2, q, qs, x, 4, w, s, c, 0f, 1, 2, 4));
            assertTrue(e.getMessage().contains("w (n, k) int8 packed needs 256 bytes, got a segment of 255 bytes"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> checked.int8Linear(y, 2, arena.allocate(3), qs, x, 3, arena.allocate(256), s, c, 0f, 1, 2, 3));
            assertTrue(e.getMessage().contains("xq (rows, round_up(k, 4)) uint8 needs 4 bytes, got a segment of 3 bytes"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> checked.int8Linear(y, 2, x, qs, x, 4, arena.allocate(256), s, c, 0f, 1, 2, 4),
                    "xq overlapping x");
            e = assertThrows(IllegalArgumentException.class, () -> checked.int8Linear(y, 2, q, qs, x, 4, w, s, c, 0f, 0, 0, 200_000));
            assertTrue(e.getMessage().contains("k must be at most 133144"), e.getMessage());
        }
    }
}
