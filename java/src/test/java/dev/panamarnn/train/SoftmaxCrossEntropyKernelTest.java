package dev.panamarnn.train;

import static dev.panamarnn.testing.TestData.array;
import static dev.panamarnn.testing.TestData.maxDiff;
import static dev.panamarnn.testing.TestData.segment;
import static dev.panamarnn.testing.TestData.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.panamarnn.kernels.CheckedKernels;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.kernels.KernelsForTests;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The fused softmax cross-entropy kernel (Kernels#softmaxCrossEntropyForwardBackward): Java and
 * native against the formulas evaluated in double and against each other, over awkward sizes,
 * with logits of +-80 (no overflow), masked rows, the in-place and the loss-only forms, and the
 * checks of the validating front door.
 */
class SoftmaxCrossEntropyKernelTest {
    static final int[] SIZES = {1, 3, 7, 17, 129, 1000};

    static Stream<Arguments> sizes() {
        List<Arguments> cases = new ArrayList<>();
        for (int n : SIZES) {
            for (int v : SIZES) {
                cases.add(Arguments.of(n, v, 4.0));
                cases.add(Arguments.of(n, v, 80.0));
            }
        }
        return cases.stream();
    }

    /** Seeded case: logits in +-scale, targets in [0, V), mask 0 on every fourth row (N > 1), 0.5 on some. */
    record Case(int rows, int vocab, float[] logits, int[] targets, float[] mask, double count) {
        static Case of(int rows, int vocab, double scale, long seed) {
            float[] logits = uniform(seed, rows * vocab, scale);
            SplittableRandom random = new SplittableRandom(seed + 1);
            int[] targets = new int[rows];
            float[] mask = new float[rows];
            double count = 0;
            for (int n = 0; n < rows; n++) {
                targets[n] = random.nextInt(vocab);
                mask[n] = rows > 1 && n % 4 == 1 ? 0f : n % 3 == 2 ? 0.5f : 1f;
                count += mask[n];
            }
            return new Case(rows, vocab, logits, targets, mask, count);
        }
    }

    /** -log softmax(x)[t] of row n in double. */
    static double referenceLoss(float[] logits, int vocab, int n, int t) {
        double m = Double.NEGATIVE_INFINITY, s = 0;
        for (int j = 0; j < vocab; j++) {
            m = Math.max(m, logits[n * vocab + j]);
        }
        for (int j = 0; j < vocab; j++) {
            s += Math.exp(logits[n * vocab + j] - m);
        }
        return Math.log(s) - (logits[n * vocab + t] - m);
    }

    static MemorySegment ints(Arena arena, int[] values) {
        MemorySegment s = arena.allocate(ValueLayout.JAVA_INT, Math.max(values.length, 1));
        MemorySegment.copy(values, 0, s, ValueLayout.JAVA_INT, 0, values.length);
        return s.asSlice(0, (long) values.length * Integer.BYTES);
    }

    /** Runs the kernel: {dlogits, losses, {sum}}. */
    static float[][] run(Kernels kernels, Case c, boolean masked) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment dlogits = arena.allocate((long) c.rows * c.vocab * Float.BYTES, 64);
            MemorySegment losses = arena.allocate((long) c.rows * Float.BYTES, 64);
            float scale = (float) (1 / (masked ? c.count : c.rows));
            double sum = kernels.softmaxCrossEntropyForwardBackward(dlogits, losses, segment(arena, c.logits),
                    ints(arena, c.targets), masked ? segment(arena, c.mask) : MemorySegment.NULL, scale, c.rows, c.vocab);
            return new float[][] {array(dlogits), array(losses), {(float) sum}};
        }
    }

    @ParameterizedTest(name = "N={0} V={1} logits in +-{2}")
    @MethodSource("sizes")
    void javaAndNativeMatchDoublePrecisionAndEachOther(int rows, int vocab, double scale) {
        Case c = Case.of(rows, vocab, scale, 31L * rows + vocab + (long) scale);
        float[][] java = run(KernelsForTests.java(), c, true);
        float[][] nat = run(KernelsForTests.nativeKernels(), c, true);
        float gradScale = (float) (1 / c.count);
        double wantSum = 0;
        for (int n = 0; n < rows; n++) {
            double w = c.mask[n];
            if (w == 0) {
                for (float[][] got : List.of(java, nat)) {
                    assertEquals(0f, got[1][n], "masked row " + n + " loss");
                    for (int j = 0; j < vocab; j++) {
                        assertEquals(0f, got[0][n * vocab + j], "masked row " + n + " gradient");
                    }
                }
                continue;
            }
            double loss = referenceLoss(c.logits, vocab, n, c.targets[n]);
            wantSum += w * loss;
            double m = Double.NEGATIVE_INFINITY, s = 0;
            for (int j = 0; j < vocab; j++) {
                m = Math.max(m, c.logits[n * vocab + j]);
            }
            for (int j = 0; j < vocab; j++) {
                s += Math.exp(c.logits[n * vocab + j] - m);
            }
            for (float[][] got : List.of(java, nat)) {
                String who = got == java ? "java" : "native";
                check(who + " loss row " + n, loss, got[1][n], 1e-6 * (1 + Math.abs(loss)));
                assertTrue(Float.isFinite(got[1][n]), who + " loss finite");
                double ws = w * gradScale;
                for (int j = 0; j < vocab; j++) {
                    double g = ws * (Math.exp(c.logits[n * vocab + j] - m) / s - (j == c.targets[n] ? 1 : 0));
                    check(who + " dlogits[" + n + ", " + j + "]", g, got[0][n * vocab + j], 1e-6 * ws);
                }
            }
        }
        check("java sum", wantSum, java[2][0], 1e-6 * (1 + Math.abs(wantSum)));
        check("native sum", wantSum, nat[2][0], 1e-6 * (1 + Math.abs(wantSum)));
        // java vs native: both within a few ulp of double precision, so of each other
        for (int k = 0; k < java[0].length; k++) {
            if (!(Math.abs(java[0][k] - nat[0][k]) <= 2e-6 * gradScale)) {
                fail("java vs native dlogits: " + maxDiff(java[0], nat[0]));
            }
        }
    }

    @Test
    void rowGradientsSumToZeroAndEachRowAveragesTheMaskedMean() {
        // sum_j (softmax - onehot)_j = 0 for every row: a property, not a reference value
        Case c = Case.of(5, 33, 6, 99);
        for (Kernels kernels : List.of(KernelsForTests.java(), KernelsForTests.nativeKernels())) {
            float[][] got = run(kernels, c, true);
            for (int n = 0; n < c.rows; n++) {
                double rowSum = 0;
                for (int j = 0; j < c.vocab; j++) {
                    rowSum += got[0][n * c.vocab + j];
                }
                assertEquals(0, rowSum, 1e-7, kernels.name() + " row " + n + " gradient sums to 0");
            }
        }
    }

    @Test
    void inPlaceAndLossOnlyFormsGiveTheSameNumbers() {
        Case c = Case.of(17, 129, 10, 5);
        for (Kernels kernels : List.of(KernelsForTests.java(), KernelsForTests.nativeKernels())) {
            float[][] reference = run(kernels, c, true);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment logits = segment(arena, c.logits), targets = ints(arena, c.targets), mask = segment(arena, c.mask);
                MemorySegment losses = arena.allocate((long) c.rows * Float.BYTES);
                float scale = (float) (1 / c.count);
                double lossOnly = kernels.softmaxCrossEntropyForwardBackward(MemorySegment.NULL, losses, logits, targets,
                        mask, scale, c.rows, c.vocab);
                assertEquals(reference[2][0], (float) lossOnly, kernels.name() + " loss-only sum");
                assertArrayEquals(reference[1], array(losses), kernels.name() + " loss-only per-row losses");
                assertArrayEquals(c.logits, array(logits), kernels.name() + " loss-only leaves the logits alone");
                double inPlace = kernels.softmaxCrossEntropyForwardBackward(logits, MemorySegment.NULL, logits, targets,
                        mask, scale, c.rows, c.vocab);
                assertEquals(reference[2][0], (float) inPlace, kernels.name() + " in-place sum");
                assertArrayEquals(reference[0], array(logits), kernels.name() + " in-place gradient");
            }
        }
    }

    @Test
    void hugeLogitsStayFiniteAndNanStaysInItsRow() {
        for (Kernels kernels : List.of(KernelsForTests.java(), KernelsForTests.nativeKernels())) {
            try (Arena arena = Arena.ofConfined()) {
                float[] x = {1e30f, -1e30f, 0f, 1e30f, -3f,      // two equal maxima far beyond exp's range
                             1f, Float.NaN, 2f, 3f, 4f,          // a NaN
                             -80f, 80f, 79f, -80f, 0f};          // +-80
                MemorySegment dl = arena.allocate(15L * Float.BYTES), losses = arena.allocate(3L * Float.BYTES);
                kernels.softmaxCrossEntropyForwardBackward(dl, losses, segment(arena, x), ints(arena, new int[] {0, 2, 0}),
                        MemorySegment.NULL, 1f, 3, 5);
                float[] d = array(dl), l = array(losses);
                assertEquals(Math.log(2), l[0], 1e-6, kernels.name() + ": the two maxima share the mass");
                assertEquals(-0.5f, d[0], 1e-7f);
                assertEquals(0.5f, d[3], 1e-7f);
                assertTrue(Float.isNaN(l[1]) && Float.isNaN(d[5]) && Float.isNaN(d[9]), kernels.name() + ": NaN row is NaN");
                double want = referenceLoss(x, 5, 2, 0);   // 160 + log(1 + e^-1 + ...)
                assertEquals(want, l[2], 1e-6 * want, kernels.name() + ": logits of +-80");
                assertEquals(-1f, d[10], 1e-6f, kernels.name() + ": p_target ~ e^-160 ~ 0, gradient -1");
            }
        }
    }

    @Test
    void frontDoorRejectsBadTargetsMasksAndOverlaps() {
        Kernels checked = new CheckedKernels(KernelsForTests.java());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment logits = arena.allocate(6L * Float.BYTES), d = arena.allocate(6L * Float.BYTES);
            var e = assertThrows(IllegalArgumentException.class, () -> checked.softmaxCrossEntropyForwardBackward(d, null,
                    logits, ints(arena, new int[] {1, 3}), null, 1f, 2, 3));
            assertTrue(e.getMessage().contains("targets[1] must be a class id in [0, 3), got 3"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> checked.softmaxCrossEntropyForwardBackward(d, null,
                    logits, ints(arena, new int[] {-1, 0}), null, 1f, 2, 3));
            assertTrue(e.getMessage().contains("got -1"), e.getMessage());
            // a masked row's target is not read, so it may be anything (e.g. PyTorch's ignore_index -100)
            checked.softmaxCrossEntropyForwardBackward(d, null, logits, ints(arena, new int[] {-100, 0}),
                    segment(arena, new float[] {0, 1}), 1f, 2, 3);
            e = assertThrows(IllegalArgumentException.class, () -> checked.softmaxCrossEntropyForwardBackward(d, null,
                    logits, ints(arena, new int[] {0, 0}), segment(arena, new float[] {1, Float.NaN}), 1f, 2, 3));
            assertTrue(e.getMessage().contains("mask[1] must be finite and >= 0, got NaN"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> checked.softmaxCrossEntropyForwardBackward(
                    logits.asSlice(4), null, logits, ints(arena, new int[] {0}), null, 1f, 1, 3));
            assertTrue(e.getMessage().contains("must not overlap"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> checked.softmaxCrossEntropyForwardBackward(d, null,
                    logits, ints(arena, new int[] {0, 0}), null, 1f, 3, 3));
            assertTrue(e.getMessage().contains("logits (N, V) needs 9 floats"), e.getMessage());
        }
    }

    static void check(String what, double expected, double actual, double tolerance) {
        if (!(Math.abs(expected - actual) <= tolerance)) {
            fail(what + ": expected " + expected + ", got " + actual + ", |diff| " + Math.abs(expected - actual) + " > " + tolerance);
        }
    }
}
