package dev.panamarnn.infer;

import static dev.panamarnn.infer.InferTesting.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.panamarnn.CellType;
import dev.panamarnn.Rnn;
import dev.panamarnn.kernels.Kernels;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The batcher under hostile load, run after run from seeds: submitter threads pipeline the steps
 * of their streams (futures and callbacks mixed, a small queue so backpressure rejects), streams
 * driven by their own callbacks on the worker, a chaos thread interrupting submitters, the closer
 * and the worker at random moments, and at a random point close() of the batcher, of single
 * streams, or of the model itself — while steps are in flight. Every run must end within its
 * timeout (no deadlock), and for every stream:
 * <ul>
 * <li>every accepted step completes exactly once (callbacks are counted), all of them before
 *     close() returns;</li>
 * <li>its outcomes are successes followed by documented failures only (IllegalStateException
 *     naming the closed stream or model), never "worker stopped";</li>
 * <li>the successes equal the stream stepped alone from the start (the single-stream reference),
 *     so no step was lost, duplicated or mixed up with another stream's, and its final state is
 *     the reference state after exactly that many steps; the batcher's step count is their sum.</li>
 * </ul>
 * -Drnn.race.runs=N (default 24) and -Drnn.race.seed=S change the runs; a failure names its seed.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class StreamBatcherRaceTest {
    static final int I = 5;
    static final int H = 7;
    static final int LAYERS = 2;
    static final int STREAMS = 14;          // driven by submitter threads
    static final int CHAINED = 3;           // driven by their own callbacks, on the worker
    static final int SUBMITTERS = 5;
    static final int STEPS = 40;
    static final long WAIT_SECONDS = 30;    // longer than any honest run by far: beyond it, a deadlock

    /** How a run ends its batcher. */
    enum Ending { CLOSE_BATCHER, CLOSE_STREAMS, CLOSE_MODEL }

    /** One accepted step: its result or its failure, and how often it was delivered. */
    static final class Outcome {
        final int step;
        final AtomicInteger deliveries = new AtomicInteger();
        volatile float[] value;
        volatile Throwable failure;
        volatile CompletableFuture<float[]> future;   // null for a callback step
        volatile boolean accepted;                    // submit returned normally

        Outcome(int step) {
            this.step = step;
        }

        void deliver(float[] y, Throwable f) {
            deliveries.incrementAndGet();
            if (f != null) {
                failure = f;
            } else {
                value = y.clone();
            }
        }

        boolean done() {
            return future != null ? future.isDone() : deliveries.get() > 0;
        }
    }

    @Test
    void interruptsAndClosesUnderLoadLoseNothing() throws Exception {
        int runs = Integer.getInteger("rnn.race.runs", 24);
        long seed = Long.getLong("rnn.race.seed", 20261125L);
        Kernels nativeKernels = InferTesting.kernels("native"), javaKernels = InferTesting.kernels("java");
        float[][][] x = new float[STREAMS + CHAINED][][];
        for (int s = 0; s < x.length; s++) {
            x[s] = InferTesting.sequence(500 + s, STEPS, I);
        }
        float[][][] nativeReference = references(nativeKernels, x), javaReference = references(javaKernels, x);
        int[] endings = new int[Ending.values().length];
        long accepted = 0, failed = 0, interrupts = 0;
        for (int run = 0; run < runs; run++) {
            SplittableRandom random = new SplittableRandom(seed + run);
            Kernels kernels = run % 3 == 2 ? javaKernels : nativeKernels;
            Ending ending = Ending.values()[random.nextInt(Ending.values().length)];
            try (Rnn rnn = InferTesting.rnn(CellType.LSTM, I, H, LAYERS, 11, kernels)) {
                float[][][] expected = kernels == javaKernels ? javaReference : nativeReference;
                String what = "seed " + (seed + run) + " (" + ending + ", " + kernels.name() + ")";
                RunResult r = race(rnn, x, expected, ending, random, what);
                endings[ending.ordinal()]++;
                accepted += r.accepted;
                failed += r.failed;
                interrupts += r.interrupts;
            }
        }
        System.out.printf("[StreamBatcherRaceTest] %d runs (close batcher %d, close streams %d, close model %d): %d steps accepted,"
                + " %d failed as documented, %d interrupts sent; nothing lost, duplicated or mixed up%n", runs, endings[0], endings[1],
                endings[2], accepted, failed, interrupts);
    }

    record RunResult(long accepted, long failed, long interrupts) {}

    private static RunResult race(Rnn rnn, float[][][] x, float[][][] expected, Ending ending, SplittableRandom random, String what)
            throws Exception {
        InferenceModel model = InferenceModel.of(rnn);
        int total = x.length;
        StreamState[] streams = new StreamState[total];
        List<Queue<Outcome>> outcomes = new ArrayList<>();
        for (int s = 0; s < total; s++) {
            streams[s] = model.newStream();
            outcomes.add(new ConcurrentLinkedQueue<>());
        }
        AtomicReference<Thread> worker = new AtomicReference<>();
        int maxBatch = new int[] {1, 3, 8, 32}[random.nextInt(4)];
        StreamBatcher batcher = StreamBatcher.builder(model).maxBatch(maxBatch)
                .maxWait(Duration.ofNanos(random.nextBoolean() ? 0 : 50_000))
                .queueCapacity(random.nextBoolean() ? 8 : 4096)
                .threadFactory(r -> {
                    Thread t = new Thread(r, "race-batcher");
                    t.setDaemon(true);
                    worker.set(t);
                    return t;
                }).build();
        AtomicReference<Throwable> error = new AtomicReference<>();
        AtomicInteger submitted = new AtomicInteger();
        int closeAfter = random.nextInt(total * STEPS * 3 / 4 + 1);    // submissions before the ending
        boolean[] closedByTest = new boolean[total];

        // streams STREAMS.. are driven by callbacks: step t's callback submits step t+1 (on the worker)
        for (int s = STREAMS; s < total; s++) {
            chain(batcher, streams[s], x[s], outcomes.get(s), 0, submitted);
        }
        List<Thread> submitters = new ArrayList<>();
        for (int w = 0; w < SUBMITTERS; w++) {
            int first = w * STREAMS / SUBMITTERS, end = (w + 1) * STREAMS / SUBMITTERS;
            SplittableRandom own = random.split();
            submitters.add(Thread.ofPlatform().name("race-submitter-" + w).start(() -> {
                try {
                    submit(batcher, streams, x, outcomes, first, end, own, submitted);
                } catch (Throwable t) {
                    error.compareAndSet(null, t);
                }
            }));
        }
        // the ending, on its own thread, once enough has been submitted
        AtomicReference<String> notDoneAtClose = new AtomicReference<>();
        Thread closer = Thread.ofPlatform().name("race-closer").start(() -> {
            try {
                while (submitted.get() < closeAfter && submitters.stream().anyMatch(Thread::isAlive)) {
                    Thread.onSpinWait();
                }
                switch (ending) {
                    case CLOSE_STREAMS -> {
                        for (int s = 0; s < total; s += 3) {
                            closedByTest[s] = true;
                            streams[s].close();
                        }
                    }
                    case CLOSE_MODEL -> model.close();
                    case CLOSE_BATCHER -> { }
                }
                batcher.close();
                Thread.interrupted();            // the chaos thread may have interrupted the closer
                // close() has returned: every step accepted before it must be done
                for (int s = 0; s < total; s++) {
                    for (Outcome o : outcomes.get(s)) {
                        if (o.accepted && !o.done()) {
                            notDoneAtClose.compareAndSet(null, "stream " + s + " step " + o.step);
                        }
                    }
                }
            } catch (Throwable t) {
                error.compareAndSet(null, t);
            }
        });
        // chaos: interrupts at random moments, until the submitters and the closer are done
        List<Thread> targets = new ArrayList<>(submitters);
        targets.add(closer);
        targets.add(worker.get());
        long interrupts = 0;
        SplittableRandom chaos = random.split();
        while (targets.stream().limit(SUBMITTERS + 1).anyMatch(Thread::isAlive)) {
            targets.get(chaos.nextInt(targets.size())).interrupt();
            interrupts++;
            Thread.sleep(0, chaos.nextInt(200_000));
        }
        for (Thread t : targets) {
            t.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
            if (t.isAlive()) {
                fail(what + ": " + t.getName() + " still runs after " + WAIT_SECONDS + " s (deadlock?)\n" + threadDump());
            }
        }
        if (error.get() != null) {
            throw new AssertionError(what + ": " + error.get(), error.get());
        }
        assertTrue(notDoneAtClose.get() == null, what + ": close() returned before " + notDoneAtClose.get() + " completed");
        assertTrue(!batcher.isOpen(), what);

        long successes = 0, failures = 0, acceptedSteps = 0;
        double tol = InferTesting.tolerance(I, H, LAYERS);
        for (int s = 0; s < total; s++) {
            int ok = 0, t = 0;
            Throwable firstFailure = null;
            for (Outcome o : outcomes.get(s)) {
                String where = what + ", stream " + s + " step " + o.step;
                assertTrue(o.accepted, where + " is listed but was not accepted");
                assertEquals(t++, o.step, where + ": the accepted steps of a stream are 0, 1, 2, ... in order");
                acceptedSteps++;
                if (o.future != null) {
                    assertTrue(o.future.isDone(), where + " never completed");
                    try {
                        o.value = o.future.get();
                    } catch (ExecutionException e) {
                        o.failure = e.getCause();
                    }
                } else {
                    assertEquals(1, o.deliveries.get(), where + ": callback calls");
                }
                if (o.failure == null) {
                    assertTrue(firstFailure == null, where + " succeeded after an earlier step failed with " + firstFailure);
                    assertNotNull(o.value, where);
                    assertClose(expected[s][ok], o.value, tol, where);
                    ok++;
                } else {
                    assertInstanceOf(IllegalStateException.class, o.failure, where);
                    String m = o.failure.getMessage();
                    boolean documented = (closedByTest[s] && m.contains("StreamState is closed"))
                            || (ending == Ending.CLOSE_MODEL && m.contains("InferenceModel is closed"));
                    assertTrue(documented, where + " failed with an undocumented exception: " + o.failure);
                    firstFailure = firstFailure == null ? o.failure : firstFailure;
                    failures++;
                }
            }
            successes += ok;
            if (!closedByTest[s]) {            // the state is the reference state after exactly `ok` steps
                assertClose(referenceState(rnn, x[s], ok), state(streams[s]), tol,
                        what + ", stream " + s + " state after " + ok + " steps");
            }
        }
        assertEquals(successes, batcher.stepCount(), what + ": the batcher's count of completed steps");
        for (StreamState s : streams) {
            s.close();
        }
        model.close();
        return new RunResult(acceptedSteps, failures, interrupts);
    }

    /** One submitter thread: random interleaving of its streams, futures and callbacks, random waits; retries on a full queue. */
    private static void submit(StreamBatcher batcher, StreamState[] streams, float[][][] x, List<Queue<Outcome>> outcomes, int first,
                               int end, SplittableRandom random, AtomicInteger submitted) throws Exception {
        int count = end - first;
        int[] next = new int[count];
        boolean[] stopped = new boolean[count];
        int live = count;
        while (live > 0) {
            int i = random.nextInt(count), s = first + i;
            if (stopped[i]) {
                continue;
            }
            int t = next[i];
            Outcome o = new Outcome(t);
            outcomes.get(s).add(o);               // listed before submit: its result may come before submit returns
            try {
                if (random.nextInt(3) == 0) {
                    batcher.submit(streams[s], x[s][t], new float[H], o::deliver);
                } else {
                    CompletableFuture<float[]> f = batcher.submit(streams[s], x[s][t]);
                    o.future = f;
                    f.whenComplete(o::deliver);
                }
            } catch (RejectedExecutionException e) {
                outcomes.get(s).remove(o);
                if (e.getMessage().contains("queue is full")) {
                    Thread.yield();               // backpressure: nothing was queued; try the same step again later
                    continue;
                }
                assertTrue(e.getMessage().contains("closed"), e.getMessage());
                stopped[i] = true;
                live--;
                continue;
            } catch (IllegalStateException e) {   // the stream or the model was closed by the test
                outcomes.get(s).remove(o);
                assertTrue(e.getMessage().contains("closed"), e.getMessage());
                stopped[i] = true;
                live--;
                continue;
            }
            o.accepted = true;
            submitted.incrementAndGet();
            if (++next[i] == STEPS) {
                stopped[i] = true;
                live--;
            }
            if (o.future != null && random.nextInt(5) == 0) {   // sometimes wait for it: pipelining depth varies
                await(o.future);
            }
        }
    }

    /** Waits for a result; an interrupt of the waiting caller changes nothing about the step. */
    private static void await(CompletableFuture<float[]> f) throws TimeoutException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (true) {
            try {
                f.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                return;
            } catch (InterruptedException e) {
                // interrupted caller: keep waiting (the step still runs and completes)
            } catch (ExecutionException e) {
                return;                           // a failure is checked with all the others
            }
        }
    }

    /** Step t of a callback-driven stream; its callback submits step t+1 from the worker thread. */
    private static void chain(StreamBatcher batcher, StreamState stream, float[][] x, Queue<Outcome> outcomes, int t,
                              AtomicInteger submitted) {
        Outcome o = new Outcome(t);
        outcomes.add(o);                          // before submit: the callback may chain step t+1 before submit returns
        try {
            batcher.submit(stream, x[t], new float[H], (y, failure) -> {
                o.deliver(y, failure);
                if (failure == null && t + 1 < STEPS) {
                    chain(batcher, stream, x, outcomes, t + 1, submitted);
                }
            });
        } catch (RejectedExecutionException | IllegalStateException e) {
            outcomes.remove(o);                   // closed, or a full queue seen from the worker: the chain ends here
            return;
        }
        o.accepted = true;
        submitted.incrementAndGet();
    }

    /** The outputs of a fresh stream stepped alone over each sequence: the single-stream reference. */
    private static float[][][] references(Kernels kernels, float[][][] x) {
        try (Rnn rnn = InferTesting.rnn(CellType.LSTM, I, H, LAYERS, 11, kernels); InferenceModel m = InferenceModel.of(rnn)) {
            float[][][] y = new float[x.length][][];
            for (int s = 0; s < x.length; s++) {
                try (StreamState alone = m.newStream()) {
                    y[s] = InferTesting.stepAlone(alone, x[s]);
                }
            }
            return y;
        }
    }

    /** h (L, H) then c (L, H) of a fresh stream stepped alone over x[0..n). */
    private static float[] referenceState(Rnn rnn, float[][] x, int n) {
        try (InferenceModel m = InferenceModel.of(rnn); StreamState s = m.newStream()) {
            float[] y = new float[H];
            for (int t = 0; t < n; t++) {
                s.step(x[t], y);
            }
            return state(s);
        }
    }

    private static float[] state(StreamState s) {
        float[] h = new float[LAYERS * H], c = new float[LAYERS * H], both = new float[2 * LAYERS * H];
        s.getState(h, c);
        System.arraycopy(h, 0, both, 0, h.length);
        System.arraycopy(c, 0, both, h.length, c.length);
        return both;
    }

    private static String threadDump() {
        StringBuilder b = new StringBuilder();
        for (ThreadInfo info : ManagementFactory.getThreadMXBean().dumpAllThreads(true, true)) {
            b.append(info);
        }
        return b.toString();
    }
}
