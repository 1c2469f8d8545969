package dev.panamarnn.infer;

import dev.panamarnn.testing.BlockingKernels;
import static dev.panamarnn.infer.InferTesting.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.panamarnn.CellType;
import dev.panamarnn.Rnn;
import dev.panamarnn.kernels.Kernels;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The batcher: results equal stepping each stream alone whatever the interleaving and batching;
 * per-stream order; per-row reset; backpressure; close completes every accepted step exactly once;
 * closed streams and models fail only their steps; interrupts change nothing.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class StreamBatcherTest {
    static final int I = 6;
    static final int H = 9;

    private static InferenceModel model(CellType cell, int layers, Kernels kernels) {
        try (Rnn rnn = InferTesting.rnn(cell, I, H, layers, 4, kernels)) {
            return InferenceModel.of(rnn);
        }
    }

    /**
     * N threads x M streams, random interleavings, random pipelining depth, futures and callbacks
     * mixed, random batch limits: every output equals the stream stepped alone.
     */
    @ParameterizedTest
    @ValueSource(strings = {"java", "native"})
    void concurrentStreamsGetTheSequentialResults(String kernels) throws Exception {
        int threads = 4, streamsPerThread = 6, steps = 25;
        for (CellType cell : new CellType[] {CellType.LSTM, CellType.GRU, CellType.GRU_RESET_BEFORE, CellType.RNN_TANH}) {
            try (InferenceModel model = model(cell, 2, InferTesting.kernels(kernels))) {
                int streams = threads * streamsPerThread;
                float[][][] x = new float[streams][][];
                float[][][] expected = new float[streams][][];
                for (int i = 0; i < streams; i++) {
                    x[i] = InferTesting.sequence(1000 + i, steps, I);
                    try (StreamState s = model.newStream()) {
                        expected[i] = InferTesting.stepAlone(s, x[i]);
                    }
                }
                for (int maxBatch : new int[] {1, 5, 64}) {
                    Duration wait = maxBatch == 5 ? Duration.ofNanos(200_000) : Duration.ZERO;
                    float[][][] actual = new float[streams][steps][];
                    try (StreamBatcher batcher = StreamBatcher.builder(model).maxBatch(maxBatch).maxWait(wait).build()) {
                        List<Thread> workers = new ArrayList<>();
                        AtomicReference<Throwable> error = new AtomicReference<>();
                        for (int w = 0; w < threads; w++) {
                            int first = w * streamsPerThread;
                            workers.add(Thread.ofPlatform().start(() -> {
                                try {
                                    drive(batcher, model, x, actual, first, streamsPerThread, new SplittableRandom(first * 31L + maxBatch));
                                } catch (Throwable t) {
                                    error.set(t);
                                }
                            }));
                        }
                        for (Thread t : workers) {
                            t.join();
                        }
                        if (error.get() != null) {
                            throw new AssertionError(error.get());
                        }
                        assertTrue(batcher.stepCount() == (long) streams * steps, batcher.stepCount() + " steps");
                    }
                    double tol = InferTesting.tolerance(I, H, 2);
                    for (int i = 0; i < streams; i++) {
                        for (int t = 0; t < steps; t++) {
                            assertClose(expected[i][t], actual[i][t], tol, cell + " maxBatch " + maxBatch + " stream " + i + " step " + t);
                        }
                    }
                }
            }
        }
    }

    /** One thread's streams: pick a random stream, submit its next step, sometimes wait for older ones. */
    private static void drive(StreamBatcher batcher, InferenceModel model, float[][][] x, float[][][] out, int first, int count,
                              SplittableRandom random) throws Exception {
        int steps = x[0].length;
        StreamState[] streams = new StreamState[count];
        int[] next = new int[count];
        List<List<CompletableFuture<float[]>>> futures = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            streams[i] = model.newStream();
            futures.add(new ArrayList<>());
        }
        int remaining = count * steps;
        while (remaining > 0) {
            int i = random.nextInt(count);
            if (next[i] == steps) {
                continue;
            }
            int id = first + i, t = next[i]++;
            remaining--;
            CompletableFuture<float[]> f;
            if (random.nextInt(3) == 0) {
                f = new CompletableFuture<>();
                CompletableFuture<float[]> done = f;
                batcher.submit(streams[i], x[id][t], new float[H], (y, failure) -> {
                    if (failure != null) {
                        done.completeExceptionally(failure);
                    } else {
                        done.complete(y);
                    }
                });
            } else {
                f = batcher.submit(streams[i], x[id][t]);
            }
            futures.get(i).add(f);
            if (random.nextInt(4) == 0) {      // sometimes wait: pipelining depth varies
                f.get(30, TimeUnit.SECONDS);
            }
            if (random.nextInt(50) == 0) {
                Thread.sleep(0, 300_000);
            }
        }
        for (int i = 0; i < count; i++) {
            for (int t = 0; t < steps; t++) {
                out[first + i][t] = futures.get(i).get(t).get(30, TimeUnit.SECONDS);
            }
            streams[i].close();
        }
    }

    @Test
    void submitAfterResetStartsAFreshSequenceForThatRowOnly() throws Exception {
        try (InferenceModel model = model(CellType.LSTM, 2, InferTesting.kernels("native"));
             StreamBatcher batcher = StreamBatcher.builder(model).maxBatch(8).build();
             StreamState a = model.newStream(); StreamState b = model.newStream(); StreamState fresh = model.newStream()) {
            float[][] x = InferTesting.sequence(5, 4, I);
            batcher.submit(a, x[0]);
            batcher.submit(b, x[0]);
            batcher.submit(a, x[1]);
            CompletableFuture<float[]> ra = batcher.submitAfterReset(a, x[2]);
            CompletableFuture<float[]> rb = batcher.submit(b, x[1]);
            double tol = InferTesting.tolerance(I, H, 2);
            assertClose(fresh.step(x[2]), ra.get(), tol, "a after reset");
            try (StreamState b2 = model.newStream()) {
                b2.step(x[0]);
                assertClose(b2.step(x[1]), rb.get(), tol, "b unaffected by a's reset");
            }
        }
    }

    /**
     * One batch of more than PART_ROWS steps (maxWait holds the worker until the batch is full) is
     * computed in parts: every stream's two steps equal that stream stepped alone, and the steps
     * count as one batch each.
     */
    @ParameterizedTest
    @ValueSource(strings = {"LSTM", "GRU"})
    void aBatchLargerThanOnePartGivesEachStreamItsOwnResult(String cell) throws Exception {
        int streams = 2 * StreamBatcher.PART_ROWS + 3;
        try (InferenceModel model = model(CellType.valueOf(cell), 2, InferTesting.kernels("native"));
             StreamBatcher batcher = StreamBatcher.builder(model).maxBatch(streams).maxWait(Duration.ofSeconds(30)).build()) {
            float[][][] x = new float[streams][][];
            List<StreamState> states = new ArrayList<>();
            List<List<CompletableFuture<float[]>>> results = new ArrayList<>();
            for (int i = 0; i < streams; i++) {
                x[i] = InferTesting.sequence(100 + i, 2, I);
                states.add(model.newStream());
                results.add(new ArrayList<>());
            }
            for (int t = 0; t < 2; t++) {
                for (int i = 0; i < streams; i++) {
                    results.get(i).add(batcher.submit(states.get(i), x[i][t]));
                }
            }
            double tol = InferTesting.tolerance(I, H, 2);
            for (int i = 0; i < streams; i++) {
                float[][] expected;
                try (StreamState alone = model.newStream()) {
                    expected = InferTesting.stepAlone(alone, x[i]);
                }
                for (int t = 0; t < 2; t++) {
                    assertClose(expected[t], results.get(i).get(t).get(), tol, cell + " stream " + i + " step " + t);
                }
            }
            assertEquals(2L * streams, batcher.stepCount());
            assertEquals(2L, batcher.batchCount(), "two full batches of " + streams + " steps");
            states.forEach(StreamState::close);
        }
    }

    @Test
    void noStateLeaksThroughTheBatchBuffers() throws Exception {
        try (InferenceModel model = model(CellType.GRU, 3, InferTesting.kernels("native"));
             StreamBatcher batcher = StreamBatcher.builder(model).maxBatch(16).build()) {
            float[][] x = InferTesting.sequence(6, 5, I);
            List<StreamState> busy = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                StreamState s = model.newStream();
                busy.add(s);
                for (int t = 0; t < 5; t++) {
                    batcher.submit(s, x[(t + i) % 5]);
                }
            }
            float[][] expected;
            try (StreamState alone = model.newStream()) {
                expected = InferTesting.stepAlone(alone, x);
            }
            try (StreamState late = model.newStream()) {     // joins batches whose rows held other streams
                for (int t = 0; t < 5; t++) {
                    assertClose(expected[t], batcher.submit(late, x[t]).get(), InferTesting.tolerance(I, H, 3), "step " + t);
                }
            }
            busy.forEach(StreamState::close);
        }
    }

    @Test
    void fullQueueRejectsAtOnceWithAClearMessage() throws Exception {
        BlockingKernels blocking = new BlockingKernels(InferTesting.kernels("native"));
        try (InferenceModel model = model(CellType.RNN_TANH, 1, blocking.kernels());
             StreamState s = model.newStream()) {
            StreamBatcher batcher = StreamBatcher.builder(model).maxBatch(1).queueCapacity(3).build();
            float[] x = new float[I];
            blocking.arm();
            List<CompletableFuture<float[]>> accepted = new ArrayList<>();
            accepted.add(batcher.submit(s, x));
            blocking.awaitBlocked();                    // the worker holds step 1; the queue is empty
            for (int i = 0; i < 3; i++) {
                accepted.add(batcher.submit(s, x));
            }
            assertEquals(3, batcher.pending());
            var e = assertThrows(RejectedExecutionException.class, () -> batcher.submit(s, x));
            assertTrue(e.getMessage().contains("queue is full: 3 steps are waiting"), e.getMessage());
            blocking.release();
            batcher.close();
            for (CompletableFuture<float[]> f : accepted) {
                assertEquals(H, f.get().length);
            }
            e = assertThrows(RejectedExecutionException.class, () -> batcher.submit(s, x));
            assertTrue(e.getMessage().contains("closed"), e.getMessage());
        }
    }

    /**
     * In a callback, batchSteps() is the size of the step's own batch and batchCollectedNanos() the time its
     * batch left the queue: after the step was submitted, before its callback ran. The worker is held in a
     * kernel on a first batch of one step while five more steps queue, so the second batch has five.
     */
    @Test
    void callbacksSeeTheirBatchSizeAndWhenItWasCollected() throws Exception {
        BlockingKernels blocking = new BlockingKernels(InferTesting.kernels("native"));
        int queued = 5;
        try (InferenceModel model = model(CellType.RNN_TANH, 1, blocking.kernels());
             StreamBatcher batcher = StreamBatcher.builder(model).maxBatch(64).build()) {
            List<StreamState> streams = new ArrayList<>();
            for (int i = 0; i <= queued; i++) {
                streams.add(model.newStream());
            }
            int[] steps = new int[queued + 1];
            long[] collected = new long[queued + 1];
            long[] called = new long[queued + 1];
            long[] submitted = new long[queued + 1];
            CountDownLatch done = new CountDownLatch(queued + 1);
            float[] x = new float[I];
            blocking.arm();
            for (int i = 0; i <= queued; i++) {
                int row = i;
                submitted[i] = System.nanoTime();
                batcher.submit(streams.get(i), x, new float[H], (y, failure) -> {
                    called[row] = System.nanoTime();
                    steps[row] = batcher.batchSteps();
                    collected[row] = batcher.batchCollectedNanos();
                    done.countDown();
                });
                if (i == 0) {
                    blocking.awaitBlocked();                 // the worker holds the first step, alone in its batch
                }
            }
            blocking.release();
            assertTrue(done.await(30, TimeUnit.SECONDS));
            assertEquals(1, steps[0], "the first batch");
            for (int i = 0; i <= queued; i++) {
                if (i > 0) {
                    assertEquals(queued, steps[i], "step " + i + "'s batch");
                    assertEquals(collected[1], collected[i], "one batch, one collection time");
                }
                assertTrue(submitted[i] <= collected[i] && collected[i] <= called[i],
                        "step " + i + ": submitted " + submitted[i] + ", collected " + collected[i] + ", called back " + called[i]);
            }
            assertTrue(collected[0] < collected[1], "the second batch was collected after the first");
            streams.forEach(StreamState::close);
        }
    }

    /** close() while many steps wait: every accepted step completes exactly once, in order, nothing after. */
    @ParameterizedTest
    @ValueSource(strings = {"java", "native"})
    void closeCompletesEveryAcceptedStepExactlyOnce(String kernels) throws Exception {
        BlockingKernels blocking = new BlockingKernels(InferTesting.kernels(kernels));
        try (InferenceModel model = model(CellType.LSTM, 2, blocking.kernels())) {
            int streams = 20, steps = 10;
            float[][] x = InferTesting.sequence(7, steps, I);
            float[][] expected;
            try (StreamState alone = model.newStream()) {
                expected = InferTesting.stepAlone(alone, x);
            }
            StreamBatcher batcher = StreamBatcher.builder(model).maxBatch(7).build();
            List<StreamState> states = new ArrayList<>();
            AtomicInteger[] calls = new AtomicInteger[streams * steps];
            float[][] outputs = new float[streams * steps][];
            blocking.arm();
            for (int i = 0; i < streams; i++) {
                StreamState s = model.newStream();
                states.add(s);
                for (int t = 0; t < steps; t++) {
                    int id = i * steps + t;
                    calls[id] = new AtomicInteger();
                    batcher.submit(s, x[t], new float[H], (y, failure) -> {
                        calls[id].incrementAndGet();
                        outputs[id] = failure == null ? y.clone() : null;
                    });
                }
            }
            blocking.awaitBlocked();
            Thread closer = Thread.ofPlatform().start(batcher::close);
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (batcher.isOpen() && System.nanoTime() < deadline) {   // until close() has begun, however slow the machine
                Thread.sleep(1);
            }
            assertFalse(batcher.isOpen(), "close() has begun");
            assertTrue(closer.isAlive(), "close waits for the accepted steps");
            assertThrows(RejectedExecutionException.class, () -> batcher.submit(states.get(0), x[0]));
            blocking.release();
            closer.join(30_000);
            assertFalse(closer.isAlive());
            for (int i = 0; i < streams; i++) {
                for (int t = 0; t < steps; t++) {
                    int id = i * steps + t;
                    assertEquals(1, calls[id].get(), "callback calls of stream " + i + " step " + t);
                    assertNotNull(outputs[id], "stream " + i + " step " + t + " failed");
                    assertClose(expected[t], outputs[id], InferTesting.tolerance(I, H, 2), "stream " + i + " step " + t);
                }
            }
            states.forEach(StreamState::close);
        }
    }

    @Test
    void closedStreamsAndModelsFailOnlyTheirSteps() throws Exception {
        BlockingKernels blocking = new BlockingKernels(InferTesting.kernels("native"));
        InferenceModel model = model(CellType.GRU, 1, blocking.kernels());
        StreamState a = model.newStream(), b = model.newStream(), c = model.newStream();
        try (StreamBatcher batcher = StreamBatcher.builder(model).maxBatch(4).build()) {
            float[] x = new float[I];
            blocking.arm();
            CompletableFuture<float[]> first = batcher.submit(c, x);
            blocking.awaitBlocked();                      // the worker is inside c's batch
            CompletableFuture<float[]> fa = batcher.submit(a, x);
            CompletableFuture<float[]> fb = batcher.submit(b, x);
            a.close();                                    // closed while queued
            blocking.release();
            assertEquals(H, first.get().length);
            assertEquals(H, fb.get().length);
            ExecutionException e = assertThrows(ExecutionException.class, fa::get);
            assertInstanceOf(IllegalStateException.class, e.getCause());
            assertTrue(e.getCause().getMessage().contains("StreamState is closed"), e.getCause().getMessage());
            var direct = assertThrows(IllegalStateException.class, () -> batcher.submit(a, x));
            assertTrue(direct.getMessage().contains("closed"));

            blocking.arm();
            CompletableFuture<float[]> fc = batcher.submit(c, x);
            blocking.awaitBlocked();
            CompletableFuture<float[]> fb2 = batcher.submit(b, x);
            model.close();                                // closed with one batch running and one step queued
            blocking.release();
            assertEquals(H, fc.get().length, "the running batch finishes");
            e = assertThrows(ExecutionException.class, fb2::get);
            assertTrue(e.getCause().getMessage().contains("InferenceModel is closed"), e.getCause().getMessage());
            assertTrue(model.isFreed());
        } finally {
            b.close();
            c.close();
        }
    }

    @Test
    void wrongArgumentsAreRejectedAtSubmit() {
        try (InferenceModel model = model(CellType.LSTM, 1, InferTesting.kernels("java"));
             InferenceModel other = model(CellType.LSTM, 1, InferTesting.kernels("java"));
             StreamBatcher batcher = StreamBatcher.builder(model).build();
             StreamState s = model.newStream(); StreamState foreign = other.newStream()) {
            var e = assertThrows(IllegalArgumentException.class, () -> batcher.submit(s, new float[I - 1]));
            assertEquals("input must have 6 floats, got 5", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> batcher.submit(s, new float[I], new float[1], (y, f) -> { }));
            assertEquals("output must have 9 floats, got 1", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> batcher.submit(foreign, new float[I]));
            assertTrue(e.getMessage().contains("belongs to another InferenceModel"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> batcher.submit(null, new float[I]));
            assertThrows(IllegalArgumentException.class, () -> batcher.submit(s, new float[I], new float[H], null));
            assertThrows(IllegalArgumentException.class, () -> StreamBatcher.builder(model).maxBatch(0));
            assertThrows(IllegalArgumentException.class, () -> StreamBatcher.builder(model).queueCapacity(0));
            assertThrows(IllegalArgumentException.class, () -> StreamBatcher.builder(model).maxWait(Duration.ofMillis(-1)));
        }
    }

    @Test
    void directStepWhileTheBatcherHoldsTheStreamIsRefused() throws Exception {
        BlockingKernels blocking = new BlockingKernels(InferTesting.kernels("native"));
        try (InferenceModel model = model(CellType.LSTM, 1, blocking.kernels());
             StreamBatcher batcher = StreamBatcher.builder(model).build();
             StreamState s = model.newStream()) {
            blocking.arm();
            CompletableFuture<float[]> f = batcher.submit(s, new float[I]);
            blocking.awaitBlocked();
            var e = assertThrows(IllegalStateException.class, () -> s.step(new float[I]));
            assertTrue(e.getMessage().contains("in use"), e.getMessage());
            blocking.release();
            assertEquals(H, f.get().length);
        }
    }

    @Test
    void interruptsNeitherStopTheWorkerNorCutCloseShort() throws Exception {
        AtomicReference<Thread> worker = new AtomicReference<>();
        try (InferenceModel model = model(CellType.GRU, 2, InferTesting.kernels("native"));
             StreamState s = model.newStream()) {
            StreamBatcher batcher = StreamBatcher.builder(model).maxWait(Duration.ofMillis(1)).threadFactory(r -> {
                Thread t = new Thread(r, "test-batcher");
                t.setDaemon(true);
                worker.set(t);
                return t;
            }).build();
            float[][] x = InferTesting.sequence(9, 50, I);
            List<CompletableFuture<float[]>> futures = new ArrayList<>();
            for (int t = 0; t < 50; t++) {
                futures.add(batcher.submit(s, x[t]));
                if (t % 5 == 0) {
                    worker.get().interrupt();
                }
            }
            Thread.currentThread().interrupt();
            batcher.close();
            assertTrue(Thread.interrupted(), "close keeps the caller's interrupt status");
            for (CompletableFuture<float[]> f : futures) {
                assertTrue(f.isDone() && !f.isCompletedExceptionally(), "every accepted step completed");
            }
            try (StreamState alone = model.newStream()) {
                float[][] expected = InferTesting.stepAlone(alone, x);
                for (int t = 0; t < 50; t++) {
                    assertClose(expected[t], futures.get(t).get(), InferTesting.tolerance(I, H, 2), "step " + t);
                }
            }
            assertFalse(worker.get().isAlive());
        }
    }

    @Test
    void closeFromACallbackDoesNotDeadlock() throws Exception {
        try (InferenceModel model = model(CellType.RNN_RELU, 1, InferTesting.kernels("native"));
             StreamState s = model.newStream()) {
            StreamBatcher batcher = StreamBatcher.builder(model).build();
            CountDownLatch closed = new CountDownLatch(1);
            batcher.submit(s, new float[I], new float[H], (y, f) -> {
                batcher.close();
                closed.countDown();
            });
            assertTrue(closed.await(10, TimeUnit.SECONDS));
            batcher.close();
            assertFalse(batcher.isOpen());
        }
    }

    @Test
    void batchesAreFormedUnderLoad() throws Exception {
        try (InferenceModel model = model(CellType.LSTM, 1, InferTesting.kernels("native"));
             StreamBatcher batcher = StreamBatcher.builder(model).maxBatch(32).maxWait(Duration.ofMillis(100)).build()) {
            List<StreamState> streams = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                streams.add(model.newStream());
            }
            List<CompletableFuture<float[]>> futures = new ArrayList<>();
            for (StreamState s : streams) {      // a full batch ends the wait early
                futures.add(batcher.submit(s, new float[I]));
            }
            for (CompletableFuture<float[]> f : futures) {
                f.get();
            }
            assertEquals(64, batcher.stepCount());
            if (batcher.batchCount() > 8) {
                fail("64 steps submitted at once with maxBatch 32 should take few batches, took " + batcher.batchCount());
            }
            streams.forEach(StreamState::close);
        }
    }

    @Test
    void aClosedModelCannotGetABatcher() {
        InferenceModel model = model(CellType.LSTM, 1, InferTesting.kernels("java"));
        model.close();
        assertThrows(IllegalStateException.class, () -> StreamBatcher.builder(model).build());
    }

    @Test
    void resultsAreFreshArrays() throws Exception {
        try (InferenceModel model = model(CellType.LSTM, 1, InferTesting.kernels("native"));
             StreamBatcher batcher = StreamBatcher.builder(model).build(); StreamState s = model.newStream()) {
            float[] x = new float[I];
            float[] a = batcher.submit(s, x).get();
            float[] copy = a.clone();
            batcher.submit(s, x).get();
            assertArrayEquals(copy, a, "an earlier result is not overwritten");
        }
    }
}
