package dev.panamarnn.bench;

import dev.panamarnn.CellType;
import dev.panamarnn.Rnn;
import dev.panamarnn.RnnConfig;
import dev.panamarnn.infer.BlasThreads;
import dev.panamarnn.infer.InferenceModel;
import dev.panamarnn.infer.StreamState;
import dev.panamarnn.internal.bindings.cblas.cblas_h;
import dev.panamarnn.internal.bindings.rnnk.rnnk_h;
import dev.panamarnn.kernels.KernelSelection;
import dev.panamarnn.kernels.Kernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
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
 * Latency of one single-stream step (B = 1, one layer, I = H), and its floor measured in the same
 * run: the same matrix-vector products and fused kernel called back-to-back with nothing else —
 * through the jextract bindings for native, through {@link KernelSelection#java()} for java. The
 * step adds to the floor: the input copy, the bias copy, the c_{t-1} (LSTM) or h_t (GRU) copy, the
 * output copy, the argument checks and the two lifetime claims. Run with {@code -prof gc}: gc.alloc.rate.norm
 * of {@code step} is the heap allocation per step (expected about 0 B/op).
 * FLOPs of a step: 2 * G*H * (I + H) (G = 4 LSTM, 3 GRU); GFLOP/s = that / (ns/op).
 * Run: java -jar benchmarks/target/benchmarks.jar StreamStepBenchmark -prof gc
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class StreamStepBenchmark {
    @Param({"LSTM", "GRU"})
    public CellType cell;
    /** I = H. */
    @Param({"64", "256"})
    public int size;
    @Param({"native", "java"})
    public String kernels;
    /** OpenBLAS threads (native only); 1: the caller's thread does all the work. */
    @Param({"1"})
    public int blasThreads;

    private Rnn rnn;
    private InferenceModel model;
    private StreamState stream;
    private float[] x;
    private float[] y;

    // the floor's own buffers, same shapes as a stream's
    private Arena arena;
    private Kernels k;
    private boolean nativeFloor;
    private int rowMajor;
    private int noTrans;
    private MemorySegment weights;      // G*H*(I+H) floats: LSTM [W_ih | W_hh] joined; GRU W_ih then W_hh
    private MemorySegment weightsH;     // W_hh: LSTM the joined matrix at column I (row stride I+H); GRU the second matrix (stride H)
    private MemorySegment vector;       // (I+H) [x | h]
    private MemorySegment xPart;        // (I)
    private MemorySegment hPart;        // (H)
    private MemorySegment gates;        // (G*H)
    private MemorySegment hiddenGates;  // (3H) GRU
    private MemorySegment bias;         // (G*H) b_ih + b_hh (LSTM) or b_ih (GRU), added by the kernel
    private MemorySegment bHh;          // (3H) GRU
    private MemorySegment c;            // (H) LSTM c_t
    private MemorySegment cPrev;        // (H) LSTM c_{t-1}
    private MemorySegment hNext;        // (H) GRU h_t

    @Setup(Level.Trial)
    public void setUp() {
        if (cell != CellType.LSTM && cell != CellType.GRU) {   // the floor below is written for these two
            throw new IllegalArgumentException("StreamStepBenchmark's floor knows LSTM and GRU, not " + cell);
        }
        k = kernels.equals("native") ? KernelSelection.nativeKernels() : KernelSelection.java();
        nativeFloor = k.name().equals("native");
        if (nativeFloor) {
            rowMajor = cblas_h.CblasRowMajor();
            noTrans = cblas_h.CblasNoTrans();
        }
        rnn = Rnn.create(RnnConfig.builder(cell, size, size).seed(1).build(), k);
        model = InferenceModel.of(rnn);
        BlasThreads.set(model, blasThreads);
        stream = model.newStream();
        x = new float[size];
        y = new float[size];
        SplittableRandom random = new SplittableRandom(2);
        for (int i = 0; i < size; i++) {
            x[i] = (float) (random.nextDouble() - 0.5);
        }
        int h = size, in = size, gw = cell.gates() * h;
        arena = Arena.ofShared();
        weights = random(arena.allocate((long) gw * (in + h) * Float.BYTES, 64), 3, 1 / Math.sqrt(h));
        // LSTM: one joined (G*H, In+H) matrix; GRU: W_ih (G*H, In) then W_hh (G*H, H), as InferenceModel keeps them
        weightsH = weights.asSlice((cell == CellType.GRU ? (long) gw * in : in) * Float.BYTES);
        vector = random(arena.allocate((long) (in + h) * Float.BYTES, 64), 4, 0.5);
        xPart = vector.asSlice(0, (long) in * Float.BYTES);
        hPart = vector.asSlice((long) in * Float.BYTES, (long) h * Float.BYTES);
        gates = arena.allocate((long) gw * Float.BYTES, 64);
        hiddenGates = arena.allocate((long) gw * Float.BYTES, 64);
        bHh = random(arena.allocate((long) gw * Float.BYTES, 64), 5, 0.1);
        bias = random(arena.allocate((long) gw * Float.BYTES, 64), 7, 0.1);
        c = arena.allocate((long) h * Float.BYTES, 64);
        cPrev = random(arena.allocate((long) h * Float.BYTES, 64), 6, 0.5);
        hNext = arena.allocate((long) h * Float.BYTES, 64);
    }

    private static MemorySegment random(MemorySegment s, long seed, double scale) {
        SplittableRandom r = new SplittableRandom(seed);
        for (long i = 0; i < s.byteSize() / Float.BYTES; i++) {
            s.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) ((r.nextDouble() * 2 - 1) * scale));
        }
        return s;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        stream.close();
        model.close();
        rnn.close();
        arena.close();
    }

    /** One event through the public API: x in, h_t out, caller's arrays. */
    @Benchmark
    public float[] step() {
        stream.step(x, y);
        return y;
    }

    /** The floor: only the products (beta 0) and the fused kernel (which adds the biases) a step makes. */
    @Benchmark
    public MemorySegment floor() {
        int h = size, in = size, gw = cell.gates() * h;
        if (nativeFloor) {
            if (cell == CellType.GRU) {
                cblas_h.cblas_sgemv(rowMajor, noTrans, gw, in, 1f, weights, in, xPart, 1, 0f, gates, 1);
                cblas_h.cblas_sgemv(rowMajor, noTrans, gw, h, 1f, weightsH, h, hPart, 1, 0f, hiddenGates, 1);
                rnnk_h.rnnk_gru_forward_step(hNext, gates, hiddenGates, bias, bHh, hPart, 1, h);
                return hNext;
            }
            cblas_h.cblas_sgemv(rowMajor, noTrans, gw, in + h, 1f, weights, in + h, vector, 1, 0f, gates, 1);
            rnnk_h.rnnk_lstm_forward_step(hPart, c, gates, bias, cPrev, 1, h);
            return hPart;
        }
        if (cell == CellType.GRU) {
            k.sgemv(false, gw, in, 1f, weights, in, xPart, 0f, gates);
            k.sgemv(false, gw, h, 1f, weightsH, h, hPart, 0f, hiddenGates);
            k.gruForwardStep(hNext, gates, hiddenGates, bias, bHh, hPart, 1, h);
            return hNext;
        }
        k.sgemv(false, gw, in + h, 1f, weights, in + h, vector, 0f, gates);
        k.lstmForwardStep(hPart, c, gates, bias, cPrev, 1, h);
        return hPart;
    }
}
