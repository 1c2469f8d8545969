package dev.panamarnn.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.junit.jupiter.api.Test;

/**
 * The socket all-reduce without Spark: N = 3 workers as threads on loopback (the address exchange
 * of allGather done in memory, the sockets real), a slab that does not split evenly (P = 11: chunks of
 * 3, 4 and 4) and a worker without a batch (weight 0). Every worker must end with GradientSum's sum
 * over the whole slab, bit for bit, and its loss; a worker that dies mid-exchange must fail the others
 * with its name.
 */
class MeshAllReduceTest {
    static final int WORKERS = 3, P = 11;

    @Test
    void everyWorkerEndsWithTheDriversSumBitForBit() throws Exception {
        long[] weights = {3, 0, 5};
        double[] losses = {0.7, 0, 1.3};
        float[][] gradients = new float[WORKERS][];
        SplittableRandom r = new SplittableRandom(4);
        for (int i = 0; i < WORKERS; i++) {
            gradients[i] = new float[P];
            for (int j = 0; j < P; j++) {
                gradients[i][j] = (float) (r.nextDouble() * 2 - 1) * (j + 1);
            }
        }
        gradients[1] = null;   // no batch this step
        List<GradientSum.Part> parts = new ArrayList<>();
        for (int i = 0; i < WORKERS; i++) {
            parts.add(new GradientSum.Part(weights[i], losses[i], gradients[i]));
        }
        float[] expected = new float[P];
        GradientSum.combine(parts, expected);
        double expectedLoss = GradientSum.loss(parts);

        float[][] out = new float[WORKERS][P];
        double[] loss = new double[WORKERS];
        runWorkers(i -> {
            try (GradientMesh mesh = GradientMesh.open(new Threads(i), "127.0.0.1", 10_000)) {
                MeshAllReduce reduce = new MeshAllReduce(mesh, P);
                for (int step = 0; step < 2; step++) {   // twice: the buffers are reused
                    loss[i] = reduce.sum(new WorkerStep.Result(i, weights[i], losses[i], gradients[i], 0, "java", 1, null), out[i], step);
                }
            }
        });
        for (int i = 0; i < WORKERS; i++) {
            assertArrayEquals(expected, out[i], "worker " + i);
            assertEquals(expectedLoss, loss[i], 0.0, "worker " + i);
        }
        System.out.printf("mesh all-reduce of 3 workers, P = %d: %s on every worker, loss %.4f%n", P,
                java.util.Arrays.toString(java.util.Arrays.copyOf(expected, 3)), expectedLoss);
    }

    @Test
    void aWorkerThatDiesFailsTheOthersWithItsName() throws Exception {
        AtomicReferenceArray<String> errors = new AtomicReferenceArray<>(WORKERS);
        runWorkers(i -> {
            try (GradientMesh mesh = GradientMesh.open(new Threads(i), "127.0.0.1", 10_000)) {
                if (i == 2) {
                    return;   // worker 2 closes its connections without sending
                }
                new MeshAllReduce(mesh, P).sum(new WorkerStep.Result(i, 1, 0.5, new float[P], 0, "java", 1, null), new float[P], 7);
            } catch (IOException e) {
                errors.set(i, e.getMessage());
            }
        });
        boolean named = false;
        for (int i = 0; i < 2; i++) {
            // closed (EOF) or reset (it closed with our bytes unread); a worker may first lose the other survivor,
            // which failed on worker 2 and closed its own connections: the message names the peer it lost
            String error = String.valueOf(errors.get(i));
            String prefix = "worker " + i + " lost its connection to worker ";
            assertTrue(error.startsWith(prefix + 2 + " during the reduce-scatter of step 7 (")
                    || error.startsWith(prefix + (1 - i) + " during the reduce-scatter of step 7 ("), error);
            named |= error.startsWith(prefix + 2);
        }
        assertTrue(named, "a survivor names worker 2: " + errors);
    }

    interface Worker {
        void run(int i) throws Exception;
    }

    /** Runs worker 0..N-1 on N threads at once; rethrows the first failure. */
    static void runWorkers(Worker worker) throws Exception {
        Threads.reset();
        ExecutorService pool = Executors.newFixedThreadPool(WORKERS);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < WORKERS; i++) {
                int w = i;
                done.add(pool.submit(() -> {
                    worker.run(w);
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** A stage of N threads: allGather through shared memory and a barrier. */
    record Threads(int worker) implements GradientMesh.Stage {
        static final String[] MESSAGES = new String[WORKERS];
        static CyclicBarrier barrier = new CyclicBarrier(WORKERS);

        static void reset() {
            barrier = new CyclicBarrier(WORKERS);
        }

        @Override
        public int workers() {
            return WORKERS;
        }

        @Override
        public int id() {
            return 1;
        }

        @Override
        public int attempt() {
            return 0;
        }

        @Override
        public String[] allGather(String message) {
            MESSAGES[worker] = message;
            try {
                barrier.await(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return MESSAGES.clone();
        }

        @Override
        public void checkKilled() {}
    }
}
