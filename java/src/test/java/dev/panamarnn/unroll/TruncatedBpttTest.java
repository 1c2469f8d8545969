package dev.panamarnn.unroll;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.CellType;
import dev.panamarnn.Rnn;
import dev.panamarnn.RnnConfig;
import dev.panamarnn.TruncatedBptt;
import dev.panamarnn.Workspace;
import dev.panamarnn.kernels.KernelSelection;
import dev.panamarnn.tensor.Tensor;
import dev.panamarnn.testing.TestData;
import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Truncated BPTT: state carried across windows; gradient through exactly the last k2 steps. */
class TruncatedBpttTest {
    static final int K1 = 6, K2 = 4, B = 3, I = 5, H = 4, L = 2;

    @ParameterizedTest
    @EnumSource(CellType.class)
    void windowsCarryStateLikeOneLongSequence(CellType cell) {
        RnnConfig config = RnnConfig.builder(cell, I, H).layers(L).seed(5).build();
        try (Rnn rnn = Rnn.create(config, KernelSelection.java());
             Workspace whole = rnn.workspace(2 * K1, B);
             TruncatedBptt tbptt = new TruncatedBptt(rnn, K1, K2, B);
             Arena arena = Arena.ofConfined()) {
            float[] data = TestData.uniform(9, 2 * K1 * B * I, 1);
            float[] longOut = whole.forward(Tensor.allocate(arena, 2 * K1, B, I).copyFrom(data), null, null, null, false).toArray();
            int half = K1 * B * I;
            tbptt.forward(Tensor.allocate(arena, K1, B, I).copyFrom(Arrays.copyOfRange(data, 0, half)));
            float[] second = tbptt.forward(Tensor.allocate(arena, K1, B, I).copyFrom(Arrays.copyOfRange(data, half, 2 * half))).toArray();
            float[] expected = Arrays.copyOfRange(longOut, K1 * B * H, 2 * K1 * B * H);
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], second[i], 1e-6, "second window output " + i);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(CellType.class)
    void truncatedGradientEqualsFullGradientOfTheLastK2Steps(CellType cell) {
        RnnConfig config = RnnConfig.builder(cell, I, H).layers(L).seed(6).build();
        try (Rnn rnn = Rnn.create(config, KernelSelection.java());
             Workspace full = rnn.workspace(K1, B);
             Workspace head = rnn.workspace(K1 - K2, B);
             Workspace tail = rnn.workspace(K2, B);
             Arena arena = Arena.ofConfined()) {
            float[] xs = TestData.uniform(1, K1 * B * I, 1), dys = TestData.uniform(2, K1 * B * H, 1);
            int split = (K1 - K2) * B;
            // reference: the state after K1-K2 steps, then an ordinary full backward over the last K2 steps
            head.forward(Tensor.allocate(arena, K1 - K2, B, I).copyFrom(Arrays.copyOf(xs, split * I)), null, null, null, true);
            tail.forward(Tensor.allocate(arena, K2, B, I).copyFrom(Arrays.copyOfRange(xs, split * I, xs.length)),
                    null, head.finalHidden(), head.finalCell(), true);
            rnn.zeroGradients();
            tail.backward(Tensor.allocate(arena, K2, B, H).copyFrom(Arrays.copyOfRange(dys, split * H, dys.length)), null, null);
            Map<String, float[]> expected = gradients(rnn);
            float[] expectedDx = tail.inputGradient().toArray();

            full.forward(Tensor.allocate(arena, K1, B, I).copyFrom(xs), null, null, null, true);
            rnn.zeroGradients();
            full.backwardThroughLast(K2, Tensor.allocate(arena, K1, B, H).copyFrom(dys), null, null);
            Map<String, float[]> actual = gradients(rnn);
            for (String name : expected.keySet()) {
                float[] e = expected.get(name), a = actual.get(name);
                for (int i = 0; i < e.length; i++) {
                    assertEquals(e[i], a[i], 2e-5 * (1 + Math.abs(e[i])), cell + " " + name + "[" + i + "]: " + TestData.maxDiff(e, a));
                }
            }
            float[] dx = full.inputGradient().toArray();
            for (int i = 0; i < dx.length; i++) {
                float e = i < split * I ? 0f : expectedDx[i - split * I];
                assertEquals(e, dx[i], 2e-5 * (1 + Math.abs(e)), "dx[" + i + "] (steps before the window get none)");
            }
            assertTrue(Arrays.stream(toDouble(full.initialHiddenGradient().toArray())).allMatch(v -> v == 0), "no gradient reaches h0");
        }
    }

    private static Map<String, float[]> gradients(Rnn rnn) {
        Map<String, float[]> map = new LinkedHashMap<>();
        rnn.gradients().tensors().forEach((k, v) -> map.put(k, v.toArray()));
        return map;
    }

    private static double[] toDouble(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }
}
