package dev.panamarnn.bench;

import dev.panamarnn.CellType;
import dev.panamarnn.Rnn;
import dev.panamarnn.RnnConfig;
import dev.panamarnn.infer.BlasThreads;
import dev.panamarnn.infer.InferenceModel;
import dev.panamarnn.infer.StepCallback;
import dev.panamarnn.infer.StreamBatcher;
import dev.panamarnn.infer.StreamState;
import dev.panamarnn.internal.kernels.NativeKernels;
import dev.panamarnn.kernels.KernelSelection;
import dev.panamarnn.kernels.Kernels;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Throughput and latency of a {@link StreamBatcher} with 1, 16, 256, 4096 concurrent streams (one
 * layer, I = H). Closed loop: every stream always has exactly one step in flight — when its result
 * arrives (callback on the worker thread) the latency submit-to-result is recorded and its next
 * step is submitted at once — so the concurrency is the number of streams. Printed per count:
 * steps/s, mean batch size, p50/p99/p99.9 latency, and for comparison the steps/s of stepping the
 * same streams one after another on one thread without batching (StreamState.step, GEMV).
 * FLOPs per step: 2 * G*H * (I + H).
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp benchmarks/target/benchmarks.jar dev.panamarnn.bench.StreamBatcherRunner \
 *      [cell=LSTM] [size=256] [kernels=native] [streams=1,16,256,4096] [maxBatch=256] [warmup=2] [seconds=3] [blasThreads=2]
 * </pre>
 * kernels: native, openblas-only (native with every GEMM on OpenBLAS, no librnnk small GEMM) or java.
 */
public final class StreamBatcherRunner {
    private StreamBatcherRunner() {}

    public static void main(String[] args) throws Exception {
        CellType cell = CellType.valueOf(option(args, "cell", "LSTM"));
        int size = Integer.parseInt(option(args, "size", "256"));
        String kernelName = option(args, "kernels", "native");
        int[] counts = Arrays.stream(option(args, "streams", "1,16,256,4096").split(",")).mapToInt(Integer::parseInt).toArray();
        int maxBatch = Integer.parseInt(option(args, "maxBatch", "256"));
        double warmup = Double.parseDouble(option(args, "warmup", "2"));
        double seconds = Double.parseDouble(option(args, "seconds", "3"));
        int blasThreads = Integer.parseInt(option(args, "blasThreads", Integer.toString(Runtime.getRuntime().availableProcessors())));
        Kernels kernels = switch (kernelName) {
            case "native" -> KernelSelection.nativeKernels();
            case "openblas-only" -> NativeKernels.load().openBlasOnly();
            case "java" -> KernelSelection.java();
            default -> throw new IllegalArgumentException("kernels must be native, openblas-only or java, got '" + kernelName + "'");
        };
        try (Rnn rnn = Rnn.create(RnnConfig.builder(cell, size, size).seed(1).build(), kernels);
             InferenceModel model = InferenceModel.of(rnn)) {
            BlasThreads.set(model, blasThreads);
            System.out.printf(Locale.ROOT, "%s I=H=%d, 1 layer, kernels %s, OpenBLAS threads %d, %d cpus, maxBatch %d; FLOPs/step %d%n",
                    cell, size, kernelName, BlasThreads.current(model), Runtime.getRuntime().availableProcessors(), maxBatch,
                    2L * cell.gates() * size * (2L * size));
            System.out.println("streams | batched steps/s | mean batch | p50 us | p99 us | p99.9 us | unbatched steps/s | batched/unbatched");
            for (int n : counts) {
                Result r = run(model, n, Math.min(maxBatch, n), warmup, seconds);
                double direct = unbatched(model, n, Math.max(0.5, seconds / 3));
                System.out.printf(Locale.ROOT, "%7d | %15.0f | %10.1f | %6.1f | %6.1f | %8.1f | %17.0f | %5.2f%n", n, r.stepsPerSecond,
                        r.meanBatch, r.p50 / 1e3, r.p99 / 1e3, r.p999 / 1e3, direct, r.stepsPerSecond / direct);
            }
        }
    }

    record Result(double stepsPerSecond, double meanBatch, double p50, double p99, double p999) {}

