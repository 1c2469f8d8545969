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
 * The four kernels of a reset-before GRU step (ONNX linear_before_reset=0), chained as the cell
 * chains them, with the product by W_hn between them done here in double (rounded to float, so
 * both implementations get the same input): forward against the equations in double, backward
 * (dr_pre, dz_pre, dn_pre and dL/dh_{t-1} through z h_{t-1} and r h_{t-1}) against central finite
 * differences of a double-precision step, and Java vs native agreement, over awkward sizes.
 */
class GruResetBeforeStepTest {

    static double sig(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    /**
     * The loss of row b, sum_j wh_j h_t[j], with h_t from a double-precision step whose r, z
     * pre-activations are given and whose n pre-activation is given without (r h_{t-1}) W_hn^T.
     * @param pre   (B, 3H) x W_ih^T + b_ih + [h W_h{r,z}^T + b_h{r,z} | b_hn] (what the kernels sum)
     * @param hPrev (B, H)
     * @param wHn   (H, H) W_hn
     */
    static double rowLoss(double[] pre, double[] hPrev, double[] wHn, double[] wh, int b, int hidden) {
        int g = b * 3 * hidden, s = b * hidden;
        double[] rh = new double[hidden];
        for (int j = 0; j < hidden; j++) {
            rh[j] = sig(pre[g + j]) * hPrev[s + j];
        }
        double loss = 0;
        for (int j = 0; j < hidden; j++) {
            double hn = 0;
            for (int i = 0; i < hidden; i++) {
                hn += wHn[j * hidden + i] * rh[i];                 // (r h) W_hn^T
            }
            double z = sig(pre[g + hidden + j]), n = Math.tanh(pre[g + 2 * hidden + j] + hn);
            loss += wh[s + j] * ((1 - z) * n + z * hPrev[s + j]);
        }
        return loss;
    }

    @ParameterizedTest(name = "B={0} H={1}")
    @CsvSource({"1,1", "1,3", "3,7", "7,17", "2,64", "3,129", "17,5", "129,3"})
    void forwardAndBackwardMatchDoubleReferenceAndEachOther(int batch, int hidden) {
        int bh = batch * hidden, g3 = 3 * hidden;
        float[] xg = uniform(1, 3 * bh, 3);          // x W_ih^T, wide enough to saturate some gates
        float[] hrz = uniform(2, 2 * bh, 1);         // h_{t-1} W_h{r,z}^T
        float[] hPrev = uniform(3, bh, 1);
        float[] wh = uniform(4, bh, 1);              // dL/dh_t
        float[] bIh = uniform(5, g3, 1);
        float[] bHh = uniform(6, g3, 1);
        float[] wHn = uniform(7, hidden * hidden, 2 / Math.sqrt(hidden));
        double[] hPrevD = toDouble(hPrev), whD = toDouble(wh), wHnD = toDouble(wHn);

        float[][] results = new float[2][];
        for (Kernels kernels : List.of(KernelsForTests.java(), KernelsForTests.nativeKernels())) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment gates = segment(arena, xg), hp = segment(arena, hPrev);
                MemorySegment bi = segment(arena, bIh), bh2 = segment(arena, bHh);
                MemorySegment rh = arena.allocate(4L * bh), h = arena.allocate(4L * bh);
                kernels.gruResetBeforeGatesForwardStep(gates, rh, segment(arena, hrz), bi, bh2, hp, batch, hidden);
                float[] rhOut = array(rh);
                MemorySegment hn = segment(arena, times(rhOut, wHnD, batch, hidden, true));        // rh W_hn^T
                kernels.gruResetBeforeStateForwardStep(h, gates, hn, bi, bh2, hp, batch, hidden);
                MemorySegment dgates = arena.allocate(12L * bh), dhPrev = arena.allocate(4L * bh);
                kernels.gruResetBeforeStateBackwardStep(dgates, dhPrev, segment(arena, wh), gates, hp, batch, hidden);
                float[] dn = new float[bh];
                float[] dg = array(dgates);
                for (int b = 0; b < batch; b++) {
                    System.arraycopy(dg, b * g3 + 2 * hidden, dn, b * hidden, hidden);
                }
                MemorySegment drh = segment(arena, times(dn, wHnD, batch, hidden, false));         // dn_pre W_hn
                kernels.gruResetBeforeGatesBackwardStep(dgates, dhPrev, drh, gates, hp, batch, hidden);

                float[] act = array(gates), hOut = array(h), dgOut = array(dgates), dhOut = array(dhPrev);
                // the reference's pre-activations: the float sums the kernels form
                double[] pre = new double[3 * bh];
                for (int b = 0; b < batch; b++) {
                    for (int j = 0; j < hidden; j++) {
                        int g = b * g3 + j, q = b * 2 * hidden + j;
                        pre[g] = (xg[g] + bIh[j]) + (hrz[q] + bHh[j]);
                        pre[g + hidden] = (xg[g + hidden] + bIh[j + hidden]) + (hrz[q + hidden] + bHh[j + hidden]);
                        pre[g + 2 * hidden] = (double) (xg[g + 2 * hidden] + bIh[j + 2 * hidden]) + bHh[j + 2 * hidden];
                    }
                }
                String name = kernels.name();
                for (int b = 0; b < batch; b++) {
                    int row = b;
                    for (int j = 0; j < hidden; j++) {
                        int g = b * g3 + j, s = b * hidden + j;
                        double r = sig(pre[g]), z = sig(pre[g + hidden]);
                        double hnRef = 0;
                        for (int i = 0; i < hidden; i++) {
                            hnRef += wHnD[j * hidden + i] * (double) rhOut[b * hidden + i];
                        }
                        double n = Math.tanh(pre[g + 2 * hidden] + (float) hnRef);
                        check(name + " r", r, act[g], 1e-6);
                        check(name + " z", z, act[g + hidden], 1e-6);
                        check(name + " r h", r * hPrevD[s], rhOut[s], 1e-6);
                        check(name + " n", n, act[g + 2 * hidden], 1e-6);
                        check(name + " h", (1 - z) * n + z * hPrevD[s], hOut[s], 2e-6);
                        double fdH = centralDifference(hPrevD, s, () -> rowLoss(pre, hPrevD, wHnD, whD, row, hidden));
                        check(name + " dh_prev[" + s + "]", fdH, dhOut[s], 1e-5 * (1 + Math.abs(fdH)));
                    }
                    for (int k = b * g3; k < (b + 1) * g3; k++) {
                        int at = k;
                        double fd = centralDifference(pre, at, () -> rowLoss(pre, hPrevD, wHnD, whD, row, hidden));
                        check(name + " dgates[" + k + "]", fd, dgOut[k], 1e-5 * (1 + Math.abs(fd)));
                    }
                }
                results[kernels instanceof JavaKernels ? 0 : 1] = concat(act, rhOut, hOut, dgOut, dhOut);
            }
        }
        // Java vs native: both are within a few ulp of the reference, so within a few ulp of each other
        float[] java = results[0], nat = results[1];
        for (int k = 0; k < java.length; k++) {
            assertTrue(Math.abs(java[k] - nat[k]) <= 1e-6 * (1 + Math.abs(java[k])), "java vs native: " + maxDiff(java, nat));
        }
    }

    /** x (B, H) times W_hn^T (transposed) or W_hn, in double, rounded to float. */
    private static float[] times(float[] x, double[] w, int batch, int hidden, boolean transposed) {
        float[] y = new float[batch * hidden];
        for (int b = 0; b < batch; b++) {
            for (int j = 0; j < hidden; j++) {
                double sum = 0;
                for (int i = 0; i < hidden; i++) {
                    sum += x[b * hidden + i] * (transposed ? w[j * hidden + i] : w[i * hidden + j]);
                }
                y[b * hidden + j] = (float) sum;
            }
        }
        return y;
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
