package dev.panamarnn.infer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.panamarnn.CellType;
import dev.panamarnn.Rnn;
import dev.panamarnn.testing.TestData;
import dev.panamarnn.unroll.Names;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Streaming with int8 and bf16 weights (Precision.INT8, BF16): the first step from a zero state is
 * within the analytic error bound of the float32 model's; a batch gives each stream exactly (bit for
 * bit) its single-stream result; a step allocates nothing; what is not supported is refused.
 */
class Int8InferenceTest {

    /**
     * From h_{-1} = 0 the recurrent product is 0 in both models, so the gates' pre-activations differ
     * only by the input product's error, per row r at most, int8:
     * B_r = sum_k (|W_rk| s_x / 2 + |x_k| s_r / 2 + s_x s_r / 4) (s_x = max|x| / 127, s_r = max|W_r| / 127);
     * bf16 (each factor within 2^-9 relatively, the float sum within (K + 2) 2^-24): B_r = 2^-8 sum_k |x_k W_rk| (1.01) + the sum's rounding.
     * With B = max_r B_r and the activations' slopes (sigmoid 1/4, tanh 1): RNN |dh| <= B; LSTM
     * (c = i g, h = o tanh c) |dh| <= B/4 + B/4 + B + B^2/4; GRU (h = (1 - z) n,
     * n = tanh(xn + b_in + r b_hn)) |dh| <= B/4 + B + B/4 max|b_hn|.
     */
    @ParameterizedTest(name = "{4} {0} {1} I={2} H={3}")
    @CsvSource({"native, LSTM, 7, 33, INT8", "native, GRU, 20, 16, INT8", "native, RNN_TANH, 64, 64, INT8", "java, LSTM, 5, 9, INT8",
                "native, LSTM, 300, 256, INT8", "native, LSTM, 7, 33, BF16", "native, GRU, 40, 16, BF16", "java, RNN_TANH, 5, 9, BF16",
                "native, LSTM, 300, 256, BF16"})
    void theFirstStepIsWithinTheQuantizationBoundOfFloat32(String kernels, CellType cell, int input, int hidden, Precision precision) {
        try (Rnn rnn = InferTesting.rnn(cell, input, hidden, 1, 17, InferTesting.kernels(kernels));
             InferenceModel float32 = InferenceModel.of(rnn);
             InferenceModel int8 = InferenceModel.of(rnn, precision);
             StreamState a = float32.newStream();
             StreamState b = int8.newStream()) {
            float[] x = TestData.uniform(3, input, 1.5);
            float[] expected = a.step(x), actual = b.step(x);
            float[] w = TestData.array(rnn.parameter(Names.weightIh(0, 0)).segment());   // (G*H, I)
            double sx = 0, bound = 0;
            for (float v : x) {
                sx = Math.max(sx, Math.abs(v) / 127.0);
            }
            for (int r = 0; r < w.length / input; r++) {
                double sr = 0, row = 0;
                for (int k = 0; k < input; k++) {
                    sr = Math.max(sr, Math.abs(w[r * input + k]) / 127.0);
                }
                for (int k = 0; k < input; k++) {
                    row += precision == Precision.INT8 ? Math.abs(w[r * input + k]) * sx / 2 + Math.abs(x[k]) * sr / 2 + sx * sr / 4
                            : Math.abs(w[r * input + k] * x[k]) * (0x1p-8 * 1.01 + (input + 2) * TestData.EPS);
                }
                bound = Math.max(bound, row);
            }
            double hBound = switch (cell) {
                case LSTM -> 1.5 * bound + bound * bound / 4;
                case GRU -> {
                    float[] bhh = TestData.array(rnn.parameter(Names.biasHh(0, 0)).segment());
                    double maxBn = 0;
                    for (int j = 2 * hidden; j < 3 * hidden; j++) {
                        maxBn = Math.max(maxBn, Math.abs(bhh[j]));
                    }
                    yield 1.25 * bound + bound / 4 * maxBn;
                }
                default -> bound;
            };
            double slack = 64 * TestData.EPS * (1 + input);                              // float rounding of both products
            double worst = 0;
            for (int j = 0; j < hidden; j++) {
                worst = Math.max(worst, Math.abs(expected[j] - actual[j]));
            }
            assertTrue(worst <= hBound + slack, cell + ": |h_" + precision + " - h_float32| = " + worst + " > bound " + (hBound + slack));
            assertTrue(worst > 0, "the " + precision + " model computed exactly the float32 result: were its weights converted at all?");
        }
    }

