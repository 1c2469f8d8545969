package dev.panamarnn.infer;

import static dev.panamarnn.infer.InferTesting.assertClose;

import dev.panamarnn.CellType;
import dev.panamarnn.Rnn;
import dev.panamarnn.RnnConfig;
import dev.panamarnn.Workspace;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.tensor.Tensor;
import dev.panamarnn.testing.TestData;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Streaming equals the unroller: a stream stepped one event at a time gives, at every step, the
 * output of {@link Workspace#forward} over the whole sequence (from the same initial state), and
 * its final state is h_n (and c_n). Likewise B streams through a {@link StreamBatcher} against a
 * (T, B) forward. Every cell, 1-3 layers, awkward sizes, Java and native kernels.
 */
class StreamingAgreementTest {
    static final int STEPS = 13;

    static Stream<Arguments> cases() {
        int[][] sizes = {{1, 1}, {3, 5}, {7, 17}, {17, 3}, {64, 64}, {33, 129}};   // {I, H}
        List<Arguments> cases = new ArrayList<>();
        int i = 0;
        for (String kernels : new String[] {"java", "native"}) {
            for (CellType cell : CellType.values()) {
                for (int[] s : sizes) {
                    int layers = 1 + i++ % 3;
                    cases.add(Arguments.of(kernels, cell, s[0], s[1], layers));
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1} I={2} H={3} L={4}")
    @MethodSource("cases")
    void stepByStepEqualsFullSequenceForward(String kernelName, CellType cell, int input, int hidden, int layers) {
        Kernels kernels = InferTesting.kernels(kernelName);
        int n = layers * hidden;
        float[][] x = InferTesting.sequence(11, STEPS, input);
        float[] h0 = TestData.uniform(12, n, 0.5);
        float[] c0 = cell.hasCellState() ? TestData.uniform(13, n, 0.5) : null;
        double tol = InferTesting.tolerance(input, hidden, layers);
        try (Rnn rnn = InferTesting.rnn(cell, input, hidden, layers, 5, kernels);
             Workspace ws = rnn.workspace(STEPS, 1);
             Arena arena = Arena.ofConfined();
             InferenceModel model = InferenceModel.of(rnn);
             StreamState stream = model.newStream()) {
            Tensor xs = Tensor.allocate(arena, STEPS, 1, input);
            for (int t = 0; t < STEPS; t++) {
                xs.slice(t).reshape(input).copyFrom(x[t]);
            }
            Tensor output = ws.forward(xs, null, Tensor.allocate(arena, layers, 1, hidden).copyFrom(h0),
                    c0 == null ? null : Tensor.allocate(arena, layers, 1, hidden).copyFrom(c0), false);
            float[] expected = output.toArray();                         // (T, 1, H)

            stream.setState(h0, c0);
            float[] y = new float[hidden];
            for (int t = 0; t < STEPS; t++) {
                stream.step(x[t], y);
                assertClose(java.util.Arrays.copyOfRange(expected, t * hidden, (t + 1) * hidden), y, tol, "output at step " + t);
            }
            float[] h = new float[n], c = c0 == null ? null : new float[n];
            stream.getState(h, c);
            assertClose(ws.finalHidden().toArray(), h, tol, "h_n");
            if (c != null) {
                assertClose(ws.finalCell().toArray(), c, tol, "c_n");
            }
        }
    }

    @ParameterizedTest(name = "{0} {1} I={2} H={3} L={4}")
    @MethodSource("cases")
    void batchedStreamsEqualBatchForward(String kernelName, CellType cell, int input, int hidden, int layers) throws Exception {
        Kernels kernels = InferTesting.kernels(kernelName);
        int batch = 5, n = layers * hidden;
        double tol = InferTesting.tolerance(input, hidden, layers);
        float[] x = TestData.uniform(21, STEPS * batch * input, 1);            // (T, B, I)
        float[] h0 = TestData.uniform(22, layers * batch * hidden, 0.5);       // (L, B, H)
        float[] c0 = cell.hasCellState() ? TestData.uniform(23, layers * batch * hidden, 0.5) : null;
        try (Rnn rnn = InferTesting.rnn(cell, input, hidden, layers, 6, kernels);
             Workspace ws = rnn.workspace(STEPS, batch);
             Arena arena = Arena.ofConfined();
             InferenceModel model = InferenceModel.of(rnn);
             StreamBatcher batcher = StreamBatcher.builder(model).maxBatch(3).build()) {
            float[] expected = ws.forward(Tensor.allocate(arena, STEPS, batch, input).copyFrom(x), null,
                    Tensor.allocate(arena, layers, batch, hidden).copyFrom(h0),
                    c0 == null ? null : Tensor.allocate(arena, layers, batch, hidden).copyFrom(c0), false).toArray();
            StreamState[] streams = new StreamState[batch];
            for (int b = 0; b < batch; b++) {
                streams[b] = model.newStream();
                streams[b].setState(rows(h0, layers, batch, hidden, b), c0 == null ? null : rows(c0, layers, batch, hidden, b));
            }
            // all steps of all streams submitted at once: the batcher keeps each stream's order
            List<List<CompletableFuture<float[]>>> results = new ArrayList<>();
            for (int b = 0; b < batch; b++) {
                results.add(new ArrayList<>());
            }
            for (int t = 0; t < STEPS; t++) {
                for (int b = 0; b < batch; b++) {
                    float[] xt = java.util.Arrays.copyOfRange(x, (t * batch + b) * input, (t * batch + b + 1) * input);
                    results.get(b).add(batcher.submit(streams[b], xt));
                }
            }
            for (int b = 0; b < batch; b++) {
                for (int t = 0; t < STEPS; t++) {
                    int at = (t * batch + b) * hidden;
                    assertClose(java.util.Arrays.copyOfRange(expected, at, at + hidden), results.get(b).get(t).get(),
                            tol, "stream " + b + " step " + t);
                }
                float[] h = new float[n];
                streams[b].getState(h, null);
                assertClose(rows(ws.finalHidden().toArray(), layers, batch, hidden, b), h, tol, "h_n of stream " + b);
                streams[b].close();
            }
        }
    }

    /** The (L, H) state of row b of an (L, B, H) array. */
    static float[] rows(float[] all, int layers, int batch, int hidden, int b) {
        float[] out = new float[layers * hidden];
        for (int l = 0; l < layers; l++) {
            System.arraycopy(all, (l * batch + b) * hidden, out, l * hidden, hidden);
        }
        return out;
    }
}
