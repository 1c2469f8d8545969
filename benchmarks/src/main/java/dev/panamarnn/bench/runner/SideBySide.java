package dev.panamarnn.bench.runner;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.panamarnn.CellType;
import dev.panamarnn.Rnn;
import dev.panamarnn.RuntimeInfo;
import dev.panamarnn.Workspace;
import dev.panamarnn.kernels.JavaKernels;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.kernels.NativeKernels;
import dev.panamarnn.tensor.Tensor;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The side-by-side runner: for each shape, in one run, the native training step (forward + full
 * BPTT) and inference forward, the same on the pure-Java kernels, and the GEMM-bound limit (the
 * bare sgemm time of exactly the GEMMs the step performs). Prints ms (median and min-max),
 * useful GFLOP/s and the ratios limit/native (fraction of the bound) and native speed-up over
 * Java; writes JSON.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Native vs pure-Java vs the GEMM bound, for RNN, LSTM and GRU over a table of shapes.")
public final class SideBySide implements Callable<Integer> {
    /** The table: T,B,I,H[,layers][,bi]. */
    public static final List<String> DEFAULT_SHAPES = List.of(
            "100,64,512,512", "100,64,256,256", "50,32,128,128", "100,128,1024,1024", "200,16,64,64",
            "100,64,256,256,2", "100,64,256,256,1,bi", "100,1,256,256");

    @Option(names = "--cells", split = ",", description = "Cells (default: ${DEFAULT-VALUE}).", defaultValue = "lstm,gru,rnn_tanh")
    List<String> cells;
    @Option(names = "--shape", description = "T,B,I,H[,layers][,bi]; repeatable (default: the issue's table).")
    List<String> shapes;
    @Option(names = "--java-max-seconds", defaultValue = "20",
            description = "Skip the pure-Java run of a case when one step is estimated to take longer (default: ${DEFAULT-VALUE}).")
    double javaMaxSeconds;
    @Option(names = "--warmup", defaultValue = "1.0", description = "Warm-up seconds per measurement.")
    double warmup;
    @Option(names = "--measure", defaultValue = "3.0", description = "Measurement seconds per measurement.")
    double measure;
    @Option(names = "--threads", description = "OpenBLAS threads (default: OpenBLAS's own).")
    Integer threads;
    @Option(names = "--json", defaultValue = "bench-results.json", description = "Where to write the results.")
    Path json;

