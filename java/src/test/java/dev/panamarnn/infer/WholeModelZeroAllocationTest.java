package dev.panamarnn.infer;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.panamarnn.CellType;
import dev.panamarnn.model.OutputMode;
import dev.panamarnn.model.SequenceModel;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A whole model's step (input stage, stack, head with a hidden layer) allocates nothing on the Java
 * heap, feature events (normalised) and token ids alike, and a regressor's outputs denormalised
 * into its targets' units: the pattern of {@link ZeroAllocationTest}.
 */
class WholeModelZeroAllocationTest {

    @ParameterizedTest(name = "{0} {1} {2}")
    @CsvSource({"native, LSTM, features", "native, GRU, tokens", "java, LSTM, tokens", "java, GRU, features",
                "native, GRU, regression", "java, LSTM, regression", "native, GRU_RESET_BEFORE, tokens",
                "java, GRU_RESET_BEFORE, features"})
    void aStepAllocatesNothing(String kernels, CellType cell, String input) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assumeTrue(threads.isThreadAllocatedMemorySupported(), "this JVM cannot count allocated bytes per thread");
        threads.setThreadAllocatedMemoryEnabled(true);
        boolean tokens = input.equals("tokens");
        try (SequenceModel whole = input.equals("regression")                // features, with target normalisation
                ? TargetNormalisedServingTest.regressor(cell, 7, TargetNormalisedServingTest.TARGET_STD, InferTesting.kernels(kernels))
                : WholeModels.model(tokens, cell, 2, 7, OutputMode.PER_STEP, 1, InferTesting.kernels(kernels));
             InferenceModel model = InferenceModel.of(whole);
             StreamState stream = model.newStream();
             Arena arena = Arena.ofConfined()) {
            int in = model.inputSize(), out = model.outputSize();
            float[] x = InferTesting.sequence(1, 1, in)[0];
            float[] y = new float[out];
            MemorySegment xs = arena.allocate((long) in * Float.BYTES), ys = arena.allocate((long) out * Float.BYTES);
            MemorySegment.copy(x, 0, xs, ValueLayout.JAVA_FLOAT, 0, in);
            long id = Thread.currentThread().threadId();
            for (int i = 0; i < ZeroAllocationTest.WARMUP; i++) {
                loop(stream, tokens, x, y, xs, ys, i);
            }
            long before = threads.getThreadAllocatedBytes(id);
            for (int i = 0; i < ZeroAllocationTest.STEPS; i++) {
                loop(stream, tokens, x, y, xs, ys, i);
            }
            long allocated = threads.getThreadAllocatedBytes(id) - before;
            assertTrue(allocated <= ZeroAllocationTest.SLACK_BYTES, kernels + " " + cell + " " + input + ": " + ZeroAllocationTest.STEPS
                    + " steps allocated " + allocated + " bytes (" + (double) allocated / ZeroAllocationTest.STEPS + " per step); expected 0 per step");
        }
    }

    /** The three allocation-free overloads of the model's event kind, and a reset now and then. */
    private static void loop(StreamState stream, boolean tokens, float[] x, float[] y, MemorySegment xs, MemorySegment ys, int i) {
        int token = i % WholeModels.VOCABULARY;
        switch (i % 3) {
            case 0 -> {
                if (tokens) {
                    stream.step(token, y);
                } else {
                    stream.step(x, y);
                }
            }
            case 1 -> {
                if (tokens) {
                    stream.step(token, ys);
                } else {
                    stream.step(xs, ys);
                }
            }
            default -> {
                if (tokens) {
                    stream.step(token);
                } else {
                    stream.step(xs);
                }
            }
        }
        if (i % 1000 == 999) {
            stream.reset();
        }
    }
}
