package dev.panamarnn.bench.runner;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.panamarnn.CellType;
import dev.panamarnn.Rnn;
import dev.panamarnn.RnnConfig;
import dev.panamarnn.RuntimeInfo;
import dev.panamarnn.Workspace;
import dev.panamarnn.infer.InferenceModel;
import dev.panamarnn.infer.StepCallback;
import dev.panamarnn.infer.StreamBatcher;
import dev.panamarnn.infer.StreamState;
import dev.panamarnn.kernels.KernelSelection;
import dev.panamarnn.onnx.OnnxExport;
import dev.panamarnn.tensor.Tensor;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * ONNX Runtime as a serving peer (issue 23 part 5): one stack (1 layer, I = H) is exported with
 * {@link OnnxExport} and the same weights are timed side by side, in one process, against ONNX
 * Runtime Java running the exported file. Three kinds of rows:
 * <ul>
 * <li>{@code infer}: the whole sequence (T, B) in one call, {@link Workspace#infer} against one
 *     {@code session.run};</li>
 * <li>{@code step}: one stream, B = 1, {@link StreamState#step} against a one-step
 *     {@code session.run} whose {@code hn}/{@code cn} are fed back as {@code h0}/{@code c0};</li>
 * <li>{@code streams N}: N concurrent streams, a closed-loop {@link StreamBatcher} (each stream
 *     always has one step in flight; at most {@code maxBatch} rows per batch, default 64, the
 *     builder's default: larger batches run slower per row, docs/performance.md) against one {@code session.run} over a (1, N, I) batch with
 *     the batch's states fed back; beside them, not in the ratio, the engine run the way ONNX
 *     Runtime is: {@link Workspace#infer} over (1, N, I) with the N states fed back, which
 *     separates the batcher's own cost from the arithmetic.</li>
 * </ul>
 * ONNX Runtime gets its best case: every input and state tensor is a direct buffer created once and
 * reused (the states ping-pong between two pairs of tensors), every output is pinned to a tensor
 * allocated once, so a run copies nothing on the Java side; the many-streams ONNX Runtime run keeps
 * the N states in one batch tensor (a service would gather and scatter them per step, the
 * batcher's queue, gather, scatter and callbacks are inside its time). Before timing, every row
 * checks that both compute the same numbers (largest absolute difference, printed; a difference
 * above the tolerance stops the run).
 *
 * <p>Threads: OpenBLAS's count is one setting for the process. panama-rnn runs the whole-sequence
 * rows with {@code inferThreads} (default: the cores) and the streaming rows with
 * {@code streamThreads} (default 1, the setting docs/streaming.md "Threads" gives a service: a
 * step's GEMV runs on the caller's thread, a batcher's GEMMs on its one worker). ONNX Runtime runs
 * every row once per intra-op thread count of {@code ortThreads} (default 1 and the cores), each
 * its own session; the ratio is taken against the fastest of them.
 *
 * <p>The {@code infer} rows report the median pass, the {@code step} rows the median block of
 * {@code stepBlock} steps, both contenders alike; the {@code streams} rows the wall-clock time of a
 * window divided by the steps made in it, both contenders alike (the batcher's steps are counted
 * while its loop runs).
 *
 * <p>Each row is measured in rounds; a round times every contender once, for {@code seconds}
 * each, the order rotating from round to round, so a round's ratio is taken under one set of
 * machine conditions. The ratio printed is the median over the rounds of (fastest ONNX Runtime
 * setting's time) / (panama-rnn's time): above 1 panama-rnn is ahead.
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp benchmarks/target/benchmarks.jar dev.panamarnn.bench.runner.OrtServingPeer \
 *      [cells=LSTM,GRU] [sizes=256,512] [T=100] [B=64] [streams=1,64,1024] [rows=infer,step,streams]
 *      [rounds=5] [seconds=0.3] [inferThreads=cpus] [streamThreads=1] [ortThreads=1,cpus] [stepBlock=100] [maxBatch=64]
 * </pre>
 */
public final class OrtServingPeer {
    private OrtServingPeer() {}

    /** What to run; see the class comment for the command-line names. */
    public record Options(List<CellType> cells, int[] sizes, int steps, int batch, int[] streams, List<String> rows,
                          int rounds, double seconds, int inferThreads, int streamThreads, int[] ortThreads, int stepBlock,
                          int maxBatch) {

        public static Options parse(String... args) {
            int cpus = Runtime.getRuntime().availableProcessors();
            return new Options(
                    Arrays.stream(option(args, "cells", "LSTM,GRU").split(",")).map(s -> CellType.valueOf(s.trim().toUpperCase(Locale.ROOT))).toList(),
                    ints(option(args, "sizes", "256,512")),
                    Integer.parseInt(option(args, "T", "100")),
                    Integer.parseInt(option(args, "B", "64")),
                    ints(option(args, "streams", "1,64,1024")),
                    List.of(option(args, "rows", "infer,step,streams").split(",")),
                    Integer.parseInt(option(args, "rounds", "5")),
                    Double.parseDouble(option(args, "seconds", "0.3")),
                    Integer.parseInt(option(args, "inferThreads", Integer.toString(cpus))),
                    Integer.parseInt(option(args, "streamThreads", "1")),
                    ints(option(args, "ortThreads", cpus == 1 ? "1" : "1," + cpus)),
                    Integer.parseInt(option(args, "stepBlock", "100")),
                    Integer.parseInt(option(args, "maxBatch", "64")));
        }
    }

    /**
     * One row: times per unit (ms per pass for {@code infer}, us per stream step otherwise), medians
     * over the rounds; {@code ratio} = median over the rounds of best ONNX Runtime / panama-rnn.
     * {@code oursFastest} and {@code ortFastest}: the fastest round of panama-rnn and of each ONNX
     * Runtime setting (on a shared machine the least disturbed); the last column is the fastest ONNX
     * Runtime round over panama-rnn's.
     */
    public record Row(String kind, CellType cell, int hidden, String shape, int oursThreads, double flopsPerUnit, String unit, double oursTime,
                      double[] ortTimes, double ratio, double ratioMin, double ratioMax, double maxAbsDiff, double batchTime,
                      double batchRatio, double oursFastest, double[] ortFastest) {

        /** The fastest round of any ONNX Runtime setting. */
        double ortFastestOfAll() {
            return Arrays.stream(ortFastest).min().orElseThrow();
        }
    }

    public static void main(String[] args) throws Exception {
        run(Options.parse(args), System.out);
    }

    /** Runs every row of {@code o}, printing the environment, each row as it is done, and the table. */
    public static List<Row> run(Options o, PrintStream out) throws Exception {
        RuntimeInfo.setBlasThreads(o.inferThreads());
        RuntimeInfo.current().asMap().forEach((k, v) -> out.printf("%-18s %s%n", k, v));
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        out.printf("%-18s %s%n", "onnxruntime", env.getVersion());
        out.printf(Locale.ROOT, "ONNX Runtime intra-op threads %s (inter-op 1, sequential, optimisation ALL); panama-rnn OpenBLAS threads"
                + " %d (infer), %d (step, streams); batcher maxBatch %d; rounds %d x %.2f s per contender%n", Arrays.toString(o.ortThreads()),
                o.inferThreads(), o.streamThreads(), o.maxBatch(), o.rounds(), o.seconds());
        out.printf("%-18s %s%n", "load average", loadAverage());
        long start = System.nanoTime();
        List<Row> rows = new ArrayList<>();
        for (CellType cell : o.cells()) {
            for (int h : o.sizes()) {
                try (Rnn rnn = Rnn.create(RnnConfig.builder(cell, h, h).seed(1).build(), KernelSelection.selected())) {
                    byte[] onnx = OnnxExport.toBytes(rnn, OnnxExport.Options.defaults());
                    if (o.rows().contains("infer")) {
                        RuntimeInfo.setBlasThreads(o.inferThreads());
                        rows.add(print(out, infer(o, env, onnx, rnn)));
                    }
                    if (o.rows().contains("step") || o.rows().contains("streams")) {
                        RuntimeInfo.setBlasThreads(o.streamThreads());
                        try (InferenceModel model = InferenceModel.of(rnn)) {
                            if (o.rows().contains("step")) {
                                rows.add(print(out, step(o, env, onnx, model)));
                            }
                            if (o.rows().contains("streams")) {
                                for (int n : o.streams()) {
                                    rows.add(print(out, streams(o, env, onnx, rnn, model, n)));
                                }
                            }
                        }
                    }
                }
            }
        }
        out.printf(Locale.ROOT, "%-18s %s (after %.0f s)%n", "load average", loadAverage(), (System.nanoTime() - start) / 1e9);
        out.println();
        table(out, o, rows);
        return rows;
    }

    // ---- (a) a whole sequence: Workspace.infer against one session.run ----

    static Row infer(Options o, OrtEnvironment env, byte[] onnx, Rnn rnn) throws Exception {
        CellType cell = rnn.config().cell();
        int steps = o.steps(), rows = o.batch(), in = rnn.config().inputSize(), h = rnn.config().hiddenSize();
        try (Arena arena = Arena.ofConfined(); Workspace workspace = rnn.workspace(steps, rows)) {
            Tensor x = Tensor.allocate(arena, steps, rows, in).copyFrom(random(steps * rows * in, 3));   // x: (T, B, I)
            List<OrtRun> orts = new ArrayList<>();
            try {
                for (int threads : o.ortThreads()) {
                    orts.add(new OrtRun(env, onnx, threads, cell, steps, rows, in, h, floats(x.segment()), false));
                }
                Tensor y = workspace.infer(x, null, null, null);
                double diff = 0;
                for (OrtRun ort : orts) {
                    ort.run();
                    diff = Math.max(diff, maxAbsDiff(y.segment(), ort.output));
                    diff = Math.max(diff, maxAbsDiff(workspace.finalHidden().segment(), ort.stateAfterRun(ort.hn)));
                }
                check(diff, "infer", cell, h);
                List<Contender> all = new ArrayList<>();
                all.add(seconds -> Timer.time(() -> workspace.infer(x, null, null, null), 0, seconds, 3, 1_000_000).medianMs());
                for (OrtRun ort : orts) {
                    all.add(seconds -> Timer.time(ort::runUnchecked, 0, seconds, 3, 1_000_000).medianMs());
                }
                double flops = 2.0 * steps * rows * (in + h) * cell.gates() * h;
                return measure(o, "infer", cell, h, "T=" + steps + " B=" + rows, o.inferThreads(), flops, "ms/pass", diff, all);
            } finally {
                for (OrtRun ort : orts) {
                    ort.close();
                }
            }
        }
    }

    // ---- (b) one stream, B = 1: StreamState.step against one-step runs with the state fed back ----

    static Row step(Options o, OrtEnvironment env, byte[] onnx, InferenceModel model) throws Exception {
        CellType cell = model.cell();
        int in = model.inputSize(), h = model.hiddenSize(), checkSteps = 10, block = o.stepBlock();
        float[] events = random(checkSteps * in, 5);                       // (checkSteps, I)
        List<OrtRun> orts = new ArrayList<>();
        try (Arena arena = Arena.ofConfined(); StreamState stream = model.newStream()) {
            MemorySegment x = arena.allocate((long) in * Float.BYTES, 64);   // (I)
            MemorySegment y = arena.allocate((long) h * Float.BYTES, 64);    // (H)
            for (int threads : o.ortThreads()) {
                orts.add(new OrtRun(env, onnx, threads, cell, 1, 1, in, h, null, true));
            }
            double diff = 0;
            for (int t = 0; t < checkSteps; t++) {
                MemorySegment.copy(events, t * in, x, Tensor.FLOAT, 0, in);
                stream.step(x, y);
                for (OrtRun ort : orts) {
                    ort.input.put(0, events, t * in, in);
                    ort.run();
                    diff = Math.max(diff, maxAbsDiff(y, ort.output));
                }
            }
            check(diff, "step", cell, h);
            List<Contender> all = new ArrayList<>();
            all.add(seconds -> Timer.time(() -> {
                for (int i = 0; i < block; i++) {
                    stream.step(x, y);
                }
            }, 0, seconds, 3, 1_000_000).medianMs() * 1e3 / block);
            for (OrtRun ort : orts) {
                all.add(seconds -> Timer.time(() -> {
                    for (int i = 0; i < block; i++) {
                        ort.runUnchecked();
                    }
                }, 0, seconds, 3, 1_000_000).medianMs() * 1e3 / block);
            }
            double flops = 2.0 * (in + h) * cell.gates() * h;
            return measure(o, "step", cell, h, "B=1", o.streamThreads(), flops, "us/step", diff, all);
        } finally {
            for (OrtRun ort : orts) {
                ort.close();
            }
        }
    }

    // ---- (c) N concurrent streams: a StreamBatcher against one-step runs over a batch of N states ----

    static Row streams(Options o, OrtEnvironment env, byte[] onnx, Rnn rnn, InferenceModel model, int n) throws Exception {
        CellType cell = model.cell();
        int in = model.inputSize(), h = model.hiddenSize();
        float[] events = random(n * in, 7);                               // (N, I): stream i's event, the same every step
        List<OrtRun> orts = new ArrayList<>();
        try (BatcherLoop loop = new BatcherLoop(model, n, o.maxBatch(), events); Arena arena = Arena.ofConfined();
             Workspace workspace = rnn.workspace(1, n)) {
            // the engine's own batch step, as ONNX Runtime is run: (1, N, I) in, the N states in one tensor fed back
            Tensor x = Tensor.allocate(arena, 1, n, in).copyFrom(events);                    // x: (1, N, I)
            Tensor h0 = Tensor.allocate(arena, 1, n, h);                                     // h0: (1, N, H)
            Tensor c0 = cell.hasCellState() ? Tensor.allocate(arena, 1, n, h) : null;        // c0: (1, N, H), LSTM
            Runnable batchStep = () -> {
                workspace.infer(x, null, h0, c0);
                MemorySegment.copy(workspace.finalHidden().segment(), 0, h0.segment(), 0, h0.segment().byteSize());
                if (c0 != null) {
                    MemorySegment.copy(workspace.finalCell().segment(), 0, c0.segment(), 0, c0.segment().byteSize());
                }
            };
            for (int threads : o.ortThreads()) {
                OrtRun ort = new OrtRun(env, onnx, threads, cell, 1, n, in, h, null, true);
                orts.add(ort);
                ort.input.put(0, events);
            }
            double diff = 0;
            for (int t = 0; t < 3; t++) {                                 // three steps of every stream, from zero states
                float[][] ours = loop.stepAllOnce();
                batchStep.run();
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < h; j++) {
                        diff = Math.max(diff, Math.abs(ours[i][j] - workspace.output().get((long) i * h + j)));
                    }
                }
                for (OrtRun ort : orts) {
                    ort.run();
                    for (int i = 0; i < n; i++) {
                        for (int j = 0; j < h; j++) {
                            diff = Math.max(diff, Math.abs(ours[i][j] - ort.output.get(i * h + j)));
                        }
                    }
                }
            }
            check(diff, "streams " + n, cell, h);
            List<Contender> all = new ArrayList<>();
            all.add(loop::microsPerStep);
            for (OrtRun ort : orts) {
                all.add(seconds -> microsPerStepOverWindow(ort, seconds, n));
            }
            all.add(seconds -> microsPerStepOverWindow(batchStep, seconds, n));
            double flops = 2.0 * (in + h) * cell.gates() * h;
            return measure(o, "streams", cell, h, "N=" + n, o.streamThreads(), flops, "us/step", diff, all, true);
        } finally {
            for (OrtRun ort : orts) {
                ort.close();
            }
        }
    }

    /**
     * Like the batcher's figure, wall-clock time over a window divided by the steps made in it
     * (a median of single runs would leave out the time the thread was descheduled, which the
     * batcher's window includes).
     */
    private static double microsPerStepOverWindow(OrtRun ort, double seconds, int n) {
        return microsPerStepOverWindow(ort::runUnchecked, seconds, n);
    }

    private static double microsPerStepOverWindow(Runnable step, double seconds, int n) {
        long runs = 0, t0 = System.nanoTime(), end = t0 + (long) (seconds * 1e9), now;
        do {
            step.run();
            runs++;
            now = System.nanoTime();
        } while (now < end);
        return (now - t0) / 1e3 / ((double) runs * n);
    }

    // ---- measuring in rounds ----

    /** One contender: runs for about {@code seconds} and returns its time per unit. */
    interface Contender {
        double time(double seconds) throws Exception;
    }

    /** Warms every contender up, then times them in rounds, the first contender of a round rotating. */
    static Row measure(Options o, String kind, CellType cell, int h, String shape, int threads, double flops, String unit, double diff,
                       List<Contender> all) throws Exception {
        return measure(o, kind, cell, h, shape, threads, flops, unit, diff, all, false);
    }

    /**
     * As above; with {@code lastIsBatch} the last contender is panama-rnn's own batch step (Workspace
     * over (1, N)), reported apart and not counted as ONNX Runtime.
     */
    static Row measure(Options o, String kind, CellType cell, int h, String shape, int threads, double flops, String unit, double diff,
                       List<Contender> all, boolean lastIsBatch) throws Exception {
        int k = all.size(), orts = lastIsBatch ? k - 2 : k - 1;
        for (Contender c : all) {
            c.time(o.seconds());                                           // warm-up
        }
        double[][] times = new double[k][o.rounds()];
        double[] ratios = new double[o.rounds()], batchRatios = new double[o.rounds()];
        for (int r = 0; r < o.rounds(); r++) {
            for (int i = 0; i < k; i++) {
                int c = (r + i) % k;
                times[c][r] = all.get(c).time(o.seconds());
            }
            double bestOrt = Double.POSITIVE_INFINITY;
            for (int c = 1; c <= orts; c++) {
                bestOrt = Math.min(bestOrt, times[c][r]);
            }
            ratios[r] = bestOrt / times[0][r];
            batchRatios[r] = lastIsBatch ? bestOrt / times[k - 1][r] : Double.NaN;
        }
        double[] ort = new double[orts], ortFastest = new double[orts];
        for (int c = 1; c <= orts; c++) {
            ort[c - 1] = Timer.median(times[c]);
            ortFastest[c - 1] = Timer.min(times[c]);
        }
        return new Row(kind, cell, h, shape, threads, flops, unit, Timer.median(times[0]), ort, Timer.median(ratios), Timer.min(ratios),
                Timer.max(ratios), diff, lastIsBatch ? Timer.median(times[k - 1]) : Double.NaN, Timer.median(batchRatios),
                Timer.min(times[0]), ortFastest);
    }

    private static Row print(PrintStream out, Row r) {
        out.printf(Locale.ROOT, "%-4s H=%-4d %-8s %-8s ours %10.3f, ort %s %s; ort/ours %.2f (%.2f-%.2f); max |diff| %.2e%s"
                + "; fastest rounds ours %.3f, ort %.3f (%.2fx)%n",
                r.cell().id(), r.hidden(), r.kind(), r.shape(), r.oursTime(), Arrays.toString(round(r.ortTimes())), r.unit(),
                r.ratio(), r.ratioMin(), r.ratioMax(), r.maxAbsDiff(), Double.isNaN(r.batchTime()) ? ""
                        : String.format(Locale.ROOT, "; Workspace (1, N) %.3f, ort/it %.2f", r.batchTime(), r.batchRatio()),
                r.oursFastest(), r.ortFastestOfAll(), r.ortFastestOfAll() / r.oursFastest());
        return r;
    }

    /** The Markdown table of docs/performance.md. */
    static void table(PrintStream out, Options o, List<Row> rows) {
        StringBuilder head = new StringBuilder("| cell | H | row | shape | MFLOP/unit | unit | panama-rnn (threads) | GFLOP/s |");
        StringBuilder rule = new StringBuilder("|---|---:|---|---|---:|---|---:|---:|");
        for (int t : o.ortThreads()) {
            head.append(" ORT ").append(t).append("t |");
            rule.append("---:|");
        }
        head.append(" ORT best / ours (rounds) | Workspace (1, N) | ORT best / it | max abs diff | fastest round: ours (GFLOP/s) |");
        rule.append("---|---:|---:|---:|---:|");
        for (int t : o.ortThreads()) {
            head.append(" ORT ").append(t).append("t (GFLOP/s) |");
            rule.append("---:|");
        }
        head.append(" ORT / ours |");
        rule.append("---:|");
        out.println(head);
        out.println(rule);
        for (Row r : rows) {
            double seconds = r.oursTime() * (r.unit().startsWith("ms") ? 1e-3 : 1e-6);
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "| %s | %d | %s | %s | %.3f | %s | %.3f (%d) | %.1f |",
                    r.cell().id(), r.hidden(), r.kind(), r.shape(), r.flopsPerUnit() / 1e6, r.unit(), r.oursTime(), r.oursThreads(),
                    r.flopsPerUnit() / seconds / 1e9));
            for (double t : r.ortTimes()) {
                line.append(String.format(Locale.ROOT, " %.3f |", t));
            }
            line.append(String.format(Locale.ROOT, " %.2fx (%.2f-%.2f) |", r.ratio(), r.ratioMin(), r.ratioMax()));
            line.append(Double.isNaN(r.batchTime()) ? " | |"
                    : String.format(Locale.ROOT, " %.3f | %.2fx |", r.batchTime(), r.batchRatio()));
            line.append(String.format(Locale.ROOT, " %.1e |", r.maxAbsDiff()));
            double unitSeconds = r.unit().startsWith("ms") ? 1e-3 : 1e-6;
            line.append(String.format(Locale.ROOT, " %.3f (%.1f) |", r.oursFastest(), r.flopsPerUnit() / (r.oursFastest() * unitSeconds) / 1e9));
            for (double t : r.ortFastest()) {
                line.append(String.format(Locale.ROOT, " %.3f (%.1f) |", t, r.flopsPerUnit() / (t * unitSeconds) / 1e9));
            }
            line.append(String.format(Locale.ROOT, " %.2fx |", r.ortFastestOfAll() / r.oursFastest()));
            out.println(line);
        }
    }

    // ---- ONNX Runtime, allocation-free on the Java side ----

    /**
     * One ONNX Runtime session and its tensors, all created once: the input (T, B, I) and two
     * pairs of state tensors (1, B, H) that ping-pong when the state is fed back (the outputs hn/cn
     * of a run are pinned to the pair that is the next run's h0/c0), the output (T, B, H) pinned.
     */
    static final class OrtRun implements AutoCloseable {
        final OrtSession session;
        final FloatBuffer input;                  // (T, B, I)
        final FloatBuffer output;                 // (T, B, H)
        final FloatBuffer[] hn = new FloatBuffer[2];
        private final List<OnnxTensor> tensors = new ArrayList<>();
        private final List<Map<String, OnnxTensor>> inputs = new ArrayList<>();
        private final List<Map<String, OnnxValue>> pinned = new ArrayList<>();
        private final boolean feedBack;
        private int turn;                         // which state pair is the next run's h0/c0

        OrtRun(OrtEnvironment env, byte[] onnx, int threads, CellType cell, int steps, int rows, int in, int h, FloatBuffer sharedInput,
               boolean feedBack) throws OrtException {
            this.feedBack = feedBack;
            try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
                options.setIntraOpNumThreads(threads);
                options.setInterOpNumThreads(1);
                options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
                options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
                this.session = env.createSession(onnx, options);
            }
            try {
                input = sharedInput != null ? sharedInput : direct((long) steps * rows * in);
                output = direct((long) steps * rows * h);
                OnnxTensor x = tensor(env, input, steps, rows, in);
                OnnxTensor y = tensor(env, output, steps, rows, h);
                OnnxTensor[] hs = new OnnxTensor[2], cs = new OnnxTensor[2];
                for (int p = 0; p < 2; p++) {
                    hn[p] = direct((long) rows * h);
                    hs[p] = tensor(env, hn[p], 1, rows, h);
                    cs[p] = cell.hasCellState() ? tensor(env, direct((long) rows * h), 1, rows, h) : null;
                }
                for (int p = 0; p < 2; p++) {
                    int q = feedBack ? 1 - p : 1;         // without feedback h0 stays pair 0 (zeros), hn goes to pair 1
                    Map<String, OnnxTensor> i = new LinkedHashMap<>();
                    i.put(OnnxExport.INPUT, x);
                    i.put(OnnxExport.H0, hs[p]);
                    Map<String, OnnxValue> o = new LinkedHashMap<>();
                    o.put(OnnxExport.OUTPUT, y);
                    o.put(OnnxExport.HN, hs[q]);
                    if (cs[0] != null) {
                        i.put(OnnxExport.C0, cs[p]);
                        o.put(OnnxExport.CN, cs[q]);
                    }
                    inputs.add(i);
                    pinned.add(o);
                }
            } catch (OrtException | RuntimeException e) {
                close();
                throw e;
            }
        }

        private OnnxTensor tensor(OrtEnvironment env, FloatBuffer b, long... shape) throws OrtException {
            OnnxTensor t = OnnxTensor.createTensor(env, b, shape);
            tensors.add(t);
            return t;
        }

        /** One run; with feedback its hn/cn become the next run's h0/c0. */
        void run() throws OrtException {
            try (OrtSession.Result ignored = session.run(inputs.get(turn), pinned.get(turn))) {
                if (feedBack) {
                    turn = 1 - turn;
                }
            }
        }

        void runUnchecked() {
            try {
                run();
            } catch (OrtException e) {
                throw new IllegalStateException(e);
            }
        }

        /** The buffer the last run wrote hn into. */
        FloatBuffer stateAfterRun(FloatBuffer[] pair) {
            return feedBack ? pair[turn] : pair[1];
        }

        @Override
        public void close() throws OrtException {
            for (OnnxTensor t : tensors) {
                t.close();
            }
            if (session != null) {
                session.close();
            }
        }
    }

    // ---- the batcher in a closed loop that can be paused while ONNX Runtime runs ----

    /**
     * N streams, each with exactly one step in flight while running: a step's callback (on the
     * batcher's worker) submits the stream's next step at once. Paused between measurements, so
     * nothing of it runs while ONNX Runtime is timed.
     */
    static final class BatcherLoop implements AutoCloseable {
        private final int n;
        private final StreamState[] streams;
        private final float[][] inputs;          // (N)(I)
        private final float[][] outputs;         // (N)(H)
        private final StepCallback[] callbacks;
        private final StreamBatcher batcher;
        private final AtomicInteger inFlight = new AtomicInteger();
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private volatile boolean running;

        BatcherLoop(InferenceModel model, int n, int maxBatch, float[] events) {
            this.n = n;
            int in = model.inputSize();
            streams = new StreamState[n];
            inputs = new float[n][];
            outputs = new float[n][model.outputSize()];
            callbacks = new StepCallback[n];
            for (int i = 0; i < n; i++) {
                streams[i] = model.newStream();
                inputs[i] = Arrays.copyOfRange(events, i * in, (i + 1) * in);
            }
            batcher = StreamBatcher.builder(model).maxBatch(Math.min(n, maxBatch)).queueCapacity(Math.max(4096, 2 * n)).build();
            for (int i = 0; i < n; i++) {
                int id = i;
                callbacks[i] = (y, error) -> {
                    if (error != null) {
                        failure.compareAndSet(null, error);
                    }
                    if (running && error == null) {
                        batcher.submit(streams[id], inputs[id], outputs[id], callbacks[id]);
                    } else {
                        inFlight.decrementAndGet();
                    }
                };
            }
        }

        /** One step of every stream (for the agreement check): the outputs, (N)(H). */
        float[][] stepAllOnce() {
            List<CompletableFuture<float[]>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                futures.add(batcher.submit(streams[i], inputs[i]));
            }
            float[][] out = new float[n][];
            for (int i = 0; i < n; i++) {
                out[i] = futures.get(i).join();
            }
            return out;
        }

        /** Runs the loop for a short settling time and then {@code seconds}: us per stream step. */
        double microsPerStep(double seconds) throws InterruptedException {
            running = true;
            for (int i = 0; i < n; i++) {
                inFlight.incrementAndGet();
                batcher.submit(streams[i], inputs[i], outputs[i], callbacks[i]);
            }
            Thread.sleep(Math.max(1, (long) (seconds * 100)));           // a tenth of the window: the loop fills up
            long s0 = batcher.stepCount(), t0 = System.nanoTime();
            Thread.sleep(Math.max(1, (long) (seconds * 1000)));
            long s1 = batcher.stepCount(), t1 = System.nanoTime();
            running = false;
            while (inFlight.get() > 0) {
                Thread.sleep(0, 100_000);
            }
            if (failure.get() != null) {
                throw new IllegalStateException("a batched step failed", failure.get());
            }
            return (t1 - t0) / 1e3 / Math.max(1, s1 - s0);
        }

        @Override
        public void close() {
            running = false;
            batcher.close();
            for (StreamState s : streams) {
                s.close();
            }
        }
    }

    // ---- helpers ----

    /** Same work or no comparison: float32 rounding over T steps stays far below this. */
    private static void check(double diff, String row, CellType cell, int h) {
        double tolerance = 1e-4;
        if (!(diff <= tolerance)) {
            throw new IllegalStateException(String.format(Locale.ROOT, "%s %s H=%d: panama-rnn and ONNX Runtime differ by %.3e (tolerance %.0e)",
                    cell.id(), row, h, diff, tolerance));
        }
    }

    private static double maxAbsDiff(MemorySegment ours, FloatBuffer theirs) {
        double diff = 0;
        long count = ours.byteSize() / Float.BYTES;
        if (count != theirs.capacity()) {
            throw new IllegalStateException("sizes differ: " + count + " and " + theirs.capacity());
        }
        for (long i = 0; i < count; i++) {
            diff = Math.max(diff, Math.abs(ours.getAtIndex(Tensor.FLOAT, i) - theirs.get((int) i)));
        }
        return diff;
    }

    /** The 1, 5 and 15 minute load averages (Linux), to judge how busy the shared machine was; "n/a" elsewhere. */
    static String loadAverage() {
        try {
            String[] f = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim().split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (java.io.IOException | RuntimeException e) {
            return "n/a";
        }
    }

    private static FloatBuffer direct(long floats) {
        return ByteBuffer.allocateDirect(Math.toIntExact(floats * Float.BYTES)).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    private static FloatBuffer floats(MemorySegment segment) {
        return segment.asByteBuffer().order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    private static float[] random(int count, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return values;
    }

    private static double[] round(double[] values) {
        return Arrays.stream(values).map(v -> Math.round(v * 1000) / 1000.0).toArray();
    }

    private static int[] ints(String csv) {
        return Arrays.stream(csv.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
    }

    static String option(String[] args, String name, String fallback) {
        for (String a : args) {
            if (a.startsWith(name + "=")) {
                return a.substring(name.length() + 1);
            }
        }
        return fallback;
    }
}