    /** One closed-loop run with n streams. */
    static Result run(InferenceModel model, int n, int maxBatch, double warmup, double seconds) throws Exception {
        int in = model.inputSize(), h = model.hiddenSize();
        StreamState[] streams = new StreamState[n];
        float[][] inputs = new float[n][in];
        float[][] outputs = new float[n][h];
        long[] submitted = new long[n];
        long[] latencies = new long[1 << 23];
        AtomicInteger recorded = new AtomicInteger();
        AtomicInteger inFlight = new AtomicInteger();
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < n; i++) {
            streams[i] = model.newStream();
            for (int j = 0; j < in; j++) {
                inputs[i][j] = (float) (random.nextDouble() - 0.5);
            }
        }
        Phase phase = new Phase();
        try (StreamBatcher batcher = StreamBatcher.builder(model).maxBatch(maxBatch).queueCapacity(Math.max(4096, 2 * n)).build()) {
            StepCallback[] callbacks = new StepCallback[n];
            for (int i = 0; i < n; i++) {
                int id = i;
                callbacks[i] = (y, failure) -> {
                    long now = System.nanoTime();
                    if (failure != null) {
                        failure.printStackTrace();
                    }
                    if (phase.measuring) {
                        int at = recorded.getAndIncrement();
                        if (at < latencies.length) {
                            latencies[at] = now - submitted[id];
                        }
                    }
                    if (phase.running) {
                        submitted[id] = System.nanoTime();
                        batcher.submit(streams[id], inputs[id], outputs[id], callbacks[id]);
                    } else {
                        inFlight.decrementAndGet();
                    }
                };
            }
            for (int i = 0; i < n; i++) {
                inFlight.incrementAndGet();
                submitted[i] = System.nanoTime();
                batcher.submit(streams[i], inputs[i], outputs[i], callbacks[i]);
            }
            Thread.sleep((long) (warmup * 1000));
            long steps0 = batcher.stepCount(), batches0 = batcher.batchCount(), t0 = System.nanoTime();
            phase.measuring = true;
            Thread.sleep((long) (seconds * 1000));
            phase.measuring = false;
            long steps1 = batcher.stepCount(), batches1 = batcher.batchCount(), t1 = System.nanoTime();
            phase.running = false;
            while (inFlight.get() > 0) {
                Thread.sleep(1);
            }
            int count = Math.min(recorded.get(), latencies.length);
            long[] sorted = Arrays.copyOf(latencies, count);
            Arrays.sort(sorted);
            double rate = (steps1 - steps0) / ((t1 - t0) / 1e9);
            return new Result(rate, (double) (steps1 - steps0) / Math.max(1, batches1 - batches0),
                    percentile(sorted, 0.50), percentile(sorted, 0.99), percentile(sorted, 0.999));
        } finally {
            for (StreamState s : streams) {
                s.close();
            }
        }
    }

    /** Steps/s of stepping n streams round-robin on this thread, one GEMV step at a time. */
    static double unbatched(InferenceModel model, int n, double seconds) {
        int in = model.inputSize(), h = model.hiddenSize();
        StreamState[] streams = new StreamState[n];
        for (int i = 0; i < n; i++) {
            streams[i] = model.newStream();
        }
        float[] x = new float[in], y = new float[h];
        Arrays.fill(x, 0.1f);
        try {
            long end = System.nanoTime() + (long) (seconds * 0.3e9);
            while (System.nanoTime() < end) {   // warm-up
                for (StreamState s : streams) {
                    s.step(x, y);
                }
            }
            long steps = 0, t0 = System.nanoTime();
            end = t0 + (long) (seconds * 1e9);
            long now;
            do {
                for (StreamState s : streams) {
                    s.step(x, y);
                }
                steps += n;
                now = System.nanoTime();
            } while (now < end);
            return steps / ((now - t0) / 1e9);
        } finally {
            for (StreamState s : streams) {
                s.close();
            }
        }
    }

    static final class Phase {
        volatile boolean running = true;
        volatile boolean measuring;
    }

    private static double percentile(long[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.floor(q * sorted.length))];
    }

    static String option(String[] args, String name, String fallback) {
        for (String a : args) {
            if (a.startsWith(name + "=")) {
                return a.substring(name.length() + 1);
            }
        }
        return fallback;
    }
}
