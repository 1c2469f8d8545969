package dev.panamarnn.bench;

import dev.panamarnn.CellType;
import dev.panamarnn.Rnn;
import dev.panamarnn.RnnConfig;
import dev.panamarnn.infer.BlasThreads;
import dev.panamarnn.infer.InferenceModel;
import dev.panamarnn.infer.Precision;
import dev.panamarnn.internal.kernels.NativeKernels;
import dev.panamarnn.kernels.KernelSelection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * float32 against int8 and bf16 weights (docs/quantization.md), side by side: one-layer LSTM, I = H,
 * native kernels, 1 OpenBLAS thread. Per size, in rounds that rotate the three models (and which
 * goes first): the single-stream step (one stream stepped on this thread, {@code StreamState.step}) and
 * the batched step (a {@link dev.panamarnn.infer.StreamBatcher} in a closed loop with B streams,
 * maxBatch B). Prints every round, the medians and the ratios to float32, the off-heap bytes of
 * each model, the load average before and after, OpenBLAS's core and the int8 and bf16 products' paths.
 * FLOPs per step: 2 * 4H * (I + H).
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp benchmarks/target/benchmarks.jar dev.panamarnn.bench.QuantizedStreamRunner \
 *      [sizes=256,512] [batches=64,256] [rounds=3] [seconds=1]
 * </pre>
 */
public final class QuantizedStreamRunner {
    private QuantizedStreamRunner() {}

    public static void main(String[] args) throws Exception {
        int[] sizes = ints(StreamBatcherRunner.option(args, "sizes", "256,512"));
        int[] batches = ints(StreamBatcherRunner.option(args, "batches", "64,256"));
        int rounds = Integer.parseInt(StreamBatcherRunner.option(args, "rounds", "3"));
        double seconds = Double.parseDouble(StreamBatcherRunner.option(args, "seconds", "1"));
        NativeKernels kernels = (NativeKernels) KernelSelection.nativeKernels();
        System.out.printf(Locale.ROOT, "load average before: %s; OpenBLAS core %s; int8 product: %s; bf16 product: %s; %d cpus%n",
                loadAverage(), kernels.status().blasCore(), NativeKernels.int8Path(), NativeKernels.bf16Path(),
                Runtime.getRuntime().availableProcessors());
        for (int size : sizes) {
            try (Rnn rnn = Rnn.create(RnnConfig.builder(CellType.LSTM, size, size).seed(1).build(), kernels);
                 InferenceModel float32 = InferenceModel.of(rnn);
                 InferenceModel int8 = InferenceModel.of(rnn, Precision.INT8);
                 InferenceModel bf16 = InferenceModel.of(rnn, Precision.BF16)) {
                BlasThreads.set(float32, 1);
                long flops = 2L * 4 * size * (2L * size);
                System.out.printf(Locale.ROOT, "%nLSTM I=H=%d, 1 layer: %,d FLOPs per step; parameters off-heap: float32 %,d bytes, int8 %,d, bf16 %,d%n",
                        size, flops, float32.parameterBytes(), int8.parameterBytes(), bf16.parameterBytes());
                InferenceModel[] models = {float32, int8, bf16};
                double[][] single = new double[3][rounds];
                for (int r = 0; r < rounds; r++) {
                    for (int i = 0; i < 3; i++) {
                        int m = (r + i) % 3;                          // rotate which model goes first
                        single[m][r] = StreamBatcherRunner.unbatched(models[m], 1, seconds);
                    }
                }
                report("single stream", single, flops);
                for (int b : batches) {
                    double[][] batched = new double[3][rounds];
                    for (int r = 0; r < rounds; r++) {
                        for (int i = 0; i < 3; i++) {
                            int m = (r + i) % 3;
                            batched[m][r] = StreamBatcherRunner.run(models[m], b, b, seconds / 2, seconds).stepsPerSecond();
                        }
                    }
                    report("batched, " + b + " streams", batched, flops);
                }
            }
        }
        System.out.printf(Locale.ROOT, "%nload average after: %s%n", loadAverage());
    }

    /** Every round's steps/s, the medians (and per-step latency, GFLOP/s) and the ratios to float32. */
    private static void report(String what, double[][] stepsPerSecond, long flops) {
        double f = median(stepsPerSecond[0]), q = median(stepsPerSecond[1]), h = median(stepsPerSecond[2]);
        System.out.printf(Locale.ROOT, "%-22s float32 %s | int8 %s | bf16 %s steps/s%n", what, rounds(stepsPerSecond[0]),
                rounds(stepsPerSecond[1]), rounds(stepsPerSecond[2]));
        System.out.printf(Locale.ROOT, "%-22s median: float32 %,.0f steps/s (%.2f us/step, %.1f GFLOP/s), int8 %,.0f (%.2f us, %.1f GFLOP/s), "
                + "bf16 %,.0f (%.2f us, %.1f GFLOP/s); int8 / float32 = %.2f, bf16 / float32 = %.2f%n",
                "", f, 1e6 / f, f * flops / 1e9, q, 1e6 / q, q * flops / 1e9, h, 1e6 / h, h * flops / 1e9, q / f, h / f);
    }

    private static String rounds(double[] values) {
        StringBuilder s = new StringBuilder();
        for (double v : values) {
            s.append(s.isEmpty() ? "" : ", ").append(String.format(Locale.ROOT, "%,.0f", v));
        }
        return s.toString();
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static int[] ints(String commaSeparated) {
        return Arrays.stream(commaSeparated.split(",")).mapToInt(Integer::parseInt).toArray();
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).strip();
        } catch (java.io.IOException e) {
            return "unavailable (" + e.getMessage() + ")";
        }
    }
}
