package dev.panamarnn.examples.experiment;

import dev.panamarnn.Rnn;
import dev.panamarnn.RnnConfig;
import dev.panamarnn.Workspace;
import dev.panamarnn.tensor.Tensor;
import java.lang.foreign.Arena;

/**
 * dL/dh_t for every step t = 0..T of a fixed input sequence, when the loss depends on the last
 * state h_T only, through the library's public API (one layer, unidirectional). This probe stays on
 * the expert API — an {@link Rnn} (a model's {@code rnn()}) and its raw {@link Workspace} — because
 * it needs what the user floor does not expose: initial states h_s, c_s per row, the end gradient
 * dL/dh_T put in directly, and the initial-state gradients out.
 *
 * <p>The idea: for the suffix run that starts at step s from the state (h_s, c_s) and reads
 * x_s .. x_{t1-1}, the workspace's initial-state gradient ({@link Workspace#initialHiddenGradient},
 * {@link Workspace#initialCellGradient}) given dL/dh_{t1} and dL/dc_{t1} at its end is exactly
 * (dL/dh_s, dL/dc_s) — the Jacobian product J_{s+1}^T ... J_{t1}^T applied to the end gradient.
 * So the steps are done in blocks of K going backwards from t1 = T: one batched run whose K*M rows
 * are the suffixes starting at s = t1-K .. t1-1 (variable lengths t1 - s, initial states h_s, c_s)
 * for each of the M sequences, started from the end gradient at t1 divided by its norm. The scale
 * is carried separately in double precision, so the result neither underflows nor overflows
 * float32 however fast the gradient vanishes or explodes (within double's range).
 *
 * <p>Side effect: the runs add into {@code rnn.gradients()} (they are backward passes); zero them
 * before training.
 */
public final class GradientNorms {
    /**
     * dL/dh_t and, for LSTM, dL/dc_t of each sequence.
     * @param dh (T+1) x (M*H): dh[t][m*H + j] = dL/dh_t of sequence m, t = 0..T
     * @param dc the same for the LSTM cell state, else null
     */
    public record Result(int steps, int sequences, int hidden, double[][] dh, double[][] dc) {
        /** ||dL/dh_t|| of sequence m. */
        public double norm(int t, int m) {
            return norm(dh[t], m);
        }

        /** ||dL/dc_t|| of sequence m (LSTM). */
        public double cellNorm(int t, int m) {
            return norm(dc[t], m);
        }

        /** exp(mean over sequences of ln ||dL/dh_t||): the geometric mean (0 if any is 0). */
        public double geometricMeanNorm(int t) {
            return geometricMean(dh[t]);
        }

        /** The same for ||dL/dc_t|| (LSTM). */
        public double geometricMeanCellNorm(int t) {
            return geometricMean(dc[t]);
        }

        private double geometricMean(double[] g) {
            double sum = 0;
            for (int m = 0; m < sequences; m++) {
                sum += Math.log(norm(g, m));
            }
            return Math.exp(sum / sequences);
        }

        private double norm(double[] g, int m) {
            double sum = 0;
            for (int j = 0; j < hidden; j++) {
                double v = g[m * hidden + j];
                sum += v * v;
            }
            return Math.sqrt(sum);
        }
    }

    private GradientNorms() {}

