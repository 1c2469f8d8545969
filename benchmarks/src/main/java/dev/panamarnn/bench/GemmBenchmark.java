package dev.panamarnn.bench;

import dev.panamarnn.kernels.KernelSelection;
import dev.panamarnn.kernels.Kernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
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
 * The recurrent GEMM of one LSTM step, gates (B, 4H) += h_{t-1} (B, H) * W_hh^T (H, 4H):
 * 2*B*H*4H FLOPs per call. Native (OpenBLAS) vs the pure-Java blocked loop nest, same shapes.
 * GFLOP/s = 8*B*H*H / (us/op * 1e3).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class GemmBenchmark {
    @Param({"native", "java"})
    public String kernels;
    @Param({"64"})
    public int batch;
    @Param({"128", "256", "512"})
    public int hidden;

    private Arena arena;
    private Kernels k;
    private MemorySegment h;      // (B, H)
    private MemorySegment wHh;    // (4H, H)
    private MemorySegment gates;  // (B, 4H)

    @Setup(Level.Trial)
    public void setUp() {
        k = kernels.equals("native") ? KernelSelection.nativeKernels() : KernelSelection.java();
        arena = Arena.ofShared();
        h = fill(arena.allocate(4L * batch * hidden, 64), 1);
        wHh = fill(arena.allocate(4L * 4 * hidden * hidden, 64), 2);
        gates = fill(arena.allocate(4L * batch * 4 * hidden, 64), 3);
    }

    private static MemorySegment fill(MemorySegment s, int seed) {
        java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
        for (long i = 0; i < s.byteSize() / 4; i++) {
            s.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i, (float) (random.nextDouble() - 0.5));
        }
        return s;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public void recurrentGemm() {
        k.sgemm(false, true, batch, 4 * hidden, hidden, 1f, h, hidden, wHh, hidden, 1f, gates, 4 * hidden);
    }
}
