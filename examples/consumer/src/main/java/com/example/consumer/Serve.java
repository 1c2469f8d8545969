package com.example.consumer;

import dev.panamarnn.RuntimeInfo;
import dev.panamarnn.data.SequenceDataset;
import dev.panamarnn.infer.InferenceModel;
import dev.panamarnn.infer.StreamBatcher;
import dev.panamarnn.infer.StreamState;
import dev.panamarnn.model.SequenceModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Loads the model {@link Train} saved and serves the held-out sequences as concurrent streams,
 * one session (virtual thread) per sequence, every event through one {@link StreamBatcher}. Checks
 * that each batched output equals the output of stepping that stream alone, and that each
 * sequence's last output equals {@link SequenceModel#predict} of the whole data set, within
 * {@link #TOLERANCE}; prints the kernels in use. Exit code 1 on any mismatch.
 * Usage: {@code java --enable-native-access=ALL-UNNAMED -cp target/classes:target/lib/* com.example.consumer.Serve model.safetensors data.csv}
 */
public final class Serve {
    static final double TOLERANCE = 1e-5;

    private Serve() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: Serve <model.safetensors> <data.csv>");
            System.exit(2);
        }
        Path modelFile = Path.of(args[0]);
        Path csv = Path.of(args[1]);
        SequenceDataset sequences = SequenceDataset.fromCsv(csv, Train.LAYOUT).split(Train.VALIDATION, Train.SPLIT_SEED).validation();
        int n = sequences.size();
        int mismatches = 0;
        try (SequenceModel model = SequenceModel.load(modelFile);
             InferenceModel served = InferenceModel.of(model);
             StreamBatcher batcher = StreamBatcher.builder(served).build()) {
            RuntimeInfo.current().asMap().forEach((key, value) -> System.out.printf("serve: %-17s %s%n", key, value));
            float[][] predicted = model.predict(sequences);          // the whole data set at once

            // n sessions at the same time, each submitting its events one at a time to the batcher
            float[][][] batched = new float[n][][];
            try (ExecutorService sessions = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<float[][]>> running = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    float[][] events = sequences.inputs(i);
                    running.add(sessions.submit(() -> {
                        try (StreamState stream = served.newStream()) {
                            float[][] outputs = new float[events.length][];
                            for (int t = 0; t < events.length; t++) {
                                outputs[t] = batcher.submit(stream, events[t]).join();
                            }
                            return outputs;
                        }
                    }));
                }
                for (int i = 0; i < n; i++) {
                    batched[i] = running.get(i).get();
                }
            }
            long steps = batcher.stepCount();
            long batches = batcher.batchCount();

            // the same sequences stepped alone, one stream at a time
            double worstSingle = 0;
            double worstPredict = 0;
            int correct = 0;
            for (int i = 0; i < n; i++) {
                float[][] events = sequences.inputs(i);
                try (StreamState alone = served.newStream()) {
                    for (int t = 0; t < events.length; t++) {
                        float[] single = alone.step(events[t]);
                        double d = maxDifference(batched[i][t], single);
                        worstSingle = Math.max(worstSingle, d);
                        if (!(d <= TOLERANCE)) {
                            mismatches++;
                            System.out.printf("serve: MISMATCH sequence %s step %d: batched differs from single-stream by %.3g%n",
                                    sequences.ids().get(i), t, d);
                        }
                    }
                }
                float[] last = batched[i][events.length - 1];
                double d = maxDifference(last, predicted[i]);
                worstPredict = Math.max(worstPredict, d);
                if (!(d <= TOLERANCE)) {
                    mismatches++;
                    System.out.printf("serve: MISMATCH sequence %s: last streamed output differs from predict by %.3g%n",
                            sequences.ids().get(i), d);
                }
                if (argMax(last) == sequences.label(i)) {
                    correct++;
                }
            }
            System.out.printf("serve: %d streams, %d steps in %d batches (%.1f steps a batch)%n",
                    n, steps, batches, batches == 0 ? 0.0 : (double) steps / batches);
            System.out.printf("serve: max |batched - single-stream| %.3g, max |streamed - predict| %.3g (tolerance %.0e)%n",
                    worstSingle, worstPredict, TOLERANCE);
            System.out.printf("serve: accuracy of the streamed outputs %d/%d = %.3f%n", correct, n, (double) correct / n);
        }
        if (mismatches > 0) {
            System.out.println("serve: FAILED, " + mismatches + " mismatches");
            System.exit(1);
        }
        System.out.println("serve: OK");
    }

    private static double maxDifference(float[] a, float[] b) {
        if (a.length != b.length) {
            return Double.POSITIVE_INFINITY;
        }
        double worst = 0;
        for (int k = 0; k < a.length; k++) {
            worst = Math.max(worst, Math.abs((double) a[k] - b[k]));  // NaN stays NaN and fails the check
            if (Double.isNaN(a[k]) || Double.isNaN(b[k])) {
                return Double.NaN;
            }
        }
        return worst;
    }

    private static int argMax(float[] values) {
        int best = 0;
        for (int k = 1; k < values.length; k++) {
            if (values[k] > values[best]) {
                best = k;
            }
        }
        return best;
    }
}
