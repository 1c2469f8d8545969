package dev.panamarnn.soak;

import dev.panamarnn.CellType;
import dev.panamarnn.Rnn;
import dev.panamarnn.RnnConfig;
import dev.panamarnn.Workspace;
import dev.panamarnn.infer.InferenceModel;
import dev.panamarnn.infer.StreamState;
import dev.panamarnn.kernels.KernelSelection;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.tensor.Tensor;
import java.lang.foreign.Arena;

/**
 * Child-JVM body of {@link LeakSoakTest} (run with native memory tracking on and a fixed, pre-touched
 * heap, so that resident memory does not move with the garbage collector's mood): after a warm-up,
 * measures memory, runs {@code cycles} create/close cycles of a network, a workspace and a stream
 * state and then {@code steps} streaming steps of one stream, measures again and prints one line
 * per measurement ({@link MemoryFigures#format()}) and the throughput.
 * Arguments: cycles, streaming steps.
 */
public final class SoakProbe {
    /** The soak's network: LSTM I=32, H=64, 2 layers; a cycle holds about 5.5 MB off-heap (weights, gradients, workspace, model, stream). */
    static final RnnConfig CONFIG = RnnConfig.builder(CellType.LSTM, 32, 64).layers(2).seed(1).build();

    private SoakProbe() {}

    public static void main(String[] args) throws Throwable {
        int cycles = Integer.parseInt(args[0]);
        long steps = Long.parseLong(args[1]);
        Kernels kernels = KernelSelection.nativeKernels();
        cycles(kernels, 200);                    // warm-up: JIT, arenas, OpenBLAS buffers
        stream(kernels, 100_000);
        MemoryFigures start = MemoryFigures.measure();
        System.out.println("start " + start.format());
        MemoryFigures.baseline();
        try (Rnn rnn = Rnn.create(CONFIG, kernels); Workspace ws = rnn.workspace(100, 8);
             InferenceModel model = InferenceModel.of(rnn); StreamState stream = model.newStream();
             Arena arena = Arena.ofConfined()) {
            ws.forward(Tensor.allocate(arena, 100, 8, 32), null, null, null, true);
            stream.step(new float[32], new float[64]);
            System.out.println("holding " + MemoryFigures.measure().format());   // one cycle's objects open: the measure must see them
        }
        long t0 = System.nanoTime();
        cycles(kernels, cycles);
        long t1 = System.nanoTime();
        MemoryFigures afterCycles = MemoryFigures.measure();
        System.out.println("cycles " + afterCycles.format());
        float checksum = stream(kernels, steps);
        long t2 = System.nanoTime();
        MemoryFigures end = MemoryFigures.measure();
        System.out.println("end " + end.format());
        System.out.print("NMT categories that changed from start to end:\n" + MemoryFigures.changesSinceBaseline());
        System.out.printf("time cycles %.1f s (%.2f ms each), streaming %.1f s (%.2f us/step), checksum %s%n",
                (t1 - t0) / 1e9, (t1 - t0) / 1e6 / Math.max(1, cycles), (t2 - t1) / 1e9, (t2 - t1) / 1e3 / Math.max(1, steps), checksum);
    }

    /**
     * Create/close cycles: Rnn (parameters + gradients), workspace (T=100, B=8), a model and a stream
     * stepped 10 times; every 10th cycle also runs a forward through the workspace (the products
     * dominate a cycle's time, and the buffers are the same whether used or not).
     */
    static void cycles(Kernels kernels, int cycles) {
        float[] event = new float[32], out = new float[64];
        for (int c = 0; c < cycles; c++) {
            try (Rnn rnn = Rnn.create(CONFIG, kernels);
                 Workspace ws = rnn.workspace(100, 8);
                 Arena arena = Arena.ofConfined()) {
                if (c % 10 == 0) {
                    ws.forward(Tensor.allocate(arena, 100, 8, 32), null, null, null, true);
                }
                try (InferenceModel model = InferenceModel.of(rnn); StreamState stream = model.newStream()) {
                    for (int s = 0; s < 10; s++) {
                        event[s % 32] = s * 0.01f;
                        stream.step(event, out);
                    }
                }
            }
        }
    }

    /**
     * One long-lived stream stepped {@code steps} times (a new sequence every 10 000 steps, and a
     * snapshot/restore round trip every 100 000); returns a value of the last output so the work
     * cannot be optimised away.
     */
    static float stream(Kernels kernels, long steps) {
        float[] event = new float[32], out = new float[64];
        try (Rnn rnn = Rnn.create(CONFIG, kernels); InferenceModel model = InferenceModel.of(rnn);
             StreamState stream = model.newStream()) {
            for (long s = 0; s < steps; s++) {
                event[(int) (s % 32)] = (float) Math.sin(s * 0.001);
                stream.step(event, out);
                if (s % 10_000 == 9_999) {
                    stream.reset();
                }
                if (s % 100_000 == 50_000) {
                    stream.restore(stream.snapshot());
                }
            }
            return out[0];
        }
    }
}
