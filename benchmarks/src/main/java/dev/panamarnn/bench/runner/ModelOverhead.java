package dev.panamarnn.bench.runner;

import dev.panamarnn.CellType;
import dev.panamarnn.RuntimeInfo;
import dev.panamarnn.Workspace;
import dev.panamarnn.data.SequenceBatch;
import dev.panamarnn.kernels.KernelSelection;
import dev.panamarnn.model.OutputMode;
import dev.panamarnn.model.SequenceModel;
import dev.panamarnn.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The model layer's cost, paired: in each round the raw {@link Workspace} training pass (forward +
 * BPTT of a one-layer stack, I = H) and a {@link SequenceModel}'s training pass on the same stack
 * and (T, B) (batch copied in, forward, head, loss, backward) are timed back to back, so the
 * ratio model / raw of a round is taken under one set of machine conditions; the median ratio over
 * the rounds is reported with its spread. FLOPs of the stack: 6*T*B*(I+H)*G*H per pass.
 * Run: java --enable-native-access=ALL-UNNAMED -cp benchmarks/target/benchmarks.jar dev.panamarnn.bench.runner.ModelOverhead [rounds]
 */
public final class ModelOverhead {
    private ModelOverhead() {}

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 9;
        RuntimeInfo.current().asMap().forEach((k, v) -> System.out.printf("%-18s %s%n", k, v));
        System.out.printf("%-5s %-12s %-9s %10s %10s %8s %12s %8s%n", "cell", "T x B x H", "mode", "raw ms", "model ms", "ratio",
                "ratio range", "GFLOP");
        for (CellType cell : new CellType[] {CellType.LSTM, CellType.GRU}) {
            for (int[] s : new int[][] {{50, 32, 128}, {100, 64, 256}}) {
                for (String mode : new String[] {"sequence", "per_step"}) {
                    measure(cell, s[0], s[1], s[2], mode, rounds);
                }
            }
        }
    }

    static void measure(CellType cell, int steps, int rows, int hidden, String mode, int rounds) {
        boolean perStep = mode.equals("per_step");
        SequenceModel.Builder builder = SequenceModel.builder().features(hidden).cell(cell).hidden(hidden).seed(1).kernels(KernelSelection.nativeKernels());
        try (SequenceModel model = (perStep ? builder.regress(1).output(OutputMode.PER_STEP) : builder.classify(10)).build();
             Workspace workspace = model.rnn().workspace(steps, rows);
             Arena arena = Arena.ofConfined()) {
            SplittableRandom r = new SplittableRandom(2);
            float[] features = new float[steps * rows * hidden];
            for (int i = 0; i < features.length; i++) {
                features[i] = (float) (r.nextDouble() * 2 - 1);
            }
            int[] lengths = new int[rows], ids = new int[rows];
            Arrays.fill(lengths, steps);
            Arrays.setAll(ids, i -> i);
            SequenceBatch batch = new SequenceBatch(steps, rows, lengths, features, null,
                    perStep ? null : r.ints(rows, 0, 10).toArray(), perStep ? new float[steps * rows] : null, ids);
            Tensor x = Tensor.allocate(arena, steps, rows, hidden).copyFrom(features);
            Tensor dOutput = Tensor.allocate(arena, steps, rows, hidden).copyFrom(features);
            Runnable raw = () -> {
                workspace.forward(x, null, null, null, true);
                workspace.backward(dOutput, null, null);
            };
            Runnable whole = () -> model.accumulateGradients(batch);
            double[] rawMs = new double[rounds], modelMs = new double[rounds], ratio = new double[rounds];
            for (int i = 0; i < rounds; i++) {
                boolean rawFirst = i % 2 == 0;                                   // alternate who goes first
                Timer.Result a = Timer.time(rawFirst ? raw : whole, 0.3, 0.7, 5, 10_000);
                Timer.Result b = Timer.time(rawFirst ? whole : raw, 0.3, 0.7, 5, 10_000);
                rawMs[i] = (rawFirst ? a : b).medianMs();
                modelMs[i] = (rawFirst ? b : a).medianMs();
                ratio[i] = modelMs[i] / rawMs[i];
            }
            double flops = 6.0 * steps * rows * (2.0 * hidden) * cell.gates() * hidden;
            System.out.printf("%-5s %-12s %-9s %10.3f %10.3f %8.3f %12s %8.2f%n", cell.id(), steps + "x" + rows + "x" + hidden, mode,
                    Timer.median(rawMs), Timer.median(modelMs), Timer.median(ratio),
                    String.format("%.3f-%.3f", Timer.min(ratio), Timer.max(ratio)), flops / 1e9);
        }
    }
}
