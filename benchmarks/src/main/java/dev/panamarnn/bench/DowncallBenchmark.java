package dev.panamarnn.bench;

import dev.panamarnn.internal.bindings.cblas.cblas_h;
import dev.panamarnn.internal.bindings.rnnk.rnnk_h;
import dev.panamarnn.kernels.KernelSelection;
import java.lang.foreign.Arena;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
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
 * Does {@code Linker.Option.critical} pay for the short calls of a streaming step? The two calls of
 * a B = 1 RNN step — the fused kernel {@code rnnk_rnn_tanh_forward_step} on H floats and
 * {@code cblas_sgemv} on the (H, 2H) product — each through the jextract binding the library calls
 * and through a handle on the same symbol and descriptor linked with
 * {@code Linker.Option.critical(false)}, which skips the thread-state transition around the call. The difference per call is what critical
 * would save; docs/performance.md compares it with the step's time.
 * Run: java -jar benchmarks/target/benchmarks.jar DowncallBenchmark
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class DowncallBenchmark {
    private static final int ROW_MAJOR = cblas_h.CblasRowMajor();
    private static final int NO_TRANS = cblas_h.CblasNoTrans();

    /** Hidden size: the kernel works on H floats, sgemv on an (H, 2H) matrix. */
    @Param({"16", "64", "256"})
    public int hidden;

    private Arena arena;
    private MemorySegment h;        // (H) h_t
    private MemorySegment pre;      // (H) pre-activation without bias
    private MemorySegment bias;     // (H) b_ih + b_hh
    private MemorySegment matrix;   // (H, 2H) [W_ih | W_hh]
    private MemorySegment input;    // (2H) [x_t ; h_{t-1}]
    private MethodHandle tanhCritical;
    private MethodHandle sgemvCritical;

    @Setup(Level.Trial)
    public void setUp() {
        KernelSelection.nativeKernels();   // loads librnnk and OpenBLAS, whose symbols the bindings look up
        Linker linker = Linker.nativeLinker();
        tanhCritical = linker.downcallHandle(rnnk_h.rnnk_rnn_tanh_forward_step$address(),
                rnnk_h.rnnk_rnn_tanh_forward_step$descriptor(), Linker.Option.critical(false));
        sgemvCritical = linker.downcallHandle(cblas_h.cblas_sgemv$address(), cblas_h.cblas_sgemv$descriptor(),
                Linker.Option.critical(false));

        arena = Arena.ofShared();
        h = arena.allocate(ValueLayout.JAVA_FLOAT, hidden);
        pre = arena.allocate(ValueLayout.JAVA_FLOAT, hidden);
        bias = arena.allocate(ValueLayout.JAVA_FLOAT, hidden);
        matrix = arena.allocate(ValueLayout.JAVA_FLOAT, (long) hidden * 2 * hidden);
        input = arena.allocate(ValueLayout.JAVA_FLOAT, 2L * hidden);
        for (long i = 0; i < hidden; i++) {
            pre.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) Math.sin(i));
        }
        for (long i = 0; i < 2L * hidden; i++) {
            input.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) Math.cos(i));
        }
        for (long i = 0; i < (long) hidden * 2 * hidden; i++) {
            matrix.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) Math.sin(0.37 * i) / hidden);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public void kernelPlain() {
        rnnk_h.rnnk_rnn_tanh_forward_step(h, pre, bias, 1L, hidden);
    }

    @Benchmark
    public void kernelCritical() throws Throwable {
        tanhCritical.invokeExact(h, pre, bias, 1L, (long) hidden);
    }

    /** pre (H) = [W_ih | W_hh] (H, 2H) * [x ; h] (2H) */
    @Benchmark
    public void sgemvPlain() {
        cblas_h.cblas_sgemv(ROW_MAJOR, NO_TRANS, hidden, 2 * hidden, 1f, matrix, 2 * hidden, input, 1, 0f, pre, 1);
    }

    @Benchmark
    public void sgemvCritical() throws Throwable {
        sgemvCritical.invokeExact(ROW_MAJOR, NO_TRANS, hidden, 2 * hidden, 1f, matrix, 2 * hidden, input, 1, 0f, pre, 1);
    }
}
