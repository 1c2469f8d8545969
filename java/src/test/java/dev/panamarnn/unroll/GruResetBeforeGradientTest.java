package dev.panamarnn.unroll;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.CellType;
import dev.panamarnn.Rnn;
import dev.panamarnn.RnnConfig;
import dev.panamarnn.Workspace;
import dev.panamarnn.kernels.KernelSelection;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.kernels.KernelsForTests;
import dev.panamarnn.tensor.Tensor;
import dev.panamarnn.testing.TestData;
import java.lang.foreign.Arena;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every gradient of a bidirectional reset-before GRU layer with an initial state and variable
 * lengths (dL/dx, dL/dh0, dL/dW_ih, dL/dW_hh, dL/db_ih, dL/db_hh of both directions) against
 * central finite differences, element by element, of a forward written here in double precision
 * (its own code: n = tanh(W_in x + b_in + W_hn (r h) + b_hn)); and the outputs against that
 * forward. Java and native kernels. The maximum differences are printed.
 */
class GruResetBeforeGradientTest {
    static final int T = 4, B = 3, I = 3, H = 4;
    static final int[] LENGTHS = {4, 2, 3};

    @ParameterizedTest
    @ValueSource(strings = {"java", "native"})
    void everyGradientMatchesFiniteDifferencesInDouble(String kernelsName) {
        Kernels kernels = kernelsName.equals("java") ? KernelSelection.java() : KernelsForTests.nativeKernels();
        RnnConfig config = RnnConfig.builder(CellType.GRU_RESET_BEFORE, I, H).bidirectional(true).seed(5).build();
        try (Rnn rnn = Rnn.create(config, kernels);
             Workspace ws = rnn.workspace(T, B);
             Arena arena = Arena.ofConfined()) {
            // bigger weights than the default init, so the gates leave their linear range
            Map<String, double[]> p = new LinkedHashMap<>();
            for (var e : rnn.parameters().tensors().entrySet()) {
                Tensor t = e.getValue();
                for (long i = 0; i < t.size(); i++) {
                    t.set(i, t.get(i) * 2.5f);
                }
                p.put(e.getKey(), toDouble(t.toArray()));
            }
            float[] xs = TestData.uniform(1, T * B * I, 1), h0s = TestData.uniform(2, 2 * B * H, 0.5);
            float[] wOut = TestData.uniform(3, T * B * 2 * H, 1), wH = TestData.uniform(4, 2 * B * H, 1);
            Tensor x = Tensor.allocate(arena, T, B, I).copyFrom(xs);
            Tensor h0 = Tensor.allocate(arena, 2, B, H).copyFrom(h0s);
            ws.forward(x, LENGTHS, h0, null, true);
            rnn.zeroGradients();
            ws.backward(Tensor.allocate(arena, T, B, 2 * H).copyFrom(wOut), Tensor.allocate(arena, 2, B, H).copyFrom(wH), null);

            double[] xd = toDouble(xs), h0d = toDouble(h0s), wOutD = toDouble(wOut), wHD = toDouble(wH);
            // outputs: float pass vs double forward
            double[] y = new double[T * B * 2 * H], hn = new double[2 * B * H];
            forward(p, xd, h0d, y, hn);
            double outputs = Math.max(maxDiff(y, ws.output().toArray()), maxDiff(hn, ws.finalHidden().toArray()));
            assertTrue(outputs < 2e-6, "outputs differ from the double forward by " + outputs);

            java.util.function.DoubleSupplier loss = () -> {
                double[] yy = new double[y.length], hh = new double[hn.length];
                forward(p, xd, h0d, yy, hh);
                return dot(yy, wOutD) + dot(hh, wHD);
            };
            double worst = check("x", xd, ws.inputGradient().toArray(), loss);
            worst = Math.max(worst, check("h0", h0d, ws.initialHiddenGradient().toArray(), loss));
            for (var e : p.entrySet()) {
                worst = Math.max(worst, check(e.getKey(), e.getValue(), rnn.gradients().get(e.getKey()).toArray(), loss));
            }
            System.out.printf("gru_reset_before on %s: outputs vs double forward %.3g; gradients vs finite differences in double, "
                    + "largest |diff| / (1 + |fd|) %.3g%n", kernelsName, outputs, worst);
        }
    }

