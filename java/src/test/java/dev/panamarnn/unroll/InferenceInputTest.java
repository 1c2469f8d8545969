package dev.panamarnn.unroll;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.panamarnn.CellType;
import dev.panamarnn.Rnn;
import dev.panamarnn.RnnConfig;
import dev.panamarnn.Workspace;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.kernels.KernelsForTests;
import dev.panamarnn.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Workspace#infer} reads x where it is instead of copying it. Its output must be the
 * forward pass's, bit for bit, wherever x lives (off-heap, on the heap, inside the workspace
 * itself); it must not write x; and a backward pass after it is refused.
 */
class InferenceInputTest {
    static Stream<Arguments> cases() {
        return KernelsForTests.both().stream().flatMap(k -> Stream.of(
                Arguments.of(k, CellType.LSTM, 1, false), Arguments.of(k, CellType.GRU, 2, false),
                Arguments.of(k, CellType.RNN_TANH, 1, true), Arguments.of(k, CellType.LSTM, 2, true)));
    }

    private static final int T = 6, B = 3, H = 5;

    private static float[] uniform(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return v;
    }

    private static void assertBitsEqual(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
                throw new AssertionError(what + ": element " + i + " is " + actual[i] + ", expected " + expected[i]);
            }
        }
    }

    @ParameterizedTest(name = "{0} {1} L={2} bi={3}")
    @MethodSource("cases")
    void inferenceEqualsTrainingForwardWhereverXLives(Kernels kernels, CellType cell, int layers, boolean bi) {
        int directions = bi ? 2 : 1, input = directions * H;   // I = D*H, so the workspace's output can be fed back
        RnnConfig config = RnnConfig.builder(cell, input, H).layers(layers).bidirectional(bi).seed(7).build();
        float[] values = uniform(T * B * input, 11);
        try (Rnn rnn = Rnn.create(config, kernels); Workspace ws = rnn.workspace(T, B); Arena arena = Arena.ofConfined()) {
            Tensor x = Tensor.allocate(arena, T, B, input).copyFrom(values);
            float[] expected = ws.forward(x, null, null, null, true).toArray();
            float[] expectedHidden = ws.finalHidden().toArray();

            assertBitsEqual(expected, ws.infer(x, null, null, null).toArray(), "off-heap x");
            assertBitsEqual(expectedHidden, ws.finalHidden().toArray(), "off-heap x, h_n");
            assertArrayEquals(values, x.toArray(), "an inference forward must not write x");

            Tensor heapX = Tensor.of(MemorySegment.ofArray(values.clone()), T, B, input);
            assertBitsEqual(expected, ws.infer(heapX, null, null, null).toArray(), "heap x");

            // x = the workspace's own output, holding the same values: a bidirectional layer writes
            // its output before its reverse direction projects x, so this x must be copied first
            ws.output().copyFrom(values);
            assertBitsEqual(expected, ws.infer(ws.output(), null, null, null).toArray(), "x inside the workspace");
        }
    }

    @ParameterizedTest(name = "{0} {1} L={2} bi={3}")
    @MethodSource("cases")
    void batchFirstInferenceEqualsTrainingForward(Kernels kernels, CellType cell, int layers, boolean bi) {
        RnnConfig config = RnnConfig.builder(cell, 4, H).layers(layers).bidirectional(bi).batchFirst(true).seed(9).build();
        try (Rnn rnn = Rnn.create(config, kernels); Workspace ws = rnn.workspace(T, B); Arena arena = Arena.ofConfined()) {
            Tensor x = Tensor.allocate(arena, B, T, 4).copyFrom(uniform(T * B * 4, 5));   // (B, T, I)
            float[] expected = ws.forward(x, null, null, null, true).toArray();
            float[] expectedHidden = ws.finalHidden().toArray();
            assertBitsEqual(expected, ws.infer(x, null, null, null).toArray(), "batch-first infer");
            assertBitsEqual(expectedHidden, ws.finalHidden().toArray(), "batch-first infer, h_n");
            assertBitsEqual(expected, ws.output().toArray(), "output() after infer");
        }
    }

    @ParameterizedTest(name = "{0} {1} L={2} bi={3}")
    @MethodSource("cases")
    void backwardAfterInferIsRefused(Kernels kernels, CellType cell, int layers, boolean bi) {
        int directions = bi ? 2 : 1;
        RnnConfig config = RnnConfig.builder(cell, 4, H).layers(layers).bidirectional(bi).build();
        try (Rnn rnn = Rnn.create(config, kernels); Workspace ws = rnn.workspace(T, B); Arena arena = Arena.ofConfined()) {
            Tensor x = Tensor.allocate(arena, T, B, 4).copyFrom(uniform(T * B * 4, 3));
            Tensor dOut = Tensor.allocate(arena, T, B, directions * H);
            ws.infer(x, null, null, null);
            var e = assertThrows(IllegalStateException.class, () -> ws.backward(dOut, null, null));
            assertEquals("backward needs a forward pass; the last pass on this workspace was infer(), which keeps nothing"
                    + " for backward", e.getMessage());
            ws.forward(x, null, null, null, false);
            ws.backward(dOut, null, null);   // allowed again after a forward pass, with or without training
        }
    }
}
