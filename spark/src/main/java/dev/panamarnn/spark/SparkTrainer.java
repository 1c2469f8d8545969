package dev.panamarnn.spark;

import dev.panamarnn.data.SequenceBatch;
import dev.panamarnn.data.SequenceDataset;
import dev.panamarnn.model.SequenceModel;
import dev.panamarnn.train.Adam;
import dev.panamarnn.train.GradientClipping;
import dev.panamarnn.train.NonFiniteGuard;
import dev.panamarnn.train.Optimizer;
import dev.panamarnn.io.ModelFileException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;

/**
 * Exact synchronous data-parallel training of a {@link SequenceModel} on Spark: N workers, one per
 * shard of a {@link SparkSequences}, each with a replica of the model built in its executor JVM from
 * the broadcast bytes of the model's file. Each step is one Spark job over the N shards: the driver
 * broadcasts the current weights (one flat float array, the parameter slab); every worker loads them
 * into its replica and computes the gradient of its own batch of b sequences ({@link WorkerStep});
 * the driver collects the N gradients in shard order, sums them ({@link GradientSum}), and takes the
 * one optimizer step (clipping and the non-finite guard first, as {@code Trainer} does). So N workers
 * with local batch b train the model that one process would with batch N*b made of the same batches.
 * <pre>{@code
 * SparkSequences data = SparkSequences.of(rows, CsvLayout.id("id").time("t").features("x").label("y"), 2);
 * try (SequenceModel model = SequenceModel.builder().features(1).classify(2).hidden(32).build();
 *      SparkTrainer trainer = SparkTrainer.builder(sc, model).batchSize(16).adam(1e-3).build()) {
 *     trainer.fit(data, 10);
 *     model.save(Path.of("model.safetensors"));
 * }
 * }</pre>
 * The driver owns the model and the optimizer (the only optimizer state there is); a worker task is a
 * pure function of (weights, shard, step), so a failed task is simply run again by Spark and the run
 * stays exact. With dropout, worker i draws the masks of training forward step * N + i
 * ({@link SequenceModel#dropoutPass}), so a task run again draws the same masks.
 * That is {@link AllReduce#DRIVER}; {@link Builder#allReduce}({@link AllReduce#BARRIER}) trains the
 * same model, bit for bit, with the workers summing among themselves in barrier stages
 * ({@link BarrierStage}). One thread on the driver; closing frees the optimizer, not the model.
 */
public final class SparkTrainer implements AutoCloseable {
    private final JavaSparkContext sc;
    private final SequenceModel model;
    private final Optimizer optimizer;
    private final int batchSize;
    private final double clipNorm;
    private final long seed;
    private final NonFiniteGuard guard;
    private final List<StepTiming> timings = new ArrayList<>();
    private final CheckpointStore checkpoint;
    private final long checkpointEvery;
    private final long failTaskAt;      // tests: the first attempt of the tasks of this step fails (-1: none)
    private final boolean failByExit;   // tests: ... by halting its executor JVM (shard 0's task only)
    private final int bpttWindow;       // truncated-BPTT window k in steps (0: off)
    private final AllReduce allReduce;
    private final BarrierTask.Settings barrier;   // AllReduce.BARRIER's settings, without the data's (null: DRIVER)
    private long step;
    private int epoch;
    private int batchInEpoch;
    private final TruncatedBpttPosition windows = new TruncatedBpttPosition();
    private boolean closed;

    /**
     * Where the time of one step went, in nanoseconds: the whole step on the driver; the slowest
     * worker's compute (inside its task); on the driver, making the weights' broadcast, the job (from
     * submission to the last result, with the broadcast's destruction), and the sum plus optimizer step.
     * With {@link AllReduce#BARRIER} the step happens in the workers: total is the slowest worker's
     * compute + all-reduce + optimizer step, broadcast is 0, job is the slowest all-reduce (waiting for
     * the slowest worker included) and driver is the slowest optimizer step; the stage's start (replica,
     * state, connections) is not in any step.
     */
    public record StepTiming(long step, double loss, long totalNanos, long maxComputeNanos, long broadcastNanos, long jobNanos,
                             long driverNanos, String kernels) {
        /** The cost of the all-reduce and the job around it: the step minus the slowest worker's compute. */
        public long communicationNanos() {
            return totalNanos - maxComputeNanos;
        }
    }

