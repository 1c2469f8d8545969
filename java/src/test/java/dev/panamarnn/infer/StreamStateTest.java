package dev.panamarnn.infer;

import dev.panamarnn.testing.BlockingKernels;
import static dev.panamarnn.infer.InferTesting.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.CellType;
import dev.panamarnn.Rnn;
import dev.panamarnn.kernels.Kernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One stream: the step overloads agree, bad input is a clear exception, NaN behaves as documented,
 * streams do not share state, and closing or resetting while a step runs is an exception, never a
 * crash or a use of freed memory.
 */
class StreamStateTest {
    static final int I = 5;
    static final int H = 7;

    private static InferenceModel model(CellType cell, int layers, Kernels kernels) {
        try (Rnn rnn = InferTesting.rnn(cell, I, H, layers, 3, kernels)) {
            return InferenceModel.of(rnn);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"java", "native"})
    void overloadsGiveTheSameOutputs(String kernels) {
        float[][] x = InferTesting.sequence(1, 6, I);
        try (InferenceModel model = model(CellType.LSTM, 2, InferTesting.kernels(kernels));
             StreamState a = model.newStream(); StreamState b = model.newStream(); StreamState c = model.newStream();
             StreamState d = model.newStream(); Arena arena = Arena.ofConfined()) {
            MemorySegment in = arena.allocate((long) I * Float.BYTES), out = arena.allocate((long) H * Float.BYTES);
            for (float[] xt : x) {
                float[] ya = new float[H];
                a.step(xt, ya);
                float[] yb = b.step(xt);
                MemorySegment.copy(xt, 0, in, ValueLayout.JAVA_FLOAT, 0, I);
                c.step(in, out);
                float[] yd = d.step(MemorySegment.ofArray(xt)).toArray(ValueLayout.JAVA_FLOAT);
                assertArrayEquals(ya, yb);
                assertArrayEquals(ya, out.toArray(ValueLayout.JAVA_FLOAT));
                assertArrayEquals(ya, yd);
            }
        }
    }

    @Test
    void theOutputViewIsReadOnly() {
        try (InferenceModel model = model(CellType.GRU, 1, InferTesting.kernels("java"));
             StreamState s = model.newStream()) {
            MemorySegment y = s.step(MemorySegment.ofArray(new float[I]));
            assertTrue(y.isReadOnly());
            assertEquals((long) H * Float.BYTES, y.byteSize());
        }
    }