    @ParameterizedTest(name = "{2} {0} L={1}")
    @CsvSource({"LSTM, 2, INT8", "GRU, 2, INT8", "RNN_RELU, 1, INT8", "LSTM, 2, BF16", "GRU, 1, BF16"})
    void aBatchGivesEachStreamItsSingleStreamResultBitForBit(CellType cell, int layers, Precision precision) throws Exception {
        int input = 6, hidden = 24, streams = 5, steps = 12;
        try (Rnn rnn = InferTesting.rnn(cell, input, hidden, layers, 5, InferTesting.kernels("native"));
             InferenceModel model = InferenceModel.of(rnn, precision)) {
            float[][][] x = new float[streams][][];
            float[][][] alone = new float[streams][][];
            for (int s = 0; s < streams; s++) {
                x[s] = InferTesting.sequence(100 + s, steps, input);
                try (StreamState stream = model.newStream()) {
                    alone[s] = InferTesting.stepAlone(stream, x[s]);
                }
            }
            List<StreamState> states = new ArrayList<>();
            try (StreamBatcher batcher = StreamBatcher.builder(model).maxBatch(8).build()) {
                for (int s = 0; s < streams; s++) {
                    states.add(model.newStream());
                }
                for (int t = 0; t < steps; t++) {
                    List<CompletableFuture<float[]>> next = new ArrayList<>();
                    for (int s = 0; s < streams; s++) {
                        next.add(batcher.submit(states.get(s), x[s][t]));
                    }
                    for (int s = 0; s < streams; s++) {
                        assertArrayEquals(alone[s][t], next.get(s).get(), "stream " + s + " step " + t);
                    }
                }
            } finally {
                states.forEach(StreamState::close);
            }
        }
    }

    @ParameterizedTest(name = "{2} {0} {1}")
    @CsvSource({"native, LSTM, INT8", "native, GRU, INT8", "java, LSTM, INT8", "native, LSTM, BF16"})
    void aStepAllocatesNothing(String kernels, CellType cell, Precision precision) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assumeTrue(threads.isThreadAllocatedMemorySupported(), "this JVM cannot count allocated bytes per thread");
        threads.setThreadAllocatedMemoryEnabled(true);
        int input = 16, hidden = 32;
        boolean java = kernels.equals("java");
        int warmup = java ? 3_000 : ZeroAllocationTest.WARMUP, steps = java ? 2_000 : ZeroAllocationTest.STEPS;
        try (Rnn rnn = InferTesting.rnn(cell, input, hidden, 2, 1, InferTesting.kernels(kernels));
             InferenceModel model = InferenceModel.of(rnn, precision);
             StreamState stream = model.newStream()) {
            float[] x = InferTesting.sequence(1, 1, input)[0], y = new float[hidden];
            long id = Thread.currentThread().threadId();
            for (int i = 0; i < warmup; i++) {
                stream.step(x, y);
            }
            long before = threads.getThreadAllocatedBytes(id);
            for (int i = 0; i < steps; i++) {
                stream.step(x, y);
            }
            long allocated = threads.getThreadAllocatedBytes(id) - before;
            assertTrue(allocated <= ZeroAllocationTest.SLACK_BYTES, steps + " " + precision + " steps allocated " + allocated
                    + " bytes; expected 0 per step");
        }
    }

    @Test
    void theResetBeforeGruIsRefusedAndTheFingerprintAndSnapshotsAreTheFloat32Models() {
        try (Rnn gru = InferTesting.rnn(CellType.GRU_RESET_BEFORE, 4, 8, 1, 1, InferTesting.kernels("native"))) {
            for (Precision p : new Precision[] {Precision.INT8, Precision.BF16}) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> InferenceModel.of(gru, p));
                assertTrue(e.getMessage().contains(p + " inference supports LSTM, GRU and RNN"), e.getMessage());
            }
        }
        try (Rnn rnn = InferTesting.rnn(CellType.LSTM, 4, 64, 2, 1, InferTesting.kernels("native"));
             InferenceModel float32 = InferenceModel.of(rnn);
             InferenceModel int8 = InferenceModel.of(rnn, Precision.INT8);
             InferenceModel bf16 = InferenceModel.of(rnn, Precision.BF16);
             StreamState a = float32.newStream();
             StreamState b = int8.newStream()) {
            assertEquals(Precision.INT8, int8.precision());
            assertEquals(float32.fingerprintHex(), bf16.fingerprintHex());
            long bf16Weights = 2L * 4 * 64 * (4 + 64) + 2L * 4 * 64 * (64 + 64);   // two bytes per weight
            assertTrue(bf16.parameterBytes() >= bf16Weights && bf16.parameterBytes() < float32.parameterBytes() / 2,
                    bf16.parameterBytes() + " vs float32 " + float32.parameterBytes());
            assertEquals(float32.fingerprintHex(), int8.fingerprintHex());
            // weights: float32 keeps [W_ih | W_hh] (and maybe its transpose); int8 one byte per weight plus two floats per row
            long weights = 4L * 64 * (4 + 64) + 4L * 64 * (64 + 64);
            assertTrue(int8.parameterBytes() < float32.parameterBytes() / 3, int8.parameterBytes() + " vs " + float32.parameterBytes());
            assertTrue(int8.parameterBytes() >= weights, "int8 parameters " + int8.parameterBytes() + " < one byte per weight " + weights);
            a.step(new float[] {1, 2, 3, 4});
            b.restore(a.snapshot());
            float[] h = new float[2 * 64], c = new float[2 * 64], h2 = new float[2 * 64], c2 = new float[2 * 64];
            a.getState(h, c);
            b.getState(h2, c2);
            assertArrayEquals(h, h2);
            assertArrayEquals(c, c2);
            assertTrue(int8.toString().contains("INT8"), int8.toString());
        }
    }
}