    /** Each element's gradient against (L(v + e) - L(v - e)) / 2e, e = 1e-6; returns the largest scaled difference. */
    private static double check(String name, double[] values, float[] grad, java.util.function.DoubleSupplier loss) {
        double worst = 0;
        for (int i = 0; i < values.length; i++) {
            double saved = values[i], eps = 1e-6;
            values[i] = saved + eps;
            double plus = loss.getAsDouble();
            values[i] = saved - eps;
            double minus = loss.getAsDouble();
            values[i] = saved;
            double fd = (plus - minus) / (2 * eps), scaled = Math.abs(fd - grad[i]) / (1 + Math.abs(fd));
            assertTrue(scaled <= 2e-5, name + "[" + i + "]: gradient " + grad[i] + ", finite difference " + fd);
            worst = Math.max(worst, scaled);
        }
        return worst;
    }

    /**
     * The layer in double: y (T, B, 2H) with zeros at padded steps, hn (2, B, H) each row's state
     * at its own last step (the reverse direction starts at t = length - 1 from h0).
     */
    static void forward(Map<String, double[]> p, double[] x, double[] h0, double[] y, double[] hn) {
        for (int d = 0; d < 2; d++) {
            String sfx = d == 0 ? "_l0" : "_l0_reverse";
            double[] wIh = p.get("weight_ih" + sfx), wHh = p.get("weight_hh" + sfx), bIh = p.get("bias_ih" + sfx), bHh = p.get("bias_hh" + sfx);
            for (int b = 0; b < B; b++) {
                double[] h = new double[H];
                System.arraycopy(h0, (d * B + b) * H, h, 0, H);
                for (int i = 0; i < LENGTHS[b]; i++) {
                    int t = d == 0 ? i : LENGTHS[b] - 1 - i;
                    double[] gi = new double[3 * H], r = new double[H], z = new double[H], rh = new double[H];
                    for (int g = 0; g < 3 * H; g++) {
                        gi[g] = bIh[g];
                        for (int k = 0; k < I; k++) {
                            gi[g] += wIh[g * I + k] * x[(t * B + b) * I + k];             // W_ih x + b_ih
                        }
                    }
                    for (int j = 0; j < H; j++) {
                        double hr = bHh[j], hz = bHh[H + j];
                        for (int k = 0; k < H; k++) {
                            hr += wHh[j * H + k] * h[k];
                            hz += wHh[(H + j) * H + k] * h[k];
                        }
                        r[j] = sigmoid(gi[j] + hr);                                       // reset gate
                        z[j] = sigmoid(gi[H + j] + hz);                                   // update gate
                        rh[j] = r[j] * h[j];
                    }
                    double[] next = new double[H];
                    for (int j = 0; j < H; j++) {
                        double hn2 = bHh[2 * H + j];
                        for (int k = 0; k < H; k++) {
                            hn2 += wHh[(2 * H + j) * H + k] * rh[k];                       // W_hn (r h) + b_hn
                        }
                        double n = Math.tanh(gi[2 * H + j] + hn2);
                        next[j] = (1 - z[j]) * n + z[j] * h[j];
                    }
                    h = next;
                    System.arraycopy(h, 0, y, (t * B + b) * 2 * H + d * H, H);
                }
                System.arraycopy(h, 0, hn, (d * B + b) * H, H);
            }
        }
    }

    static double sigmoid(double v) {
        return 1 / (1 + Math.exp(-v));
    }

    private static double[] toDouble(float[] values) {
        double[] d = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            d[i] = values[i];
        }
        return d;
    }

    private static double dot(double[] a, double[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }

    private static double maxDiff(double[] expected, float[] actual) {
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
        }
        return worst;
    }
}