    /**
     * @param x     (T, M, I) row-major inputs of M sequences, time-major
     * @param dhT   (M, H) dL/dh_T, the loss's gradient at the last state
     * @param block K, suffixes per batched run (e.g. 25); any K >= 1 gives the same result
     */
    public static Result compute(Rnn rnn, float[] x, int steps, int sequences, float[] dhT, int block) {
        RnnConfig config = rnn.config();
        if (config.numLayers() != 1 || config.bidirectional()) {
            throw new IllegalArgumentException("gradient norms through time need one unidirectional layer, got " + config.numLayers()
                    + " layer(s), bidirectional " + config.bidirectional());
        }
        int h = config.hiddenSize(), in = config.inputSize(), m = sequences;
        if (steps < 1 || m < 1 || block < 1 || x.length != (long) steps * m * in || dhT.length != m * h) {
            throw new IllegalArgumentException("expected T >= 1, M >= 1, K >= 1, x of T*M*I = " + (long) steps * m * in
                    + " and dhT of M*H = " + (long) m * h + " floats; got T=" + steps + ", M=" + m + ", K=" + block
                    + ", " + x.length + " and " + dhT.length);
        }
        boolean lstm = config.cell().hasCellState();
        float[][] hs = new float[steps + 1][];   // h_t (M, H), t = 0..T; h_0 = 0
        float[][] cs = new float[steps + 1][];   // c_t (M, H) (LSTM)
        forwardStates(rnn, x, steps, m, hs, cs);

        double[][] dh = new double[steps + 1][];
        double[][] dc = lstm ? new double[steps + 1][] : null;
        dh[steps] = new double[m * h];
        for (int i = 0; i < m * h; i++) {
            dh[steps][i] = dhT[i];
        }
        if (lstm) {
            dc[steps] = new double[m * h];
        }
        int k = Math.min(block, steps), rows = k * m;
        try (Workspace ws = rnn.workspace(k, rows); Arena arena = Arena.ofConfined()) {
            Tensor xs = Tensor.allocate(arena, k, rows, in);        // (K, K*M, I) suffix inputs, left-aligned
            Tensor h0 = Tensor.allocate(arena, 1, rows, h);         // (1, K*M, H) h_s per row
            Tensor c0 = lstm ? Tensor.allocate(arena, 1, rows, h) : null;
            Tensor dhN = Tensor.allocate(arena, 1, rows, h);        // (1, K*M, H) dL/dh_{t1} / n
            Tensor dcN = lstm ? Tensor.allocate(arena, 1, rows, h) : null;
            Tensor dOutput = Tensor.allocate(arena, k, rows, h);    // (K, K*M, H) zeros: the loss reads h_T only
            float[] xsHeap = new float[k * rows * in];
            float[] h0Heap = new float[rows * h], c0Heap = new float[rows * h];
            float[] dhHeap = new float[rows * h], dcHeap = new float[rows * h];
            int[] lengths = new int[rows];
            double[] scale = new double[m];                          // n_m = ||(dL/dh_{t1}, dL/dc_{t1})|| of sequence m
            for (int t1 = steps; t1 > 0; t1 -= k) {
                int s0 = Math.max(0, t1 - k);
                for (int s = 0; s < m; s++) {
                    scale[s] = endNorm(dh[t1], lstm ? dc[t1] : null, s, h);
                }
                java.util.Arrays.fill(xsHeap, 0f);
                for (int j = 0; j < k; j++) {
                    int start = s0 + j;
                    for (int s = 0; s < m; s++) {
                        int row = j * m + s;
                        boolean used = start < t1;
                        lengths[row] = used ? t1 - start : 1;
                        for (int u = 0; used && u < t1 - start; u++) {            // x_{start+u} at time u
                            System.arraycopy(x, ((start + u) * m + s) * in, xsHeap, (u * rows + row) * in, in);
                        }
                        for (int i = 0; i < h; i++) {
                            int at = row * h + i, from = s * h + i;
                            h0Heap[at] = used ? hs[start][from] : 0f;
                            c0Heap[at] = used && lstm ? cs[start][from] : 0f;
                            double n = scale[s];
                            dhHeap[at] = used && n > 0 ? (float) (dh[t1][from] / n) : 0f;
                            dcHeap[at] = used && lstm && n > 0 ? (float) (dc[t1][from] / n) : 0f;
                        }
                    }
                }
                xs.copyFrom(xsHeap);
                h0.copyFrom(h0Heap);
                dhN.copyFrom(dhHeap);
                if (lstm) {
                    c0.copyFrom(c0Heap);
                    dcN.copyFrom(dcHeap);
                }
                ws.forward(xs, lengths, h0, c0, true);
                ws.backward(dOutput, dhN, dcN);
                float[] gh = ws.initialHiddenGradient().toArray();        // (1, K*M, H) dL/dh_s / n
                float[] gc = lstm ? ws.initialCellGradient().toArray() : null;
                for (int start = s0; start < t1; start++) {
                    int j = start - s0;
                    dh[start] = new double[m * h];
                    if (lstm) {
                        dc[start] = new double[m * h];
                    }
                    for (int s = 0; s < m; s++) {
                        for (int i = 0; i < h; i++) {
                            int at = (j * m + s) * h + i;
                            dh[start][s * h + i] = scale[s] * gh[at];
                            if (lstm) {
                                dc[start][s * h + i] = scale[s] * gc[at];
                            }
                        }
                    }
                }
            }
        }
        return new Result(steps, m, h, dh, dc);
    }

    /** h_t (and c_t) for t = 1..T, one step at a time, each starting from the previous state. */
    private static void forwardStates(Rnn rnn, float[] x, int steps, int m, float[][] hs, float[][] cs) {
        RnnConfig config = rnn.config();
        int h = config.hiddenSize(), in = config.inputSize();
        boolean lstm = config.cell().hasCellState();
        hs[0] = new float[m * h];
        cs[0] = new float[m * h];
        try (Workspace ws = rnn.workspace(1, m); Arena arena = Arena.ofConfined()) {
            Tensor xt = Tensor.allocate(arena, 1, m, in);     // (1, M, I) x_t
            Tensor ht = Tensor.allocate(arena, 1, m, h);      // (1, M, H) h_t
            Tensor ct = Tensor.allocate(arena, 1, m, h);      // (1, M, H) c_t
            float[] row = new float[m * in];
            for (int t = 0; t < steps; t++) {
                System.arraycopy(x, t * m * in, row, 0, m * in);
                xt.copyFrom(row);
                ht.copyFrom(hs[t]);
                ct.copyFrom(cs[t]);
                ws.forward(xt, null, ht, lstm ? ct : null, false);
                hs[t + 1] = ws.finalHidden().toArray();
                cs[t + 1] = lstm ? ws.finalCell().toArray() : new float[m * h];
            }
        }
    }

    /** ||(dh, dc)|| of sequence s. */
    private static double endNorm(double[] dh, double[] dc, int s, int h) {
        double sum = 0;
        for (int i = 0; i < h; i++) {
            sum += dh[s * h + i] * dh[s * h + i];
            if (dc != null) {
                sum += dc[s * h + i] * dc[s * h + i];
            }
        }
        return Math.sqrt(sum);
    }
}
