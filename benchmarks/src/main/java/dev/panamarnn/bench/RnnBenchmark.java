package dev.panamarnn.bench;

import dev.panamarnn.CellType;
import dev.panamarnn.Rnn;
import dev.panamarnn.RnnConfig;
import dev.panamarnn.Workspace;
import dev.panamarnn.kernels.KernelSelection;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One-layer LSTM/GRU over a (T, B, I=H) batch: the training step (forward + full BPTT backward)
 * and the inference forward, native (OpenBLAS + librnnk) vs pure Java, in one run.
 * Useful FLOPs (GEMMs only): forward 2*B*(I+H)*G*H per step, backward twice that, so
 * train = 6*T*B*(I+H)*G*H and infer = 2*T*B*(I+H)*G*H; GFLOP/s = FLOPs / (ms/op * 1e6).
 * Run: java -jar benchmarks/target/benchmarks.jar RnnBenchmark
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class RnnBenchmark {
    @Param({"LSTM", "GRU"})
    public CellType cell;
    @Param({"native", "java"})
    public String kernels;
    /** T x B x H (I = H). */
    @Param({"50x32x128", "100x64x256", "100x64x512"})
    public String shape;

    private Rnn rnn;
    private Workspace workspace;
    private Arena arena;
    private Tensor x;
    private Tensor dOutput;

    @Setup(Level.Trial)
    public void setUp() {
        String[] parts = shape.split("x");
        int steps = Integer.parseInt(parts[0]), batch = Integer.parseInt(parts[1]), hidden = Integer.parseInt(parts[2]);
        Kernels k = kernels.equals("native") ? KernelSelection.nativeKernels() : KernelSelection.java();
        rnn = Rnn.create(RnnConfig.builder(cell, hidden, hidden).seed(1).build(), k);
        workspace = rnn.workspace(steps, batch);
        arena = Arena.ofShared();
        x = random(Tensor.allocate(arena, steps, batch, hidden), 2);
        dOutput = random(Tensor.allocate(arena, steps, batch, hidden), 3);
    }

    private static Tensor random(Tensor t, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        for (long i = 0; i < t.size(); i++) {
            t.set(i, (float) (r.nextDouble() * 2 - 1));
        }
        return t;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        workspace.close();
        rnn.close();
        arena.close();
    }

    /** Forward (training) + backward through all T steps; gradients accumulate. */
    @Benchmark
    public Tensor trainStep() {
        workspace.forward(x, null, null, null, true);
        workspace.backward(dOutput, null, null);
        return workspace.inputGradient();
    }

    /** Inference forward over the whole sequence. */
    @Benchmark
    public Tensor inferForward() {
        return workspace.infer(x, null, null, null);
    }
}
