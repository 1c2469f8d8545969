package dev.panamarnn.bench.runner;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.panamarnn.CellType;
import dev.panamarnn.Rnn;
import dev.panamarnn.RuntimeInfo;
import dev.panamarnn.Workspace;
import dev.panamarnn.internal.kernels.NativeKernels;
import dev.panamarnn.kernels.KernelSelection;
import dev.panamarnn.kernels.Kernels;
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
import dev.panamarnn.options.OptionRanges;
import dev.panamarnn.options.Range;
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
    @Range(min = 0, max = 86400)
    double javaMaxSeconds;
    @Option(names = "--warmup", defaultValue = "1.0", description = "Warm-up seconds per shape.")
    @Range(min = 0, max = 3600)
    double warmup;
    @Option(names = "--measure", defaultValue = "5.0", description = "Measurement seconds per shape and mode, split over the rounds.")
    @Range(min = 0, max = 86400)
    double measure;
    @Option(names = "--rounds", defaultValue = "5",
            description = "Rounds per shape; each times the GEMM bound and the native steps back to back (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = 1000)
    int rounds;
    @Option(names = "--threads", description = "OpenBLAS threads (default: OpenBLAS's own).")
    @Range(min = 1, max = 1024)
    Integer threads;
    @Option(names = "--openblas-only",
            description = "Run the native steps with every GEMM on OpenBLAS, without librnnk's small and packed-weight GEMMs (to measure what they bring).")
    boolean openBlasOnly;
    @Option(names = "--peak", defaultValue = "0", paramLabel = "N",
            description = "Also time one N x N x N sgemm through OpenBLAS in every round (0: off, the default), and report training GFLOP/s against it, round by round.")
    @Range(min = 0, max = 8192)
    int peak;
    @Option(names = "--json", defaultValue = "bench-results.json", description = "Where to write the results.")
    Path json;

    /** One measured shape: both modes against their bound, and the pure-Java times when run. */
    public record Row(String shape, double trainFlops, double inferFlops, Paired.Mode train, Paired.Mode infer,
                      Double javaTrainMs, Double javaInferMs, Peak peak) {
        static double gflops(double flops, double ms) {
            return flops / (ms * 1e6);
        }
    }

    /**
     * The sgemm peak measured in the same rounds ({@code --peak}), or null without it.
     *
     * @param size      N of the N x N x N product
     * @param gflops    median over the rounds of the product's GFLOP/s; {@code bestGflops} the fastest round
     * @param trainPeak training against the peak: its {@code bound} is the median over the rounds of
     *                  (training GFLOP/s) / (that round's peak GFLOP/s), {@code boundMin}-{@code boundMax} their range
     */
    public record Peak(int size, double gflops, double bestGflops, Paired.Mode trainPeak) {}

    /** Run alone (java -cp ... SideBySide): the options checked against their ranges before anything runs, as in `rnn bench`. */
    public static void main(String[] args) {
        CommandLine cli = new CommandLine(new SideBySide());
        cli.setExecutionStrategy(parsed -> {
            OptionRanges.check(parsed);
            return new CommandLine.RunLast().execute(parsed);
        });
        System.exit(cli.execute(args));
    }

    @Override
    public Integer call() throws IOException {
        requireWritableJson();
        List<Shape> cases = new ArrayList<>();   // every case parsed before anything is measured
        for (String cellName : cells) {
            CellType cell = CellType.fromId(cellName.trim());
            for (String spec : shapes == null ? DEFAULT_SHAPES : shapes) {
                cases.add(Shape.parse(cell, spec));
            }
        }
        NativeKernels nat = openBlasOnly ? NativeKernels.load().openBlasOnly() : NativeKernels.load();
        if (threads != null) {
            RuntimeInfo.setBlasThreads(threads);
        }
        Kernels java = KernelSelection.java();
        PrintStream out = System.out;
        RuntimeInfo info = RuntimeInfo.current();
        out.println("panama-rnn side-by-side: " + info.asMap().get("openblas config") + ", core " + info.asMap().get("openblas core")
                + ", " + nat.status().blasThreads() + " OpenBLAS threads, OPENBLAS_CORETYPE=" + System.getenv().getOrDefault("OPENBLAS_CORETYPE", "unset")
                + ", " + Runtime.getRuntime().availableProcessors() + " cpus"
                + (openBlasOnly ? ", every GEMM on OpenBLAS (--openblas-only)" : ", small NN and packed-weight products on librnnk")
                + "; " + nat.status().threading());
        printHeader(out);
        List<Row> rows = new ArrayList<>();
        for (Shape shape : cases) {
            Row row = measure(shape, nat, java);
            rows.add(row);
            print(out, row);
        }
        writeJson(rows, info);
        out.println("results written to " + json.toAbsolutePath());
        return 0;
    }

    Row measure(Shape s, NativeKernels nat, Kernels java) {
        Paired train = new Paired(rounds), infer = new Paired(rounds), trainPeak = new Paired(rounds);
        double[] peakGflops = new double[rounds];
        // the bound: every GEMM through OpenBLAS, as the issue defines it (even those the native
        // kernels send to librnnk's small GEMM)
        Kernels openBlas = nat.openBlasOnly();
        try (GemmLimit forwardLimit = new GemmLimit(openBlas, GemmLimit.forwardGemms(s));
             GemmLimit backwardLimit = new GemmLimit(openBlas, GemmLimit.backwardGemms(s));
             StepRun run = new StepRun(s, nat);
             SgemmPeak square = peak > 0 ? new SgemmPeak(openBlas, peak) : null) {
            // warm-up once: JIT, page faults of the workspace, OpenBLAS's buffers and threads
            forwardLimit.timeMs(warmup / 4, 0, 1);
            backwardLimit.timeMs(warmup / 4, 0, 1);
            run.time(true, warmup / 2, 0, 1, 1);
            run.time(false, warmup / 4, 0, 1, 1);
            double slice = measure / rounds;
            for (int r = 0; r < rounds; r++) {
                double limitForward = forwardLimit.timeMs(0, slice / 4, 3);
                double limitBackward = backwardLimit.timeMs(0, slice / 4, 3);
                Timer.Result trainStep = run.time(true, 0, slice, 2, 200);
                train.add(limitForward + limitBackward, trainStep);
                infer.add(limitForward, run.time(false, 0, slice / 2, 2, 200));
                if (square != null) {
                    double peakMs = square.timeMs(r == 0);
                    peakGflops[r] = Row.gflops(square.flops(), peakMs);
                    // the training step's FLOPs at this round's peak speed: limit / native = training GFLOP/s / peak GFLOP/s
                    trainPeak.add(s.trainFlops() / square.flops() * peakMs, trainStep);
                }
            }
        }
        Peak peakRow = peak > 0 ? new Peak(peak, Timer.median(peakGflops), Timer.max(peakGflops), trainPeak.summary()) : null;
        Double javaTrain = null, javaInfer = null;
        // the pure-Java GEMM runs at roughly 5-15 GFLOP/s here: skip cases that would take too long
        if (s.trainFlops() / 8e9 <= javaMaxSeconds) {
            try (StepRun run = new StepRun(s, java)) {
                javaTrain = run.time(true, 1e-9, 0, 2, 3).medianMs();   // one warm-up step, then two timed
                javaInfer = run.time(false, 1e-9, 0, 2, 3).medianMs();
            }
        }
        return new Row(s.label(), s.trainFlops(), s.forwardFlops(), train.summary(), infer.summary(), javaTrain, javaInfer, peakRow);
    }

    private static final String FORMAT = "%-36s %5s | %9s %15s %7s %5s %11s %8s | %9s %7s %6s%n";

    private static void printHeader(PrintStream out) {
        out.printf(FORMAT, "shape", "mode", "native ms", "min-max", "GFLOP/s", "bound", "rounds", "limitMs",
                "java ms", "GFLOP/s", "j/n");
    }

    private static void print(PrintStream out, Row r) {
        printMode(out, r.shape(), "train", r.trainFlops(), r.train(), r.javaTrainMs());
        printMode(out, "", "infer", r.inferFlops(), r.infer(), r.javaInferMs());
        if (r.peak() != null) {
            Peak p = r.peak();
            out.printf("%-36s sgemm %d^3 in the same rounds: %.1f GFLOP/s median (best round %.1f); training / peak %.2f (rounds %s)%n",
                    "", p.size(), p.gflops(), p.bestGflops(), p.trainPeak().bound(), p.trainPeak().boundSpread());
        }
    }

    private static void printMode(PrintStream out, String shape, String mode, double flops, Paired.Mode m, Double javaMs) {
        out.printf(FORMAT, shape, mode, String.format("%.2f", m.nativeMs()), m.spread(),
                String.format("%.1f", Row.gflops(flops, m.nativeMs())), String.format("%.2f", m.bound()), m.boundSpread(),
                String.format("%.2f", m.limitMs()),
                javaMs == null ? "skipped" : String.format("%.1f", javaMs),
                javaMs == null ? "" : String.format("%.1f", Row.gflops(flops, javaMs)),
                javaMs == null ? "" : String.format("%.1fx", javaMs / m.nativeMs()));
    }

    private void writeJson(List<Row> rows, RuntimeInfo info) throws IOException {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("runtime", info.asMap());
        doc.put("smallGemm", !openBlasOnly);
        doc.put("note", "bound = median over rounds of limitMs / nativeMs, each round timing the GEMMs alone and the step "
                + "back to back; FLOPs count GEMMs only: "
                + "forward 2*B*(I+H)*G*H per step per layer and direction, training = 3x forward");
        doc.put("rows", rows);
        Path absolute = json.toAbsolutePath();
        try {
            Path temp = Files.createTempFile(absolute.getParent(), "bench", ".json.part");
            try {
                new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(temp.toFile(), doc);
                Files.move(temp, absolute, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(temp);
            }
        } catch (IOException e) {
            throw new IOException("cannot write --json " + json + ": " + reason(e), e);
        }
    }

    /**
     * Before anything is measured: --json names a file that can be written (not a directory, pipe or
     * device; its directory exists and takes a new file), so a long run does not end in an error.
     */
    private void requireWritableJson() throws IOException {
        Path absolute = json.toAbsolutePath();
        if (Files.exists(absolute) && !Files.isRegularFile(absolute)) {
            throw new IllegalArgumentException("--json " + json + " is not a regular file (a directory, pipe or device); name a file to write");
        }
        try {
            Files.delete(Files.createTempFile(absolute.getParent(), ".bench-write-probe", ".tmp"));
        } catch (IOException e) {
            throw new IOException("cannot write --json " + json + ": " + reason(e), e);
        }
    }

    /** What failed, in words: the file system's reason, or the kind of failure and the file. */
    private static String reason(IOException e) {
        return switch (e) {
            case java.nio.file.AccessDeniedException a -> "permission denied (" + a.getFile() + ")";
            case java.nio.file.NoSuchFileException n -> "no such directory (" + n.getFile() + ")";
            case java.nio.file.FileSystemException f when f.getReason() != null -> f.getReason() + " (" + f.getFile() + ")";
            default -> e.getMessage() != null ? e.getMessage() : e.toString();
        };
    }
}
