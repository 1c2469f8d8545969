package dev.panamarnn.infer;

import dev.panamarnn.testing.BlockingKernels;
import static dev.panamarnn.infer.InferTesting.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.CellType;
import dev.panamarnn.Rnn;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What runs on the batcher's worker thread: an interrupt of the idle worker does not leak into the
 * callbacks of the next batch (it used to: the interrupt status stayed set while callbacks and
 * dependent stages ran), and a callback that throws — an AssertionError included — neither stops
 * the worker nor takes the results of the other steps of its batch.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StreamBatcherWorkerTest {
    static final int I = 4;
    static final int H = 5;

    private static InferenceModel model(BlockingKernels kernels) {
        try (Rnn rnn = InferTesting.rnn(CellType.GRU, I, H, 2, 8, kernels.kernels())) {
            return InferenceModel.of(rnn);
        }
    }

    @Test
    void anInterruptOfTheIdleWorkerDoesNotReachTheCallbacks() throws Exception {
        AtomicReference<Thread> worker = new AtomicReference<>();
        try (InferenceModel model = model(new BlockingKernels(InferTesting.kernels("native")));
             StreamState s = model.newStream();
             StreamBatcher batcher = StreamBatcher.builder(model).threadFactory(r -> {
                 Thread t = new Thread(r, "worker-test");
                 t.setDaemon(true);
                 worker.set(t);
                 return t;
             }).build()) {
            for (int round = 0; round < 5; round++) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (worker.get().getState() != Thread.State.WAITING && System.nanoTime() < deadline) {
                    Thread.sleep(1);          // the worker is idle, waiting for a step
                }
                assertEquals(Thread.State.WAITING, worker.get().getState());
                worker.get().interrupt();
                AtomicReference<Boolean> interruptedInCallback = new AtomicReference<>();
                CompletableFuture<Void> done = new CompletableFuture<>();
                batcher.submit(s, new float[I], new float[H], (y, failure) -> {
                    interruptedInCallback.set(Thread.currentThread().isInterrupted());
                    done.complete(null);
                });
                done.get(10, TimeUnit.SECONDS);
                assertFalse(interruptedInCallback.get(), "round " + round + ": the callback ran with the worker's interrupt status set");
            }
        }
    }

    @Test
    void aThrowingCallbackTakesNothingFromTheRestOfItsBatch() throws Exception {
        BlockingKernels blocking = new BlockingKernels(InferTesting.kernels("native"));
        try (InferenceModel model = model(blocking)) {
            int streams = 6;
            float[][] x = InferTesting.sequence(3, 2, I);
            float[][] expected;
            try (StreamState alone = model.newStream()) {
                expected = InferTesting.stepAlone(alone, x);
            }
            List<StreamState> states = new ArrayList<>();
            AtomicInteger[] calls = new AtomicInteger[streams];
            float[][] outputs = new float[streams][];
            try (StreamBatcher batcher = StreamBatcher.builder(model).maxBatch(streams).build();
                 StreamState holder = model.newStream()) {
                blocking.arm();
                CompletableFuture<float[]> first = batcher.submit(holder, x[0]);
                blocking.awaitBlocked();      // the worker is busy: the next steps form one batch
                for (int i = 0; i < streams; i++) {
                    StreamState st = model.newStream();
                    states.add(st);
                    int id = i;
                    calls[i] = new AtomicInteger();
                    batcher.submit(st, x[0], new float[H], (y, failure) -> {
                        calls[id].incrementAndGet();
                        outputs[id] = y == null ? null : y.clone();
                        if (id == 0) {
                            throw new AssertionError("callback " + id);
                        }
                        if (id % 2 == 0) {
                            throw new IllegalStateException("callback " + id);
                        }
                    });
                }
                blocking.release();
                first.get(10, TimeUnit.SECONDS);
                CompletableFuture<float[]> after = batcher.submit(states.get(0), x[1]);
                assertClose(expected[1], after.get(10, TimeUnit.SECONDS), InferTesting.tolerance(I, H, 2),
                        "the worker still runs after callbacks threw");
                assertTrue(batcher.isOpen());
            }
            for (int i = 0; i < streams; i++) {
                assertEquals(1, calls[i].get(), "callback " + i);
                assertClose(expected[0], outputs[i], InferTesting.tolerance(I, H, 2), "result of step " + i);
            }
            states.forEach(StreamState::close);
        }
    }
}