    private SparkTrainer(Builder b) {
        SparkJvm.requireSupported("driver");
        this.sc = b.sc;
        this.model = b.model;
        this.optimizer = b.optimizer.apply(b.model);
        this.batchSize = b.batchSize;
        this.clipNorm = b.clipNorm;
        this.seed = b.seed;
        this.guard = new NonFiniteGuard(b.maxNonFinite);
        this.checkpoint = b.checkpoint != null ? CheckpointStore.local(b.checkpoint)
                : b.checkpointUri != null ? CheckpointStore.hadoop(b.checkpointUri, b.sc.hadoopConfiguration()) : null;
        this.checkpointEvery = b.checkpointEvery;
        this.failTaskAt = b.failTaskAt;
        this.failByExit = b.failByExit;
        this.bpttWindow = b.bpttWindow;
        this.allReduce = b.allReduce;
        if (b.allReduce == AllReduce.BARRIER && b.bpttWindow > 0) {
            throw new IllegalArgumentException("AllReduce.BARRIER does not run truncated-BPTT windows (window " + b.bpttWindow
                    + "); use AllReduce.DRIVER");
        }
        if (b.allReduce == AllReduce.BARRIER && !(b.optimizer instanceof OptimizerFactory)) {
            throw new IllegalArgumentException("AllReduce.BARRIER makes an optimizer on every worker: pass an OptimizerFactory"
                    + " (serializable) to optimizer(...), or use adam(lr)");
        }
        this.barrier = b.allReduce == AllReduce.DRIVER ? null : new BarrierTask.Settings(null, 0, b.batchSize, b.seed, 0, b.clipNorm,
                b.maxNonFinite, (OptimizerFactory) b.optimizer, b.barrierTimeoutMillis, b.failTaskAt);
    }

    public static Builder builder(JavaSparkContext sc, SequenceModel model) {
        return new Builder(sc, model);
    }

