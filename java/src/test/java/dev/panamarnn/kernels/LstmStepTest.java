package dev.panamarnn.kernels;

import static dev.panamarnn.testing.TestData.array;
import static dev.panamarnn.testing.TestData.maxDiff;
import static dev.panamarnn.testing.TestData.segment;
import static dev.panamarnn.testing.TestData.uniform;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.panamarnn.internal.kernels.JavaKernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The fused LSTM step: forward against the equations evaluated in double, backward against
 * central finite differences of a double-precision forward, and Java vs native agreement.
 */
class LstmStepTest {

    /** Double-precision LSTM step; returns loss = sum(wh * h_t) + sum(wc * c_t). */
    static double loss(double[] pre, double[] cPrev, double[] wh, double[] wc, int batch, int hidden) {
        double loss = 0;
        for (int b = 0; b < batch; b++) {
            for (int j = 0; j < hidden; j++) {
                int g = b * 4 * hidden;
                double i = sig(pre[g + j]), f = sig(pre[g + hidden + j]);
                double gg = Math.tanh(pre[g + 2 * hidden + j]), o = sig(pre[g + 3 * hidden + j]);
                double c = f * cPrev[b * hidden + j] + i * gg;
                loss += wh[b * hidden + j] * o * Math.tanh(c) + wc[b * hidden + j] * c;
            }
        }
        return loss;
    }

    static double sig(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    @ParameterizedTest(name = "B={0} H={1}")
    @CsvSource({"1,1", "1,3", "3,7", "7,17", "2,64", "3,129", "17,5"})
    void forwardAndBackwardMatchDoubleReferenceAndEachOther(int batch, int hidden) {
        int bh = batch * hidden;
        float[] pre = uniform(1, 4 * bh, 3);        // pre-activations, wide enough to saturate some gates
        float[] cPrev = uniform(2, bh, 1.5);
        float[] wh = uniform(3, bh, 1);              // dL/dh_t
        float[] wc = uniform(4, bh, 1);              // dL/dc_t carried from step t+1
        float[] bias = uniform(5, 4 * hidden, 1);    // b_ih + b_hh, added by the kernel to every row
        // the reference's pre-activations: the float sums the kernel forms, GEMMs + bias
        double[] preD = new double[4 * bh];
        for (int k = 0; k < 4 * bh; k++) {
            preD[k] = pre[k] + bias[k % (4 * hidden)];
        }
        double[] cPrevD = toDouble(cPrev), whD = toDouble(wh), wcD = toDouble(wc);

        float[][] results = new float[2][];
        for (Kernels kernels : List.of(KernelsForTests.java(), KernelsForTests.nativeKernels())) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment gates = segment(arena, pre), cp = segment(arena, cPrev);
                MemorySegment h = arena.allocate(4L * bh), c = arena.allocate(4L * bh);
                kernels.lstmForwardStep(h, c, gates, segment(arena, bias), cp, batch, hidden);
                MemorySegment dgates = arena.allocate(16L * bh), dc = segment(arena, wc);
                kernels.lstmBackwardStep(dgates, dc, segment(arena, wh), gates, cp, c, batch, hidden);

                float[] hOut = array(h), cOut = array(c), dg = array(dgates), dcPrev = array(dc);
                for (int b = 0; b < batch; b++) {
                    for (int j = 0; j < hidden; j++) {
                        int g = b * 4 * hidden, s = b * hidden + j;
                        double i = sig(preD[g + j]), f = sig(preD[g + hidden + j]);
                        double gg = Math.tanh(preD[g + 2 * hidden + j]), o = sig(preD[g + 3 * hidden + j]);
                        double cRef = f * cPrevD[s] + i * gg;
                        check(kernels.name() + " c", cRef, cOut[s], 1e-6);
                        check(kernels.name() + " h", o * Math.tanh(cRef), hOut[s], 1e-6);
                        // dL/dc_{t-1} = f * dL/dc_t(total): finite difference w.r.t. c_prev
                        double fdC = centralDifference(cPrevD, s, () -> loss(preD, cPrevD, whD, wcD, batch, hidden));
                        check(kernels.name() + " dc_prev", fdC, dcPrev[s], 1e-5 * (1 + Math.abs(fdC)));
                    }
                }
                for (int k = 0; k < 4 * bh; k++) {
                    double fd = centralDifference(preD, k, () -> loss(preD, cPrevD, whD, wcD, batch, hidden));
                    check(kernels.name() + " dgates[" + k + "]", fd, dg[k], 1e-5 * (1 + Math.abs(fd)));
                }
                results[kernels instanceof JavaKernels ? 0 : 1] = concat(hOut, cOut, dg, dcPrev);
            }
        }
        // Java vs native: both are within a few ulp of the reference, so within a few ulp of each other
        float[] java = results[0], nat = results[1];
        for (int k = 0; k < java.length; k++) {
            assertTrue(Math.abs(java[k] - nat[k]) <= 1e-6 * (1 + Math.abs(java[k])),
                    "java vs native: " + maxDiff(java, nat));
        }
    }

    private static double centralDifference(double[] x, int k, java.util.function.DoubleSupplier f) {
        double h = 1e-6, saved = x[k];
        x[k] = saved + h;
        double plus = f.getAsDouble();
        x[k] = saved - h;
        double minus = f.getAsDouble();
        x[k] = saved;
        return (plus - minus) / (2 * h);
    }

    private static void check(String what, double expected, float actual, double tolerance) {
        if (!(Math.abs(expected - actual) <= tolerance)) {
            fail(what + ": expected " + expected + ", got " + actual + ", |diff| " + Math.abs(expected - actual) + " > " + tolerance);
        }
    }

    private static double[] toDouble(float[] values) {
        double[] d = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            d[i] = values[i];
        }
        return d;
    }

    private static float[] concat(float[]... parts) {
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