    @Test
    void wrongWidthsNameExpectedAndActual() {
        try (InferenceModel model = model(CellType.LSTM, 1, InferTesting.kernels("java"));
             StreamState s = model.newStream()) {
            var e = assertThrows(IllegalArgumentException.class, () -> s.step(new float[I + 1], new float[H]));
            assertEquals("input must have 5 floats, got 6", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> s.step(new float[I], new float[H - 1]));
            assertEquals("output must have 7 floats, got 6", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> s.step((float[]) null));
            assertTrue(e.getMessage().contains("input is null"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> s.step(MemorySegment.ofArray(new float[I - 1])));
            assertTrue(e.getMessage().contains("input must be 5 floats (20 bytes), got a segment of 16 bytes"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> s.step(MemorySegment.ofArray(new float[I]), MemorySegment.ofArray(new float[H + 2])));
            assertTrue(e.getMessage().contains("output must be 7 floats"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> s.setState(new float[H + 1], null));
            assertEquals("hidden state (L, H) must have 7 floats, got 8", e.getMessage());
        }
        try (InferenceModel model = model(CellType.GRU, 1, InferTesting.kernels("java"));
             StreamState s = model.newStream()) {
            var e = assertThrows(IllegalArgumentException.class, () -> s.setState(new float[H], new float[H]));
            assertTrue(e.getMessage().contains("only for LSTM"), e.getMessage());
        }
    }

    @Test
    void aFailedCallLeavesTheStateUnchanged() {
        try (InferenceModel model = model(CellType.LSTM, 1, InferTesting.kernels("java"));
             StreamState s = model.newStream(); StreamState t = model.newStream()) {
            float[] x = InferTesting.sequence(2, 1, I)[0];
            s.step(x);
            t.step(x);
            assertThrows(IllegalArgumentException.class, () -> s.step(new float[I + 1], new float[H]));
            assertArrayEquals(t.step(x), s.step(x));
        }
    }

    /**
     * Documented behaviour: NaN is not checked; it propagates to the output and into the state, so
     * later outputs are NaN too; reset() recovers the stream completely.
     */
    @ParameterizedTest
    @ValueSource(strings = {"LSTM", "GRU", "RNN_TANH", "RNN_RELU"})
    void nanPropagatesAndResetRecovers(String cellName) {
        for (String kernels : new String[] {"java", "native"}) {
            try (InferenceModel model = model(CellType.valueOf(cellName), 2, InferTesting.kernels(kernels));
                 StreamState s = model.newStream(); StreamState fresh = model.newStream()) {
                float[][] x = InferTesting.sequence(3, 3, I);
                s.step(x[0]);
                float[] bad = x[1].clone();
                bad[2] = Float.NaN;
                for (float v : s.step(bad)) {
                    assertTrue(Float.isNaN(v), kernels + ": NaN input must give NaN output, got " + v);
                }
                for (float v : s.step(x[2])) {
                    assertTrue(Float.isNaN(v), kernels + ": the NaN stays in the state, got " + v);
                }
                s.reset();
                assertArrayEquals(fresh.step(x[0]), s.step(x[0]), kernels + ": reset gives a fresh stream");
            }
        }
    }

    @Test
    void useAfterCloseIsAnIllegalStateException() {
        InferenceModel model = model(CellType.LSTM, 1, InferTesting.kernels("java"));
        StreamState s = model.newStream();
        byte[] snapshot = s.snapshot();
        s.close();
        s.close();   // idempotent
        assertFalse(s.isOpen());
        for (Runnable call : List.<Runnable>of(() -> s.step(new float[I]), s::reset, s::snapshot, () -> s.restore(snapshot),
                () -> s.getState(new float[H], null), () -> s.setState(new float[H], null),
                () -> s.step(MemorySegment.ofArray(new float[I])))) {
            var e = assertThrows(IllegalStateException.class, call::run);
            assertTrue(e.getMessage().contains("this StreamState is closed"), e.getMessage());
        }
        StreamState t = model.newStream();
        model.close();
        var e = assertThrows(IllegalStateException.class, () -> t.step(new float[I]));
        assertTrue(e.getMessage().contains("InferenceModel of this stream is closed"), e.getMessage());
        t.reset();   // the stream's own memory is still there: reset, snapshot and close work
        t.close();
        e = assertThrows(IllegalStateException.class, model::newStream);
        assertTrue(e.getMessage().contains("InferenceModel is closed"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"java", "native"})
    void streamsDoNotShareState(String kernels) {
        float[][] x = InferTesting.sequence(4, 8, I);
        try (InferenceModel model = model(CellType.GRU, 3, InferTesting.kernels(kernels))) {
            float[][] alone;
            try (StreamState s = model.newStream()) {
                alone = InferTesting.stepAlone(s, x);
            }
            // interleave three streams on other data, then a fresh one must match the lone run
            try (StreamState a = model.newStream(); StreamState b = model.newStream()) {
                float[][] other = InferTesting.sequence(5, 8, I);
                for (int t = 0; t < 8; t++) {
                    a.step(other[t]);
                    b.step(other[7 - t]);
                }
                try (StreamState c = model.newStream()) {
                    for (int t = 0; t < 8; t++) {
                        a.step(other[t]);
                        assertArrayEquals(alone[t], c.step(x[t]), "step " + t);
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"java", "native"})
    void threadsSteppingTheirOwnStreamsGetTheSequentialResults(String kernels) throws Exception {
        int streams = 12, steps = 40;
        try (InferenceModel model = model(CellType.LSTM, 2, InferTesting.kernels(kernels))) {
            float[][][] x = new float[streams][][];
            float[][][] expected = new float[streams][][];
            for (int i = 0; i < streams; i++) {
                x[i] = InferTesting.sequence(100 + i, steps, I);
                try (StreamState s = model.newStream()) {
                    expected[i] = InferTesting.stepAlone(s, x[i]);
                }
            }
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<float[][]>> results = new ArrayList<>();
                for (int i = 0; i < streams; i++) {
                    int id = i;
                    results.add(pool.submit(() -> {
                        try (StreamState s = model.newStream()) {
                            float[][] y = new float[steps][H];
                            for (int t = 0; t < steps; t++) {
                                s.step(x[id][t], y[t]);
                                if (t % 7 == id % 7) {
                                    Thread.yield();
                                }
                            }
                            return y;
                        }
                    }));
                }
                for (int i = 0; i < streams; i++) {
                    float[][] y = results.get(i).get();
                    for (int t = 0; t < steps; t++) {
                        assertArrayEquals(expected[i][t], y[t], "stream " + i + " step " + t);
                    }
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /** Close of the model while a step is inside a kernel: that step finishes on valid memory, later ones throw. */
    @ParameterizedTest
    @ValueSource(strings = {"java", "native"})
    void closingTheModelDuringAStepWaitsForItBeforeFreeing(String kernels) throws Exception {
        BlockingKernels blocking = new BlockingKernels(InferTesting.kernels(kernels));
        InferenceModel model = model(CellType.LSTM, 2, blocking.kernels());
        float[] x = InferTesting.sequence(6, 1, I)[0];
        float[] expected;
        try (InferenceModel reference = model(CellType.LSTM, 2, InferTesting.kernels(kernels));
             StreamState r = reference.newStream()) {
            expected = r.step(x);
        }
        StreamState s = model.newStream();
        blocking.arm();
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<float[]> running = pool.submit(() -> s.step(x));
            blocking.awaitBlocked();
            model.close();                             // returns at once
            assertFalse(model.isOpen());
            assertFalse(model.isFreed(), "the parameters must stay until the running step leaves");
            blocking.release();
            assertArrayEquals(expected, running.get(), "the running step completes normally");
            assertTrue(model.isFreed(), "the last step out frees the parameters");
            var e = assertThrows(IllegalStateException.class, () -> s.step(x));
            assertTrue(e.getMessage().contains("closed"), e.getMessage());
        } finally {
            blocking.release();
            pool.shutdownNow();
            s.close();
        }
    }

    /** Close, reset or a second step of a stream while it is inside a kernel. */
    @Test
    void resetOrStepDuringAStepIsRefusedAndCloseDuringAStepIsDeferred() throws Exception {
        BlockingKernels blocking = new BlockingKernels(InferTesting.kernels("native"));
        try (InferenceModel model = model(CellType.GRU, 1, blocking.kernels())) {
            StreamState s = model.newStream();
            float[] x = InferTesting.sequence(7, 1, I)[0];
            blocking.arm();
            ExecutorService pool = Executors.newSingleThreadExecutor();
            try {
                Future<float[]> running = pool.submit(() -> s.step(x));
                blocking.awaitBlocked();
                var e = assertThrows(IllegalStateException.class, s::reset);
                assertTrue(e.getMessage().contains("in use by another thread"), e.getMessage());
                assertThrows(IllegalStateException.class, () -> s.step(x));
                assertThrows(IllegalStateException.class, s::snapshot);
                s.close();                              // deferred to the end of the running step
                assertFalse(s.isOpen());
                blocking.release();
                assertEquals(H, running.get().length);
                e = assertThrows(IllegalStateException.class, () -> s.step(x));
                assertTrue(e.getMessage().contains("closed"), e.getMessage());
            } finally {
                blocking.release();
                pool.shutdownNow();
            }
        }
    }

    /** Unsynchronised close/reset against running steps, many times: only IllegalStateException, never a crash. */
    @ParameterizedTest
    @ValueSource(strings = {"java", "native"})
    void closeAndResetRacesGiveExceptionsNotCrashes(String kernels) throws Exception {
        float[] x = InferTesting.sequence(8, 1, I)[0];
        AtomicInteger refused = new AtomicInteger(), done = new AtomicInteger();
        for (int round = 0; round < 30; round++) {
            InferenceModel model = model(CellType.LSTM, 2, InferTesting.kernels(kernels));
            List<StreamState> streams = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                streams.add(model.newStream());
            }
            List<Thread> threads = new ArrayList<>();
            for (StreamState s : streams) {
                threads.add(Thread.ofPlatform().start(() -> {
                    float[] y = new float[H];
                    for (int t = 0; t < 2000; t++) {
                        try {
                            s.step(x, y);
                            done.incrementAndGet();
                        } catch (IllegalStateException e) {
                            refused.incrementAndGet();
                        }
                    }
                }));
            }
            Thread.sleep(1);
            for (StreamState s : streams) {   // racing the stepping threads
                try {
                    s.reset();
                } catch (IllegalStateException e) {
                    refused.incrementAndGet();
                }
            }
            if (round % 2 == 0) {
                model.close();
            } else {
                streams.forEach(StreamState::close);
            }
            for (Thread t : threads) {
                t.join();
            }
            streams.forEach(StreamState::close);
            model.close();
            assertTrue(model.isFreed());
        }
        assertTrue(done.get() > 0 && refused.get() > 0, "both outcomes should occur: " + done + " done, " + refused + " refused");
    }
}
