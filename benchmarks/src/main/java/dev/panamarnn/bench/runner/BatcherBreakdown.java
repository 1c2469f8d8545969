package dev.panamarnn.bench.runner;

import dev.panamarnn.CellType;
import dev.panamarnn.Rnn;
import dev.panamarnn.RnnConfig;
import dev.panamarnn.RuntimeInfo;
import dev.panamarnn.infer.InferenceModel;
import dev.panamarnn.infer.StepCallback;
import dev.panamarnn.infer.StreamBatcher;
import dev.panamarnn.infer.StreamState;
import dev.panamarnn.kernels.KernelSelection;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Where a closed-loop {@link StreamBatcher} spends its time (the loop of OrtServingPeer's
 * {@code streams N} rows: each of N streams always has one step in flight, a step's callback
 * submits the stream's next step). Seen from the callbacks, which run on the worker in row order,
 * without touching the library: a batch's first callback is where its delivery starts, its last
 * where it ends; from one batch's last callback to the next batch's first the worker collects,
 * gathers, computes and scatters (for a batch of more than 128 steps, computed in parts, the
 * delivery time also holds the later parts' computation). Reports per window the batch sizes (histogram), us per stream
 * step, and per batch the delivery time (callbacks, each submitting the next step) and the rest.
 * Beside it, the same N streams stepped without the batcher's threads: one after another with
 * {@link StreamState#step} (the GEMV path), for scale.
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -Drnn.blas.threads=1 -cp benchmarks/target/benchmarks.jar \
 *      dev.panamarnn.bench.runner.BatcherBreakdown [cell=LSTM] [size=256] [streams=64,1024] [maxBatch=streams] [rounds=5] [seconds=0.5]
 * </pre>
 */
public final class BatcherBreakdown {
    private BatcherBreakdown() {}

    public static void main(String[] args) throws Exception {
        CellType cell = CellType.valueOf(OrtServingPeer.option(args, "cell", "LSTM").toUpperCase(Locale.ROOT));
        int h = Integer.parseInt(OrtServingPeer.option(args, "size", "256"));
        int[] streams = Arrays.stream(OrtServingPeer.option(args, "streams", "64,1024").split(",")).mapToInt(Integer::parseInt).toArray();
        String maxBatchOption = OrtServingPeer.option(args, "maxBatch", "streams");
        int rounds = Integer.parseInt(OrtServingPeer.option(args, "rounds", "5"));
        double seconds = Double.parseDouble(OrtServingPeer.option(args, "seconds", "0.5"));
        RuntimeInfo.setBlasThreads(1);
        RuntimeInfo.current().asMap().forEach((k, v) -> System.out.printf("%-18s %s%n", k, v));
        System.out.printf("%-18s %s%n", "load average", OrtServingPeer.loadAverage());
        try (Rnn rnn = Rnn.create(RnnConfig.builder(cell, h, h).seed(1).build(), KernelSelection.selected());
             InferenceModel model = InferenceModel.of(rnn)) {
            for (int n : streams) {
                int maxBatch = maxBatchOption.equals("streams") ? n : Integer.parseInt(maxBatchOption);
                try (Loop loop = new Loop(model, n, maxBatch)) {
                    loop.window(seconds);                                         // warm-up
                    for (int r = 0; r < rounds; r++) {
                        loop.window(seconds);
                        System.out.printf(Locale.ROOT, "%s H=%d N=%d maxBatch=%d round %d: %s%n", cell.id(), h, n, maxBatch, r, loop.report());
                    }
                }
            }
        }
        System.out.printf("%-18s %s%n", "load average", OrtServingPeer.loadAverage());
    }

    /** N streams in a closed loop; the callbacks time the worker's batches. */
    static final class Loop implements AutoCloseable {
        private static final int SAMPLES = 1 << 20;
        private final int n;
        private final StreamState[] streams;
        private final float[][] inputs;
        private final float[][] outputs;
        private final StepCallback[] callbacks;
        private final StreamBatcher batcher;
        private final long[] sizes;              // [size] batches of that many rows
        private final long[] deliverNanos = new long[SAMPLES];   // per batch: first to last callback
        private final long[] restNanos = new long[SAMPLES];      // per batch: previous batch's last callback to this batch's first
        private final long[] gapNanos = new long[SAMPLES];       // per batch: the longest time between two of its callbacks
        private long longestGap;
        private volatile boolean running;
        private volatile int inFlight;
        private long currentBatch = -1, rowsInBatch, firstCallback, lastCallback;
        private int batchesSeen;
        private long steps;
        private long windowNanos;
        private long workerCpuNanos;             // the worker's CPU time in the window
        private final Thread worker;

        Loop(InferenceModel model, int n, int maxBatch) {
            this.n = n;
            streams = new StreamState[n];
            inputs = new float[n][model.inputSize()];
            outputs = new float[n][model.outputSize()];
            callbacks = new StepCallback[n];
            sizes = new long[maxBatch + 1];
            SplittableRandom random = new SplittableRandom(7);
            for (int i = 0; i < n; i++) {
                streams[i] = model.newStream();
                for (int j = 0; j < inputs[i].length; j++) {
                    inputs[i][j] = (float) (random.nextDouble() * 2 - 1);
                }
            }
            Thread[] made = new Thread[1];
            batcher = StreamBatcher.builder(model).maxBatch(maxBatch).queueCapacity(Math.max(4096, 2 * n)).threadFactory(r -> {
                made[0] = new Thread(r, "breakdown-worker");
                made[0].setDaemon(true);
                return made[0];
            }).build();
            worker = made[0];
            for (int i = 0; i < n; i++) {
                int id = i;
                callbacks[i] = (y, error) -> {
                    if (error != null) {
                        throw new IllegalStateException(error);
                    }
                    observe();
                    if (running) {
                        batcher.submit(streams[id], inputs[id], outputs[id], callbacks[id]);
                    } else {
                        inFlight--;   // only the worker writes it
                    }
                };
            }
        }

        /** On the worker, once per delivered row: batchCount() moved on means a new batch's first row. */
        private void observe() {
            long now = System.nanoTime(), batch = batcher.batchCount();
            if (batch != currentBatch) {
                if (currentBatch >= 0) {
                    closeBatch();
                    if (batchesSeen < SAMPLES) {
                        restNanos[batchesSeen] = now - lastCallback;
                    }
                }
                currentBatch = batch;
                rowsInBatch = 0;
                longestGap = 0;
                firstCallback = now;
            } else {
                longestGap = Math.max(longestGap, now - lastCallback);
            }
            rowsInBatch++;
            lastCallback = now;
        }

        private void closeBatch() {
            if (batchesSeen < SAMPLES) {
                deliverNanos[batchesSeen] = lastCallback - firstCallback;
                gapNanos[batchesSeen] = longestGap;
                sizes[(int) Math.min(rowsInBatch, sizes.length - 1)]++;
                batchesSeen++;
            }
            steps += rowsInBatch;
        }

        void window(double seconds) throws InterruptedException {
            Arrays.fill(sizes, 0);
            batchesSeen = 0;
            steps = 0;
            currentBatch = -1;
            running = true;
            inFlight = n;
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            long cpu0 = threads.getThreadCpuTime(worker.threadId()), t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                batcher.submit(streams[i], inputs[i], outputs[i], callbacks[i]);
            }
            Thread.sleep((long) (seconds * 1000));
            running = false;
            while (inFlight > 0) {
                Thread.sleep(0, 100_000);
            }
            windowNanos = System.nanoTime() - t0;
            workerCpuNanos = threads.getThreadCpuTime(worker.threadId()) - cpu0;
            closeBatch();
        }

        String report() {
            StringBuilder histogram = new StringBuilder();
            for (int s = 1; s < sizes.length; s++) {
                if (sizes[s] > 0) {
                    histogram.append(s).append('x').append(sizes[s]).append(' ');
                }
            }
            int b = Math.max(1, batchesSeen - 1);              // the first batch's rest starts at the window's start
            long[] deliver = Arrays.copyOf(deliverNanos, b), rest = Arrays.copyOfRange(restNanos, 0, b), gap = Arrays.copyOf(gapNanos, b);
            Arrays.sort(deliver);
            Arrays.sort(gap);
            Arrays.sort(rest);
            return String.format(Locale.ROOT, "%.2f us/step over the window (worker on a CPU %.2f us/step), %d batches, mean batch %.1f; per batch median: deliver %.1f us"
                    + " (%.3f us/row; longest gap between two callbacks %.1f us), collect+gather+compute+scatter %.1f us (%.3f us/row); sizes %s", windowNanos / 1e3 / steps, workerCpuNanos / 1e3 / steps,
                    batchesSeen, (double) steps / Math.max(1, batchesSeen), deliver[b / 2] / 1e3,
                    deliver[b / 2] / 1e3 / ((double) steps / batchesSeen), gap[b / 2] / 1e3, rest[b / 2] / 1e3,
                    rest[b / 2] / 1e3 / ((double) steps / batchesSeen), histogram.toString().trim());
        }

        @Override
        public void close() {
            batcher.close();                         // runs what is in flight; no window is running
            Arrays.stream(streams).forEach(StreamState::close);
        }
    }
}