    public SequenceModel model() {
        return model;
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    /** Optimizer steps taken so far. */
    public long step() {
        return step;
    }

    /** The timing of every step taken. */
    public List<StepTiming> timings() {
        return List.copyOf(timings);
    }

    /** Epochs completed. */
    public int epoch() {
        return epoch;
    }

    /**
     * Continues from a checkpoint of this run ({@link Builder#checkpoints}): parameters, optimizer
     * state and position; then {@link #fit} with the same data, seed, worker count and batch size
     * goes on exactly as the uninterrupted run would.
     * @throws ModelFileException if the file is missing, damaged, or of another model, optimizer or split
     */
    public void resume(Path file, SparkSequences data) throws ModelFileException {
        resume(CheckpointStore.local(file), data);
    }

    /**
     * {@link #resume(Path, SparkSequences)} from a Hadoop-compatible URI (hdfs://, s3a://, file://),
     * read through the Spark context's Hadoop configuration.
     */
    public void resume(String uri, SparkSequences data) throws IOException {
        resume(CheckpointStore.hadoop(uri, sc.hadoopConfiguration()), data);
    }

    private void resume(CheckpointStore store, SparkSequences data) throws ModelFileException {
        SparkCheckpoint.Position p;
        try {
            p = store.load(file -> SparkCheckpoint.restore(file, model, optimizer, data.workers(), batchSize, bpttWindow));
        } catch (ModelFileException e) {
            throw e;
        } catch (IOException e) {
            throw new ModelFileException(Path.of(store.toString()), "cannot be read: " + e.getMessage(), e);
        }
        step = p.step();
        epoch = p.epoch();
        batchInEpoch = p.batchInEpoch();
        windows.restore(p.windowInBatch(), p.windowsInBatch(), p.carried());
    }

    /**
     * Trains until {@code epochs} epochs are complete (counting those before a {@link #resume}): an
     * epoch is max_i ceil(n_i / b) steps (a worker whose shard is used up sits the last steps out
     * with weight 0).
     * @return the combined mean loss of every step taken by this call
     */
    public List<Double> fit(SparkSequences data, int epochs) {
        return fit(data, epochs, Long.MAX_VALUE);
    }

    /** {@link #fit(SparkSequences, int)}, stopping early once {@code maxSteps} steps in all have been taken. */
    public List<Double> fit(SparkSequences data, int epochs, long maxSteps) {
        if (closed) {
            throw new IllegalStateException("this SparkTrainer is closed");
        }
        if (data == null || epochs < 1) {
            throw new IllegalArgumentException("data and epochs >= 1 are required, got " + data + ", " + epochs);
        }
        checkFits(data.schema());
        int workers = data.workers();
        long perEpoch = 0;
        for (long size : data.shardSizes()) {
            perEpoch = Math.max(perEpoch, WorkerStep.batchesPerEpoch(size, batchSize));
        }
        byte[] bytes = ModelBytes.of(model);
        String run = ModelBytes.fingerprint(bytes) + "-" + UUID.randomUUID();
        Broadcast<byte[]> modelBytes = sc.broadcast(bytes);
        if (allReduce == AllReduce.BARRIER) {
            try {
                return fitBarrier(data, epochs, maxSteps, perEpoch, run, modelBytes);
            } finally {
                modelBytes.destroy();
            }
        }
        float[] weights = new float[(int) (model.parameters().all().byteSize() / Float.BYTES)];
        float[] gradient = new float[weights.length];
        List<Double> losses = new ArrayList<>();
        try {
            for (; epoch < epochs; epoch++, batchInEpoch = 0) {
                for (; batchInEpoch < perEpoch; batchInEpoch += windows.inBatch() ? 0 : 1) {   // a batch of k windows takes k steps
                    if (step >= maxSteps) {
                        return losses;
                    }
                    long start = System.nanoTime();
                    MemorySegment.copy(model.parameters().all(), ValueLayout.JAVA_FLOAT, 0, weights, 0, weights.length);
                    Broadcast<float[]> w = sc.broadcast(weights);
                    long job = System.nanoTime();
                    List<WorkerStep.Result> results;
                    try {
                        results = new ArrayList<>(data.shards().mapPartitionsWithIndex(
                                new Task(run, modelBytes, w, data.schema(), batchSize, seed, step, epoch, batchInEpoch, workers,
                                step == failTaskAt ? failByExit ? Fault.HALT_EXECUTOR : Fault.THROW : Fault.NONE, bpttWindow, windows.next(),
                                windows.carried()), true).collect());
                    } finally {
                        w.destroy();
                    }
                    long driver = System.nanoTime();
                    results.sort(Comparator.comparingInt(WorkerStep.Result::shard));
                    double loss = apply(results, gradient);
                    windows.advance(results);
                    long end = System.nanoTime();
                    long maxCompute = results.stream().mapToLong(WorkerStep.Result::computeNanos).max().orElse(0);
                    timings.add(new StepTiming(step, loss, end - start, maxCompute, job - start, driver - job, end - driver,
                            results.getFirst().kernels()));
                    losses.add(loss);
                    if (checkpointEvery > 0 && step % checkpointEvery == 0) {
                        boolean endOfEpoch = batchInEpoch + 1 == perEpoch;
                        writeCheckpoint(windows.inBatch() ? new SparkCheckpoint.Position(step, epoch, batchInEpoch, windows.next(), windows.count(),
                                windows.carried()) : new SparkCheckpoint.Position(step, endOfEpoch ? epoch + 1 : epoch, endOfEpoch ? 0 : batchInEpoch + 1),
                                workers);
                    }
                }
            }
        } finally {
            modelBytes.destroy();
        }
        return losses;
    }

    /**
     * {@link AllReduce#BARRIER}: one barrier stage per stretch of steps up to the next checkpoint (or
     * the end). Each stage starts from this driver's model and optimizer, whose state comes back from
     * worker 0 at its end; a stage that fails is run again by Spark from the same start.
     */
    private List<Double> fitBarrier(SparkSequences data, int epochs, long maxSteps, long perEpoch, String run,
                                    Broadcast<byte[]> modelBytes) {
        int workers = data.workers();
        BarrierTask.Settings settings = barrier.forData(data.schema(), workers, perEpoch);
        List<Double> losses = new ArrayList<>();
        while (epoch < epochs && step < maxSteps) {
            long steps = Math.min((epochs - epoch) * perEpoch - batchInEpoch, maxSteps - step);
            if (checkpointEvery > 0) {
                steps = Math.min(steps, checkpointEvery - step % checkpointEvery);
            }
            byte[] start = StateBytes.of(model, optimizer, new SparkCheckpoint.Position(step, epoch, batchInEpoch), workers, batchSize);
            BarrierStage.Outcome outcome = BarrierStage.run(sc, data, run, modelBytes, start, settings, step, Math.toIntExact(steps));
            SparkCheckpoint.Position p = StateBytes.restore(outcome.state(), model, optimizer, workers, batchSize);
            step = p.step();
            epoch = p.epoch();
            batchInEpoch = p.batchInEpoch();
            losses.addAll(outcome.losses());
            timings.addAll(outcome.timings());
            if (checkpointEvery > 0 && step % checkpointEvery == 0) {
                writeCheckpoint(p, workers);
            }
        }
        return losses;
    }

    private void writeCheckpoint(SparkCheckpoint.Position p, int workers) {
        try {
            checkpoint.save(file -> SparkCheckpoint.save(file, model, optimizer, p, workers, batchSize, bpttWindow));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the checkpoint " + checkpoint + ": " + e.getMessage(), e);
        }
    }

    /** Sums the workers' gradients into the model's gradient slab, clips, asks the guard and steps; the combined loss. */
    double apply(List<WorkerStep.Result> results, float[] gradient) {
        List<GradientSum.Part> parts = new ArrayList<>(results.size());
        for (int i = 0; i < results.size(); i++) {
            if (results.get(i).shard() != i) {
                throw new IllegalStateException("expected the result of shard " + i + ", got shard " + results.get(i).shard());
            }
            parts.add(results.get(i).part());
        }
        GradientSum.combine(parts, gradient);
        double loss = GradientSum.loss(parts);
        takeStep(model, optimizer, guard, clipNorm, gradient, loss, step);
        step++;
        return loss;
    }

    /**
     * The end of a step shared with the single-process reference: the combined gradient into the
     * model's gradient slab, global-norm clipping (0: measure only), the guard, the optimizer step.
     */
    static void takeStep(SequenceModel model, Optimizer optimizer, NonFiniteGuard guard, double clipNorm, float[] gradient,
                         double loss, long step) {
        MemorySegment.copy(gradient, 0, model.gradients().all(), ValueLayout.JAVA_FLOAT, 0, gradient.length);
        double norm = clipNorm > 0 ? GradientClipping.clipByGlobalNorm(model.kernels(), model.gradients(), clipNorm)
                : GradientClipping.globalNorm(model.kernels(), model.gradients());
        if (guard.check(loss, norm, step)) {
            optimizer.step();
        }
    }

    private void checkFits(SparkSequences.Schema schema) {
        var spec = model.spec();
        if (spec.tokens() != schema.tokens()) {
            throw new IllegalArgumentException("the model reads " + (spec.tokens() ? "token ids" : "float features") + ", the data holds "
                    + (schema.tokens() ? "token ids (SparkSequences.ofTokens)" : "float features"));
        }
        if (spec.tokens() && schema.vocabulary() > spec.vocabulary()) {
            throw new IllegalArgumentException("the data's vocabulary has " + schema.vocabulary() + " ids, the model's embedding "
                    + spec.vocabulary());
        }
        if (!spec.tokens() && spec.features() != schema.features()) {
            throw new IllegalArgumentException("the model reads " + spec.features() + " features per step, the data has " + schema.features());
        }
        if (schema.targets() == SequenceDataset.Targets.NONE || schema.targets().classes() != spec.task().hasClasses()
                || schema.targets().perStep() != (spec.outputMode() == dev.panamarnn.model.OutputMode.PER_STEP)) {
            throw new IllegalArgumentException("the data's targets (" + schema.targets() + ") do not fit the model's task ("
                    + spec.task().id() + ", " + spec.outputMode().id() + ")");
        }
        if (schema.targets().classes() ? schema.classes() > spec.outputs() : schema.targetSize() != spec.outputs()) {
            throw new IllegalArgumentException("the data has " + (schema.targets().classes() ? schema.classes() + " classes" : schema.targetSize() + " targets")
                    + ", the model " + spec.outputs() + " outputs");
        }
    }

    /** Frees the optimizer's state (the model stays open) and this JVM's replicas; idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            optimizer.close();
        }
    }

    /** Tests: a fault injected into the first attempt of a step's tasks. */
    enum Fault { NONE, THROW, HALT_EXECUTOR }

    /** The worker task of one step: shard i's gradient at the broadcast weights. Holds no native object. */
    static final class Task implements Function2<Integer, Iterator<ShardSequence>, Iterator<WorkerStep.Result>> {
        private static final long serialVersionUID = 1L;
        private final String run;
        private final Broadcast<byte[]> modelBytes;
        private final Broadcast<float[]> weights;
        private final SparkSequences.Schema schema;
        private final int batchSize;
        private final long seed;
        private final long step;
        private final int epoch;
        private final int batch;
        private final int workers;
        private final Fault fault;
        private final int bpttWindow;       // k, or 0: no truncated BPTT
        private final int window;           // the window of the batch this step trains
        private final float[][] carried;    // (N) each shard's state carried into this window, or null for window 0

        Task(String run, Broadcast<byte[]> modelBytes, Broadcast<float[]> weights, SparkSequences.Schema schema, int batchSize,
             long seed, long step, int epoch, int batch, int workers, Fault fault, int bpttWindow, int window, float[][] carried) {
            this.fault = fault;
            this.bpttWindow = bpttWindow;
            this.window = window;
            this.carried = carried;
            this.run = run;
            this.modelBytes = modelBytes;
            this.weights = weights;
            this.schema = schema;
            this.batchSize = batchSize;
            this.seed = seed;
            this.step = step;
            this.epoch = epoch;
            this.batch = batch;
            this.workers = workers;
        }

        @Override
        public Iterator<WorkerStep.Result> call(Integer shard, Iterator<ShardSequence> rows) {
            org.apache.spark.TaskContext context = org.apache.spark.TaskContext.get();
            boolean first = context.stageAttemptNumber() == 0 && context.attemptNumber() == 0;   // a resubmitted stage counts again from 0
            if (fault == Fault.HALT_EXECUTOR && first && shard == 0) {
                Runtime.getRuntime().halt(137);   // as if the executor's JVM were killed (SIGKILL) mid-step
            }
            if (fault == Fault.THROW && first) {
                throw new IllegalStateException("injected failure of the first attempt of shard " + shard + "'s task (epoch " + epoch
                        + ", batch " + batch + ")");
            }
            SequenceDataset data = Replicas.shard(run, shard, () -> {
                List<ShardSequence> list = new ArrayList<>();
                rows.forEachRemaining(list::add);
                return SparkSequences.toDataset(list, schema);
            });
            List<SequenceBatch> epochBatches = WorkerStep.batches(data, batchSize, seed, epoch, shard, workers);
            SequenceBatch b = batch < epochBatches.size() ? epochBatches.get(batch) : null;
            SequenceModel replica = Replicas.borrow(run, modelBytes.value());
            try {
                return List.of(bpttWindow > 0
                        ? WindowStep.compute(replica, weights.value(), b, shard, step, workers, bpttWindow, window,
                                carried == null ? null : carried[shard])
                        : WorkerStep.compute(replica, weights.value(), b, shard, step, workers)).iterator();
            } finally {
                Replicas.release(run, replica);
            }
        }
    }

    /** Settings: batch size per worker (default 32), Adam 1e-3 unless set, no clipping, seed 0. */
    public static final class Builder {
        private final JavaSparkContext sc;
        private final SequenceModel model;
        private Function<SequenceModel, Optimizer> optimizer = (OptimizerFactory) m -> new Adam(m.kernels(), m.parameters(), m.gradients(), 1e-3);
        private int batchSize = 32;
        private double clipNorm;
        private long seed;
        private int maxNonFinite = 10;
        private Path checkpoint;
        private String checkpointUri;
        private long checkpointEvery;
        private long failTaskAt = -1;
        private boolean failByExit;
        private int bpttWindow;
        private AllReduce allReduce = AllReduce.DRIVER;
        private long barrierTimeoutMillis = 600_000;

        private Builder(JavaSparkContext sc, SequenceModel model) {
            if (sc == null || model == null) {
                throw new IllegalArgumentException("a Spark context and a model are required, got " + sc + ", " + model);
            }
            this.sc = sc;
            this.model = model;
        }

        /** Each worker's batch b (the step's batch is N*b). */
        public Builder batchSize(int b) {
            if (b < 1) {
                throw new IllegalArgumentException("batch size must be >= 1, got " + b);
            }
            this.batchSize = b;
            return this;
        }

        public Builder adam(double lr) {
            this.optimizer = (OptimizerFactory) m -> new Adam(m.kernels(), m.parameters(), m.gradients(), lr);
            return this;
        }

        /**
         * Any optimizer over the model's parameter and gradient slabs ({@link AllReduce#BARRIER} needs an
         * {@link OptimizerFactory}, which it ships to the workers).
         */
        public Builder optimizer(Function<SequenceModel, Optimizer> make) {
            this.optimizer = make;
            return this;
        }

        /** Global-norm clipping of the summed gradient (0: none). */
        public Builder clipNorm(double norm) {
            if (!(norm >= 0 && norm < Double.POSITIVE_INFINITY)) {
                throw new IllegalArgumentException("clipNorm must be finite and >= 0, got " + norm);
            }
            this.clipNorm = norm;
            return this;
        }

        /** How the gradients are summed each step (default {@link AllReduce#DRIVER}). */
        public Builder allReduce(AllReduce mode) {
            if (mode == null) {
                throw new IllegalArgumentException("an AllReduce mode is required, got null");
            }
            this.allReduce = mode;
            return this;
        }

        /**
         * {@link AllReduce#BARRIER}: how long a worker waits for the others without any byte moving (their
         * compute of a step included) before it fails the stage; also how long the driver waits for enough
         * task slots. Default 10 minutes.
         */
        public Builder barrierTimeout(java.time.Duration timeout) {
            if (timeout == null || timeout.toMillis() < 1) {
                throw new IllegalArgumentException("the barrier timeout must be at least 1 ms, got " + timeout);
            }
            this.barrierTimeoutMillis = timeout.toMillis();
            return this;
        }

        /** The seed of the per-epoch shuffles. */
        public Builder seed(long value) {
            this.seed = value;
            return this;
        }

        /**
         * Writes a checkpoint to {@code file} (on the driver, atomically, replacing the last) after
         * every {@code steps} steps, for {@link #resume}.
         */
        public Builder checkpoints(Path file, long steps) {
            if (file == null || steps < 1) {
                throw new IllegalArgumentException("checkpoints need a file and steps >= 1, got " + file + ", " + steps);
            }
            this.checkpoint = file;
            this.checkpointUri = null;
            this.checkpointEvery = steps;
            return this;
        }

        /**
         * As {@link #checkpoints(Path, long)} to a Hadoop-compatible URI (hdfs://, s3a://, file://):
         * written to a local scratch file, uploaded under a temporary name and renamed over the last
         * one ({@link CheckpointStore}).
         */
        public Builder checkpoints(String uri, long steps) {
            if (uri == null || uri.isBlank() || steps < 1) {
                throw new IllegalArgumentException("checkpoints need a URI and steps >= 1, got " + uri + ", " + steps);
            }
            this.checkpointUri = uri;
            this.checkpoint = null;
            this.checkpointEvery = steps;
            return this;
        }

        /**
         * Truncated BPTT for long sequences (per-step models, unidirectional), as
         * {@code Trainer.Builder.truncatedBptt}: a step whose longest batch (over the workers) has
         * more than {@code window} steps trains as consecutive windows, one optimizer step each, every
         * row's state carried from one window to the next ({@link WindowStep}; 0: off). A checkpoint
         * between two windows holds every shard's carried state.
         */
        public Builder truncatedBptt(int window) {
            if (window < 0) {
                throw new IllegalArgumentException("the truncated-BPTT window must be >= 0 (0: off), got " + window);
            }
            if (window > 0) {
                dev.panamarnn.model.BpttWindows.requireApplicable(model.spec());
            }
            this.bpttWindow = window;
            return this;
        }

        /**
         * Tests: the first attempt of every task of step {@code step} throws (Spark then runs it again);
         * with {@link AllReduce#BARRIER}, the last worker of the stage's first attempt throws at that step.
         */
        Builder failFirstAttemptOfStep(long step) {
            this.failTaskAt = step;
            return this;
        }

        /** Tests: the first attempt of shard 0's task of step {@code step} halts its executor's JVM. */
        Builder killExecutorAtStep(long step) {
            this.failTaskAt = step;
            this.failByExit = true;
            return this;
        }

        public SparkTrainer build() {
            return new SparkTrainer(this);
        }
    }
}
