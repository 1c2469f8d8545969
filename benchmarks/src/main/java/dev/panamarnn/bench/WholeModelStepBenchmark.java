package dev.panamarnn.bench;

import dev.panamarnn.CellType;
import dev.panamarnn.infer.InferenceModel;
import dev.panamarnn.infer.StreamState;
import dev.panamarnn.kernels.KernelSelection;
import dev.panamarnn.model.SequenceModel;
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
 * One single-stream step of a whole served model ({@code InferenceModel.of(SequenceModel)}): the
 * input stage (normalised features, or a token's embedding row), a one-layer stack and a head
 * with a hidden ReLU layer (64) over 10 outputs, native kernels. Beside it, the bare stack's step
 * of the same size. Run with {@code -prof gc}: gc.alloc.rate.norm is the heap allocation per step
 * (expected 0 B/op for both).
 * Run: java -jar benchmarks/target/benchmarks.jar WholeModelStepBenchmark -prof gc
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class WholeModelStepBenchmark {
    @Param({"LSTM", "GRU"})
    public CellType cell;
    /** H (= I for features; E for tokens). */
    @Param({"64", "256"})
    public int size;
    @Param({"features", "tokens"})
    public String input;

    private SequenceModel trained;
    private InferenceModel model;
    private InferenceModel bare;
    private StreamState stream;
    private StreamState bareStream;
    private float[] x;
    private float[] y;
    private float[] h;
    private int token;

    @Setup(Level.Trial)
    public void setUp() {
        SequenceModel.Builder b = SequenceModel.builder().cell(cell).hidden(size).headHidden(64).classify(10).seed(1)
                .kernels(KernelSelection.nativeKernels());
        float[] mean = new float[size], std = new float[size];
        java.util.Arrays.fill(std, 2f);
        trained = (input.equals("tokens") ? b.tokens(1000, size) : b.features(size).normalise(mean, std)).build();
        model = InferenceModel.of(trained);
        bare = InferenceModel.of(trained.rnn());
        stream = model.newStream();
        bareStream = bare.newStream();
        SplittableRandom r = new SplittableRandom(2);
        x = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = (float) (r.nextDouble() * 2 - 1);
        }
        y = new float[10];
        h = new float[size];
        token = 17;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        stream.close();
        bareStream.close();
        model.close();
        bare.close();
        trained.close();
    }

    /** The whole model: input stage, stack, head; 10 outputs. */
    @Benchmark
    public float[] wholeModelStep() {
        if (input.equals("tokens")) {
            stream.step(token, y);
        } else {
            stream.step(x, y);
        }
        return y;
    }

    /** The bare stack of the same model: I floats in, H out. */
    @Benchmark
    public float[] stackStep() {
        bareStream.step(x, h);
        return h;
    }
}
