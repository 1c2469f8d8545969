package dev.panamarnn.bench;

import dev.panamarnn.CellType;
import dev.panamarnn.Workspace;
import dev.panamarnn.data.SequenceBatch;
import dev.panamarnn.kernels.KernelSelection;
import dev.panamarnn.model.OutputMode;
import dev.panamarnn.model.SequenceModel;
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
 * What the model layer costs on top of the engine: a {@link SequenceModel}'s training pass
 * (batch copied in and normalised, forward, head, loss, BPTT, head backward) against the raw
 * {@link Workspace} forward + backward of the same one-layer stack on the same (T, B, I=H), native
 * kernels, in one run. The model is a 10-class classifier (per sequence) or a 1-value regressor
 * (per step) on float features; the head's and the loss's FLOPs are negligible beside the stack's
 * 6*T*B*(I+H)*G*H. Run: java -jar benchmarks/target/benchmarks.jar SequenceModelBenchmark
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class SequenceModelBenchmark {
    @Param({"LSTM", "GRU"})
    public CellType cell;
    /** T x B x H (I = H). */
    @Param({"50x32x128", "100x64x256"})
    public String shape;
    @Param({"sequence", "per_step"})
    public String mode;

    private SequenceModel model;
    private SequenceBatch batch;
    private Workspace workspace;
    private Arena arena;
    private Tensor x;
    private Tensor dOutput;

    @Setup(Level.Trial)
    public void setUp() {
        String[] parts = shape.split("x");
        int steps = Integer.parseInt(parts[0]), rows = Integer.parseInt(parts[1]), hidden = Integer.parseInt(parts[2]);
        boolean perStep = mode.equals("per_step");
        SequenceModel.Builder builder = SequenceModel.builder().features(hidden).cell(cell).hidden(hidden).seed(1)
                .kernels(KernelSelection.nativeKernels());
        model = (perStep ? builder.regress(1).output(OutputMode.PER_STEP) : builder.classify(10)).build();
        SplittableRandom r = new SplittableRandom(2);
        float[] features = new float[steps * rows * hidden];
        for (int i = 0; i < features.length; i++) {
            features[i] = (float) (r.nextDouble() * 2 - 1);
        }
        int[] lengths = new int[rows];
        int[] rowIds = new int[rows];
        java.util.Arrays.fill(lengths, steps);
        java.util.Arrays.setAll(rowIds, i -> i);
        int[] labels = perStep ? null : r.ints(rows, 0, 10).toArray();
        float[] targets = perStep ? new float[steps * rows] : null;
        batch = new SequenceBatch(steps, rows, lengths, features, null, labels, targets, rowIds);
        workspace = model.rnn().workspace(steps, rows);
        arena = Arena.ofShared();
        x = Tensor.allocate(arena, steps, rows, hidden).copyFrom(features);
        dOutput = Tensor.allocate(arena, steps, rows, hidden).copyFrom(features);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        workspace.close();
        model.close();
        arena.close();
    }

    /** The engine alone: forward (training) + backward through all T steps. */
    @Benchmark
    public Tensor workspaceStep() {
        workspace.forward(x, null, null, null, true);
        workspace.backward(dOutput, null, null);
        return workspace.inputGradient();
    }

    /** The whole model's training pass on the same stack and shapes. */
    @Benchmark
    public double modelStep() {
        return model.accumulateGradients(batch);
    }
}