    /** One measured row. */
    public record Row(String shape, double trainFlops, double inferFlops,
                      double nativeTrainMs, String nativeTrainSpread, double limitTrainMs,
                      double nativeInferMs, String nativeInferSpread, double limitInferMs,
                      Double javaTrainMs, Double javaInferMs) {
        double gflops(double flops, double ms) {
            return flops / (ms * 1e6);
        }
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new SideBySide()).execute(args));
    }

    @Override
    public Integer call() throws IOException {
        NativeKernels nat = NativeKernels.load();
        if (threads != null) {
            RuntimeInfo.setBlasThreads(threads);
        }
        JavaKernels java = new JavaKernels();
        PrintStream out = System.out;
        RuntimeInfo info = RuntimeInfo.current();
        out.println("panama-rnn side-by-side: " + info.asMap().get("openblas config") + ", core " + info.asMap().get("openblas core")
                + ", " + nat.status().blasThreads() + " OpenBLAS threads, OPENBLAS_CORETYPE=" + System.getenv().getOrDefault("OPENBLAS_CORETYPE", "unset")
                + ", " + Runtime.getRuntime().availableProcessors() + " cpus");
        out.printf("%-40s %5s | %9s %11s %7s %6s %7s | %9s %7s %6s%n",
                "shape", "mode", "native ms", "min-max", "GFLOP/s", "bound", "limitMs", "java ms", "GFLOP/s", "j/n");
        List<Row> rows = new ArrayList<>();
        for (String cellName : cells) {
            CellType cell = CellType.fromId(cellName.trim());
            for (String spec : shapes == null ? DEFAULT_SHAPES : shapes) {
                Row row = measure(Shape.parse(cell, spec), nat, java);
                rows.add(row);
                print(out, row);
            }
        }
        writeJson(rows, info);
        out.println("results written to " + json.toAbsolutePath());
        return 0;
    }

    Row measure(Shape s, Kernels nat, Kernels java) {
        double limitForward = GemmLimit.timeMs(nat, GemmLimit.forwardGemms(s), warmup / 2, measure / 2);
        double limitBackward = GemmLimit.timeMs(nat, GemmLimit.backwardGemms(s), warmup / 2, measure / 2);
        Timer.Result nativeTrain = step(s, nat, true);
        Timer.Result nativeInfer = step(s, nat, false);
        Double javaTrain = null, javaInfer = null;
        // the pure-Java GEMM runs at roughly 5-15 GFLOP/s here: skip cases that would take too long
        if (s.trainFlops() / 8e9 <= javaMaxSeconds) {
            javaTrain = step(s, java, true).medianMs();
            javaInfer = step(s, java, false).medianMs();
        }
        return new Row(s.label(), s.trainFlops(), s.forwardFlops(), nativeTrain.medianMs(), nativeTrain.spread(),
                limitForward + limitBackward, nativeInfer.medianMs(), nativeInfer.spread(), limitForward, javaTrain, javaInfer);
    }

    private Timer.Result step(Shape s, Kernels k, boolean train) {
        try (Rnn rnn = Rnn.create(s.config(), k);
             Workspace ws = rnn.workspace(s.steps(), s.batch());
             Arena arena = Arena.ofConfined()) {
            Tensor x = Tensor.allocate(arena, s.steps(), s.batch(), s.input());
            Tensor dOut = Tensor.allocate(arena, s.steps(), s.batch(), s.directions() * s.hidden());
            java.util.SplittableRandom random = new java.util.SplittableRandom(1);
            for (long i = 0; i < x.size(); i++) {
                x.set(i, (float) (random.nextDouble() * 2 - 1));
            }
            for (long i = 0; i < dOut.size(); i++) {
                dOut.set(i, (float) (random.nextDouble() * 2 - 1) * 0.01f);
            }
            boolean slow = k instanceof JavaKernels;
            return Timer.time(() -> {
                ws.forward(x, null, null, null, train);
                if (train) {
                    ws.backward(dOut, null, null);
                }
            }, slow ? 0 : warmup, slow ? 0 : measure, slow ? 2 : 5, slow ? 3 : 200);
        }
    }

    private static void print(PrintStream out, Row r) {
        out.printf("%-40s %5s | %9.2f %11s %7.1f %6.2f %7.2f | %9s %7s %6s%n", r.shape(), "train",
                r.nativeTrainMs(), r.nativeTrainSpread(), r.gflops(r.trainFlops(), r.nativeTrainMs()),
                r.limitTrainMs() / r.nativeTrainMs(), r.limitTrainMs(),
                r.javaTrainMs() == null ? "skipped" : String.format("%.1f", r.javaTrainMs()),
                r.javaTrainMs() == null ? "" : String.format("%.1f", r.gflops(r.trainFlops(), r.javaTrainMs())),
                r.javaTrainMs() == null ? "" : String.format("%.1fx", r.javaTrainMs() / r.nativeTrainMs()));
        out.printf("%-40s %5s | %9.2f %11s %7.1f %6.2f %7.2f | %9s %7s %6s%n", "", "infer",
                r.nativeInferMs(), r.nativeInferSpread(), r.gflops(r.inferFlops(), r.nativeInferMs()),
                r.limitInferMs() / r.nativeInferMs(), r.limitInferMs(),
                r.javaInferMs() == null ? "skipped" : String.format("%.1f", r.javaInferMs()),
                r.javaInferMs() == null ? "" : String.format("%.1f", r.gflops(r.inferFlops(), r.javaInferMs())),
                r.javaInferMs() == null ? "" : String.format("%.1fx", r.javaInferMs() / r.nativeInferMs()));
    }

    private void writeJson(List<Row> rows, RuntimeInfo info) throws IOException {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("runtime", info.asMap());
        doc.put("note", "bound = limitMs / nativeMs (the GEMMs alone over the whole step); FLOPs count GEMMs only: "
                + "forward 2*B*(I+H)*G*H per step per layer and direction, training = 3x forward");
        doc.put("rows", rows);
        Path absolute = json.toAbsolutePath();
        Path temp = Files.createTempFile(absolute.getParent(), "bench", ".json.part");
        try {
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(temp.toFile(), doc);
            Files.move(temp, absolute, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
