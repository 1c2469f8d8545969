package dev.panamarnn.examples.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.panamarnn.CellType;
import dev.panamarnn.Rnn;
import dev.panamarnn.RnnConfig;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * dL/dh_t (and dL/dc_t) from {@link GradientNorms} against central finite differences of
 * L = sum_m u_m . h_T^(m) in double precision, computed by a double-precision reference of
 * PyTorch's cell equations written here from the parameters of the same network.
 */
class GradientNormsTest {
    static final int H = 3, I = 2, T = 12, M = 2;

    @Test
    void rnnGradientsMatchFiniteDifferences() {
        check(CellType.RNN_TANH);
    }

    @Test
    void gruGradientsMatchFiniteDifferences() {
        check(CellType.GRU);
    }

    @Test
    void lstmGradientsMatchFiniteDifferences() {
        check(CellType.LSTM);
    }

    @Test
    void anyBlockSizeGivesTheSameGradients() {
        try (Rnn rnn = Rnn.create(RnnConfig.builder(CellType.LSTM, I, H).seed(2).build())) {
            float[] x = inputs(), u = direction();
            GradientNorms.Result a = GradientNorms.compute(rnn, x, T, M, u, 1);
            GradientNorms.Result b = GradientNorms.compute(rnn, x, T, M, u, 100);
            for (int t = 0; t <= T; t++) {
                for (int i = 0; i < M * H; i++) {
                    assertEquals(a.dh()[t][i], b.dh()[t][i], 1e-5 * (1 + Math.abs(a.dh()[t][i])), "t=" + t + " i=" + i);
                }
            }
        }
    }

    @Test
    void rejectsStackedNetworksAndWrongSizes() {
        try (Rnn two = Rnn.create(RnnConfig.builder(CellType.GRU, I, H).layers(2).build());
             Rnn one = Rnn.create(RnnConfig.builder(CellType.GRU, I, H).build())) {
            assertThrows(IllegalArgumentException.class, () -> GradientNorms.compute(two, inputs(), T, M, direction(), 4));
            assertThrows(IllegalArgumentException.class, () -> GradientNorms.compute(one, new float[5], T, M, direction(), 4));
        }
    }

    private static void check(CellType cell) {
        try (Rnn rnn = Rnn.create(RnnConfig.builder(cell, I, H).seed(11).build())) {
            float[] x = inputs(), u = direction();
            GradientNorms.Result result = GradientNorms.compute(rnn, x, T, M, u, 5);   // 5 does not divide 12
            Reference reference = new Reference(rnn, cell);
            double eps = 1e-6;
            for (int m = 0; m < M; m++) {
                double[][] states = reference.states(x, m);   // (T+1) x 2H: h_t then c_t
                for (int t : new int[] {0, 1, 4, 7, 11, 12}) {
                    for (int j = 0; j < (cell == CellType.LSTM ? 2 * H : H); j++) {
                        double[] plus = states[t].clone(), minus = states[t].clone();
                        plus[j] += eps;
                        minus[j] -= eps;
                        double fd = (reference.loss(x, m, t, plus, u) - reference.loss(x, m, t, minus, u)) / (2 * eps);
                        double got = j < H ? result.dh()[t][m * H + j] : result.dc()[t][m * H + j - H];
                        assertEquals(fd, got, 2e-5 + 1e-4 * Math.abs(fd),
                                cell + " sequence " + m + " t=" + t + (j < H ? " dL/dh[" + j + "]" : " dL/dc[" + (j - H) + "]"));
                    }
                }
            }
            assertEquals(Math.sqrt(u[0] * u[0] + u[1] * u[1] + u[2] * u[2]), result.norm(T, 0), 1e-6);
        }
    }

    static float[] inputs() {
        SplittableRandom random = new SplittableRandom(5);
        float[] x = new float[T * M * I];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return x;
    }

    static float[] direction() {
        SplittableRandom random = new SplittableRandom(6);
        float[] u = new float[M * H];
        for (int i = 0; i < u.length; i++) {
            u[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return u;
    }

    /** PyTorch's RNN (tanh), GRU and LSTM steps in double precision, one sequence at a time. */
    static final class Reference {
        final CellType cell;
        final int g;
        final double[] wih, whh, bih, bhh;   // (G*H, I), (G*H, H), (G*H), (G*H)

        Reference(Rnn rnn, CellType cell) {
            this.cell = cell;
            this.g = cell.gates();
            this.wih = toDouble(rnn.parameter("weight_ih_l0").toArray());
            this.whh = toDouble(rnn.parameter("weight_hh_l0").toArray());
            this.bih = toDouble(rnn.parameter("bias_ih_l0").toArray());
            this.bhh = toDouble(rnn.parameter("bias_hh_l0").toArray());
        }

        /** (h_t, c_t) for t = 0..T of sequence m, from zeros. */
        double[][] states(float[] x, int m) {
            double[][] s = new double[T + 1][];
            s[0] = new double[2 * H];
            for (int t = 0; t < T; t++) {
                s[t + 1] = step(s[t], x, t, m);
            }
            return s;
        }

        /** u_m . h_T after running from state (h_t, c_t) at step t. */
        double loss(float[] x, int m, int t, double[] state, float[] u) {
            double[] s = state;
            for (int k = t; k < T; k++) {
                s = step(s, x, k, m);
            }
            double sum = 0;
            for (int j = 0; j < H; j++) {
                sum += u[m * H + j] * s[j];
            }
            return sum;
        }

        double[] step(double[] state, float[] x, int t, int m) {
            double[] ax = new double[g * H], ah = new double[g * H];   // W_ih x + b_ih, W_hh h + b_hh
            for (int r = 0; r < g * H; r++) {
                ax[r] = bih[r];
                ah[r] = bhh[r];
                for (int i = 0; i < I; i++) {
                    ax[r] += wih[r * I + i] * x[(t * M + m) * I + i];
                }
                for (int j = 0; j < H; j++) {
                    ah[r] += whh[r * H + j] * state[j];
                }
            }
            double[] next = new double[2 * H];
            for (int j = 0; j < H; j++) {
                switch (cell) {
                    case RNN_TANH -> next[j] = Math.tanh(ax[j] + ah[j]);
                    case GRU -> {
                        double r = sigmoid(ax[j] + ah[j]), z = sigmoid(ax[H + j] + ah[H + j]);
                        double n = Math.tanh(ax[2 * H + j] + r * ah[2 * H + j]);
                        next[j] = (1 - z) * n + z * state[j];
                    }
                    case LSTM -> {
                        double in = sigmoid(ax[j] + ah[j]), f = sigmoid(ax[H + j] + ah[H + j]);
                        double gg = Math.tanh(ax[2 * H + j] + ah[2 * H + j]), o = sigmoid(ax[3 * H + j] + ah[3 * H + j]);
                        next[H + j] = f * state[H + j] + in * gg;
                        next[j] = o * Math.tanh(next[H + j]);
                    }
                    default -> throw new IllegalStateException(cell.toString());
                }
            }
            return next;
        }

        static double sigmoid(double v) {
            return 1 / (1 + Math.exp(-v));
        }

        static double[] toDouble(float[] f) {
            double[] d = new double[f.length];
            for (int i = 0; i < f.length; i++) {
                d[i] = f[i];
            }
            return d;
        }
    }
}
