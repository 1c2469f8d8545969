package dev.panamarnn.infer;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.panamarnn.CellType;
import dev.panamarnn.Rnn;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A single-stream step allocates nothing on the Java heap: the bytes this thread allocates over
 * 10,000 steps after warm-up, measured by the JVM's per-thread allocation counter, stay below a
 * small constant (the counter's own noise), i.e. 0 bytes per step.
 */
class ZeroAllocationTest {
    static final int WARMUP = 30_000;
    static final int STEPS = 10_000;
    /** Slack for the measurement itself, far below one byte per step. */
    static final long SLACK_BYTES = 2_048;

    @ParameterizedTest(name = "{0} {1} L={2}")
    @CsvSource({"native, LSTM, 2", "native, GRU, 2", "native, RNN_TANH, 1", "native, RNN_RELU, 3", "java, LSTM, 1", "java, GRU, 1",
                "native, GRU_RESET_BEFORE, 2", "java, GRU_RESET_BEFORE, 1"})
    void aStepAllocatesNothing(String kernels, CellType cell, int layers) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assumeTrue(threads.isThreadAllocatedMemorySupported(), "this JVM cannot count allocated bytes per thread");
        threads.setThreadAllocatedMemoryEnabled(true);
        int input = 16, hidden = 32;
        try (Rnn rnn = InferTesting.rnn(cell, input, hidden, layers, 1, InferTesting.kernels(kernels));
             InferenceModel model = InferenceModel.of(rnn);
             StreamState stream = model.newStream();
             Arena arena = Arena.ofConfined()) {
            float[] x = InferTesting.sequence(1, 1, input)[0];
            float[] y = new float[hidden];
            MemorySegment in = arena.allocate((long) input * Float.BYTES), out = arena.allocate((long) hidden * Float.BYTES);
            MemorySegment.copy(x, 0, in, java.lang.foreign.ValueLayout.JAVA_FLOAT, 0, input);
            long id = Thread.currentThread().threadId();
            for (int i = 0; i < WARMUP; i++) {
                loop(stream, x, y, in, out, i);
            }
            long before = threads.getThreadAllocatedBytes(id);
            for (int i = 0; i < STEPS; i++) {
                loop(stream, x, y, in, out, i);
            }
            long allocated = threads.getThreadAllocatedBytes(id) - before;
            assertTrue(allocated <= SLACK_BYTES, kernels + " " + cell + ": " + STEPS + " steps allocated " + allocated + " bytes ("
                    + (double) allocated / STEPS + " per step); expected 0 per step");
        }
    }

    /** The three allocation-free overloads, and a reset now and then to keep the values bounded. */
    private static void loop(StreamState stream, float[] x, float[] y, MemorySegment in, MemorySegment out, int i) {
        switch (i % 3) {
            case 0 -> stream.step(x, y);
            case 1 -> stream.step(in, out);
            default -> stream.step(in);
        }
        if (i % 1000 == 999) {
            stream.reset();
        }
    }
}
