package dev.panamarnn.infer;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.panamarnn.CellType;
import dev.panamarnn.Rnn;
import java.lang.management.ManagementFactory;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The batcher's callback path allocates no object per step once warm: the submitted step's record
 * and its copy of the event come from the batcher's own pool (returned to it after the callback).
 * What remains on the submitting thread is the lock's: a contended {@code lock()} may allocate a
 * queue node (per contention, not per step), so it is held to at most 8 bytes per step, half the
 * smallest object, where a record and an event copy per step were 88 bytes. The worker's bytes are
 * printed, not bounded: each of its waits for work allocates a wait node, and how many waits a
 * round takes depends on the scheduler (31 bytes per step before the pool, about 5 after).
 */
class BatcherAllocationTest {
    static final int STREAMS = 32, WARMUP_ROUNDS = 1_500, ROUNDS = 500;
    /** Slack for the measurement itself. */
    static final long SLACK_BYTES = 2_048;

    @Test
    void aCallbackStepAllocatesNoObjectPerStep() throws Exception {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assumeTrue(threads.isThreadAllocatedMemorySupported(), "this JVM cannot count allocated bytes per thread");
        threads.setThreadAllocatedMemoryEnabled(true);
        AtomicReference<Thread> workerThread = new AtomicReference<>();
        try (Rnn rnn = InferTesting.rnn(CellType.LSTM, 8, 16, 2, 1, InferTesting.kernels("native"));
             InferenceModel model = InferenceModel.of(rnn);
             StreamBatcher batcher = StreamBatcher.builder(model).maxBatch(STREAMS).threadFactory(r -> {
                 Thread t = new Thread(r, "allocation-test-batcher");
                 t.setDaemon(true);
                 workerThread.set(t);
                 return t;
             }).build()) {
            StreamState[] streams = new StreamState[STREAMS];
            float[][] outputs = new float[STREAMS][model.outputSize()];
            for (int s = 0; s < STREAMS; s++) {
                streams[s] = model.newStream();
            }
            float[] event = InferTesting.sequence(1, 1, 8)[0];
            AtomicLong done = new AtomicLong();
            StepCallback callback = (output, failure) -> done.incrementAndGet();
            long id = Thread.currentThread().threadId();
            long submitted = 0;
            for (int round = 0; round < WARMUP_ROUNDS; round++) {
                submitted = round(batcher, streams, event, outputs, callback, done, submitted, round);
            }
            long worker = workerThread.get().threadId();
            long before = threads.getThreadAllocatedBytes(id), workerBefore = threads.getThreadAllocatedBytes(worker);
            for (int round = 0; round < ROUNDS; round++) {
                submitted = round(batcher, streams, event, outputs, callback, done, submitted, WARMUP_ROUNDS + round);
            }
            long allocated = threads.getThreadAllocatedBytes(id) - before;
            long workerAllocated = threads.getThreadAllocatedBytes(worker) - workerBefore;
            long steps = (long) ROUNDS * STREAMS;
            System.out.printf("batcher callback path, %d steps: submitting thread %d bytes, worker %d bytes (%.2f per step)%n",
                    steps, allocated, workerAllocated, (double) workerAllocated / steps);
            assertTrue(allocated <= SLACK_BYTES + 8L * steps, steps + " steps allocated " + allocated + " bytes on the submitting thread ("
                    + (double) allocated / steps + " per step); expected no object per step");
            for (StreamState s : streams) {
                s.close();
            }
        }
    }

    /** One step of every stream, then a spin until all have been delivered (no allocation while waiting). */
    private static long round(StreamBatcher batcher, StreamState[] streams, float[] event, float[][] outputs, StepCallback callback,
                              AtomicLong done, long submitted, int round) {
        for (int s = 0; s < streams.length; s++) {
            if (round % 50 == 0) {
                batcher.submitAfterReset(streams[s], event, outputs[s], callback);   // keeps the state bounded
            } else {
                batcher.submit(streams[s], event, outputs[s], callback);
            }
        }
        submitted += streams.length;
        while (done.get() < submitted) {
            Thread.onSpinWait();
        }
        return submitted;
    }
}
