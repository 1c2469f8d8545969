package dev.panamarnn.bench.runner;

import dev.panamarnn.RuntimeInfo;
import dev.panamarnn.kernels.KernelSelection;
import dev.panamarnn.kernels.Kernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The parts of one LSTM batch step of B = 64 streams (I = H), as the StreamBatcher's step does
 * them, timed apart with the native kernels: the product gates (B, 4H) = [x | h] (B, 2H) W^T on
 * W = [W_ih | W_hh] packed once; that product followed by the fused LSTM kernel; OpenBLAS's sgemm
 * on W in place (the product before librnnk ABI 9); packing W (what a Workspace forward pass does
 * per call, an InferenceModel once); and copying the 64 rows of [x | h] (the gather). Rounds
 * interleave the parts; median and fastest round per part, in microseconds per step of 64 rows.
 * FLOPs of the product: 2 * 64 * 4H * 2H.
 * Run: java --enable-native-access=ALL-UNNAMED -cp benchmarks/target/benchmarks.jar dev.panamarnn.bench.runner.BatchStepParts [H...]
 */
public final class BatchStepParts {
    private static final int ROWS = 64, ROUNDS = 15, REPEATS = 200;
    private static final String[] PARTS = {"packed product", "packed product + LSTM kernel", "OpenBLAS sgemm (W in place)",
                                           "pack W", "copy 64 rows of [x | h]"};

    private BatchStepParts() {}

    public static void main(String[] args) {
        RuntimeInfo.current().asMap().forEach((k, v) -> System.out.printf("%-18s %s%n", k, v));
        for (String h : args.length > 0 ? args : new String[] {"256", "512"}) {
            measure(KernelSelection.nativeKernels(), Integer.parseInt(h));
        }
    }

    private static MemorySegment uniform(Arena arena, long floats, long seed) {
        MemorySegment s = arena.allocate(floats * Float.BYTES, 64);
        SplittableRandom random = new SplittableRandom(seed);
        for (long i = 0; i < floats; i++) {
            s.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) (random.nextDouble() - 0.5));
        }
        return s;
    }

    static void measure(Kernels k, int hidden) {
        int b = ROWS, depth = 2 * hidden, width = 4 * hidden;               // K = In + H, N = 4H
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment w = uniform(arena, (long) width * depth, 1);     // (4H, 2H) [W_ih | W_hh]
            MemorySegment x = uniform(arena, (long) b * depth, 2);         // (B, 2H) [x | h]
            MemorySegment rows = uniform(arena, (long) b * depth, 3);      // (B, 2H) the streams' rows before the gather
            MemorySegment gates = arena.allocate((long) b * width * Float.BYTES, 64);   // (B, 4H)
            MemorySegment packed = arena.allocate(Kernels.packedFloats(width, depth) * Float.BYTES, 64);
            MemorySegment bias = uniform(arena, width, 4), cPrev = uniform(arena, (long) b * hidden, 5);
            MemorySegment c = arena.allocate((long) b * hidden * Float.BYTES), h = arena.allocate((long) b * hidden * Float.BYTES);
            k.packWeights(packed, w, depth, width, depth);
            double[][] us = new double[PARTS.length][ROUNDS];
            long rowBytes = (long) depth * Float.BYTES;
            for (int r = 0; r < ROUNDS; r++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < REPEATS; i++) {
                    k.sgemmPacked(b, width, depth, x, depth, packed, 0f, gates, width);
                }
                long t1 = System.nanoTime();
                for (int i = 0; i < REPEATS; i++) {
                    k.sgemmPacked(b, width, depth, x, depth, packed, 0f, gates, width);
                    k.lstmForwardStep(h, c, gates, bias, cPrev, b, hidden);
                }
                long t2 = System.nanoTime();
                for (int i = 0; i < REPEATS; i++) {
                    k.sgemm(false, true, b, width, depth, 1f, x, depth, w, depth, 0f, gates, width);
                }
                long t3 = System.nanoTime();
                for (int i = 0; i < REPEATS; i++) {
                    k.packWeights(packed, w, depth, width, depth);
                }
                long t4 = System.nanoTime();
                for (int i = 0; i < REPEATS; i++) {
                    for (int row = 0; row < b; row++) {
                        MemorySegment.copy(rows, row * rowBytes, x, row * rowBytes, rowBytes);
                    }
                }
                long t5 = System.nanoTime();
                long[] marks = {t0, t1, t2, t3, t4, t5};
                for (int p = 0; p < PARTS.length; p++) {
                    us[p][r] = (marks[p + 1] - marks[p]) / 1e3 / REPEATS;
                }
            }
            double flop = 2.0 * b * width * depth;
            for (int p = 0; p < PARTS.length; p++) {
                double[] sorted = us[p].clone();
                Arrays.sort(sorted);
                String rate = p == 0 || p == 2 ? String.format("  product %.1f GFLOP/s at the fastest", flop / sorted[0] / 1e3) : "";
                System.out.printf("LSTM H=%d B=%d  %-30s median %9.1f us  fastest %9.1f us%s%n", hidden, b, PARTS[p],
                        sorted[ROUNDS / 2], sorted[0], rate);
            }
        }
    }
}
