package dev.panamarnn.train;

import static dev.panamarnn.testing.TestData.array;
import static dev.panamarnn.testing.TestData.segment;
import static dev.panamarnn.testing.TestData.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.kernels.CheckedKernels;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.kernels.KernelsForTests;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The fused optimizer updates (Kernels#adamStep, #sgdStep): JavaKernels and NativeKernels round
 * every operation the same way, so they must agree bit for bit over awkward sizes and every option
 * (the comparison with torch.optim itself is in OptimizerFixtureTest), and the front door rejects
 * bad sizes, overlaps and hyperparameters.
 */
class OptimizerKernelsTest {

    /** Three Adam/AdamW steps from seeded state; returns param, m, v concatenated. */
    static float[] adam(Kernels kernels, int n, boolean decoupled, double weightDecay) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment p = segment(arena, uniform(1, n, 1)), m = segment(arena, uniform(2, n, 0.1));
            MemorySegment v = segment(arena, uniform(3, n, 0.01)), g = segment(arena, uniform(4, n, 0.5));
            for (long k = 0; k < n; k++) {   // v >= 0
                v.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, k, Math.abs(v.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, k)));
            }
            for (int t = 1; t <= 3; t++) {
                kernels.adamStep(p, m, v, g, 1e-3 * t, 0.9, 0.999, 1e-8, weightDecay, decoupled,
                        1 - Math.pow(0.9, t), 1 - Math.pow(0.999, t), n);
            }
            return concat(array(p), array(m), array(v));
        }
    }

    /** Three SGD steps; returns param and momentum buffer concatenated. */
    static float[] sgd(Kernels kernels, int n, double momentum, double dampening, double weightDecay, boolean nesterov) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment p = segment(arena, uniform(5, n, 1)), buf = segment(arena, new float[n]);
            for (int t = 1; t <= 3; t++) {
                MemorySegment g = segment(arena, uniform(10 + t, n, 1));
                kernels.sgdStep(p, momentum == 0 ? MemorySegment.NULL : buf, g, 0.05, momentum, dampening, weightDecay,
                        nesterov, t == 1, n);
            }
            return concat(array(p), array(buf));
        }
    }

    @ParameterizedTest(name = "n={0}")
    @ValueSource(ints = {1, 3, 7, 17, 129, 1000, 4099})
    void javaAndNativeAgreeBitForBit(int n) {
        Kernels java = KernelsForTests.java(), nat = KernelsForTests.nativeKernels();
        for (boolean decoupled : new boolean[] {false, true}) {
            for (double wd : new double[] {0, 0.1}) {
                assertArrayEquals(adam(java, n, decoupled, wd), adam(nat, n, decoupled, wd),
                        (decoupled ? "AdamW" : "Adam") + " weight decay " + wd);
            }
        }
        double[][] sgdOptions = {{0, 0, 0}, {0, 0, 0.01}, {0.9, 0, 0}, {0.9, 0.1, 0.01}, {0.9, 0, 0.01}};
        for (double[] o : sgdOptions) {
            for (boolean nesterov : new boolean[] {false, true}) {
                if (nesterov && (o[0] == 0 || o[1] != 0)) {
                    continue;
                }
                assertArrayEquals(sgd(java, n, o[0], o[1], o[2], nesterov), sgd(nat, n, o[0], o[1], o[2], nesterov),
                        "SGD momentum " + o[0] + " dampening " + o[1] + " weight decay " + o[2] + " nesterov " + nesterov);
            }
        }
    }

    @Test
    void frontDoorRejectsBadArguments() {
        Kernels checked = new CheckedKernels(KernelsForTests.java());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = arena.allocate(40), b = arena.allocate(40), c = arena.allocate(40), d = arena.allocate(40);
            var e = assertThrows(IllegalArgumentException.class,
                    () -> checked.adamStep(a, b, c, d, 1e-3, 0.9, 0.999, 1e-8, 0, false, 0.1, 0.001, 11));
            assertTrue(e.getMessage().contains("param (n) needs 11 floats"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> checked.adamStep(a, a.asSlice(4), c, d, 1e-3, 0.9, 0.999, 1e-8, 0, false, 0.1, 0.001, 5));
            assertTrue(e.getMessage().contains("must not overlap"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> checked.adamStep(a, b, c, d, Double.NaN, 0.9, 0.999, 1e-8, 0, false, 0.1, 0.001, 10));
            assertTrue(e.getMessage().contains("lr must be finite and >= 0, got NaN"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> checked.adamStep(a, b, c, d, 1e-3, 1.0, 0.999, 1e-8, 0, false, 0.1, 0.001, 10));
            assertTrue(e.getMessage().contains("beta1 and beta2 must be in [0, 1)"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> checked.adamStep(a, b, c, d, 1e-3, 0.9, 0.999, 1e-8, 0, false, 0, 0.001, 10));
            assertTrue(e.getMessage().contains("bias corrections"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> checked.sgdStep(a, null, d, 0.1, 0.9, 0, 0, false, true, 10));
            assertTrue(e.getMessage().contains("needs a momentum buffer"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> checked.sgdStep(a, b, d, 0.1, 0.9, 0.1, 0, true, true, 10));
            assertTrue(e.getMessage().contains("Nesterov momentum needs momentum > 0 and dampening 0"), e.getMessage());
        }
        Arena closed = Arena.ofConfined();
        MemorySegment gone = closed.allocate(40), g = Arena.ofAuto().allocate(40);
        closed.close();
        var e = assertThrows(IllegalStateException.class, () -> checked.sgdStep(gone, null, g, 0.1, 0, 0, 0, false, true, 10));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }

    static float[] concat(float[]... parts) {
        int n = 0;
        for (float[] p : parts) {
            n += p.length;
        }
        float[] all = new float[n];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }
}
