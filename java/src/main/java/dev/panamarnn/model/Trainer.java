package dev.panamarnn.model;

import dev.panamarnn.data.SequenceBatch;
import dev.panamarnn.data.SequenceDataset;
import dev.panamarnn.io.ModelFileException;
import dev.panamarnn.tensor.Slab;
import dev.panamarnn.train.Adam;
import dev.panamarnn.train.AdamW;
import dev.panamarnn.train.LearningRateSchedule;
import dev.panamarnn.train.NonFiniteGuard;
import dev.panamarnn.train.Optimizer;
import dev.panamarnn.train.Sgd;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Trains a {@link SequenceModel} on a {@link SequenceDataset}: mini-batches (shuffled with a seed
 * per epoch, grouped by length to cut padding), each one forward, loss, backward and optimizer
 * step; global-norm clipping and the non-finite guard before the step; validation after each
 * epoch with early stopping; checkpoints every K steps and an exact resume.
 * <pre>{@code
 * try (Trainer trainer = Trainer.builder(model).adam(1e-3).clipNorm(1).validation(valid).earlyStopping(3).build()) {
 *     TrainingResult result = trainer.fit(train, Budget.epochs(20));
 * }
 * }</pre>
 * One thread. A resumed run ({@link #resume}) continues bit for bit as the uninterrupted run would
 * (same kernels, thread count and data; the dropout masks of a step are drawn from the model's
 * seed and the step number). Closing frees the optimizer state; the model stays open.
 */
public final class Trainer implements AutoCloseable {
    private final SequenceModel model;
    private final Settings settings;
    private final Optimizer optimizer;
    private final NonFiniteGuard guard;
    private final Slab best;          // the parameters of the best validation epoch (early stopping), or null
    private final TrainingPosition position = new TrainingPosition();
    private BpttWindows bptt;         // carried state of truncated BPTT, for the current batch size
    private volatile boolean stopRequested;
    private long lastCheckpointNanos = System.nanoTime();
    private SequenceDataset batchesOf;    // the data the cached epoch's batches were cut from
    private int batchesEpoch;
    private List<SequenceBatch> batches;
    private SequenceBatch current;        // the batch being trained
    private int currentIndex;

    /** Everything the builder sets besides the optimizer. */
    record Settings(int batchSize, double clipNorm, int maxNonFiniteInARow, long seed, boolean groupByLength,
                    SequenceDataset validation, int patience, boolean restoreBest, List<TrainingListener> listeners,
                    Path checkpoint, long checkpointEvery, java.time.Duration checkpointInterval, int bpttWindow,
                    java.util.Map<String, String> metadata) {}

    private Trainer(SequenceModel model, Settings settings, Optimizer optimizer) {
        this.model = model;
        this.settings = settings;
        this.optimizer = optimizer;
        this.guard = new NonFiniteGuard(settings.maxNonFiniteInARow());
        this.best = settings.patience() > 0 && settings.restoreBest() ? Slab.allocate("best parameters", model.parameters().layout()) : null;
    }

    public static Builder builder(SequenceModel model) {
        return new Builder(model);
    }

    public SequenceModel model() {
        return model;
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    /** Optimizer steps taken so far (a resumed run counts the earlier ones). */
    public long step() {
        return position.step;
    }

    /**
     * Trains until the budget is spent or early stopping ends it.
     * @throws IllegalArgumentException if the data does not fit the model (the message says what differs)
     * @throws dev.panamarnn.train.NonFiniteTrainingException after too many non-finite steps in a row
     */
    public TrainingResult fit(SequenceDataset train, Budget budget) {
        checkOpen();
        if (budget == null) {
            throw new IllegalArgumentException("a budget is required: Budget.epochs(n), Budget.steps(n) or Budget.minutes(m)");
        }
        DataFit.check(model.spec(), train, true);
        if (model.spec().task() == Task.CTC && settings.bpttWindow() > 0) {
            throw new IllegalArgumentException("a CTC model aligns each label sequence with its whole input: train it without truncated BPTT "
                    + "(truncatedBptt(0)), got a window of " + settings.bpttWindow());
        }
        if (settings.validation() != null) {
            DataFit.check(model.spec(), settings.validation(), true);
        }
        int perEpoch = (train.size() + settings.batchSize() - 1) / settings.batchSize();
        long startStep = position.step;
        long planned = budget.epochs() > 0 ? (long) budget.epochs() * perEpoch : budget.steps() > 0 ? budget.steps() : -1;
        long deadline = budget.time() != null ? System.nanoTime() + budget.time().toNanos() : Long.MAX_VALUE;
        for (TrainingListener l : settings.listeners()) {
            l.onStart(planned, perEpoch);
        }
        List<Double> trainLoss = new ArrayList<>();
        List<Metrics> validation = new ArrayList<>();
        String reason = "budget";
        int epochsThisRun = 0;
        outer:
        while (true) {
            if (budget.epochs() > 0 && epochsThisRun >= budget.epochs()) {
                break;
            }
            List<SequenceBatch> batches = epochBatches(train);
            requireWithin(position.batchInEpoch, batches.size() + (position.windowInBatch == 0 ? 1 : 0), "batch", -1);
            while (position.batchInEpoch < batches.size()) {
                SequenceBatch batch = batch(batches, position.batchInEpoch);
                int windows = windows(batch);
                requireWithin(position.windowInBatch, windows, "window", position.batchInEpoch);
                while (position.windowInBatch < windows) {
                    if (budget.spent(position.step - startStep, deadline)) {
                        break outer;
                    }
                    if (stopRequested) {
                        stopRequested = false;
                        reason = "stopped";
                        break outer;
                    }
                    TrainingStep step = trainStep(batch, position.windowInBatch);
                    position.epochLossSum += step.skipped() ? 0 : step.loss();
                    position.epochLossSteps += step.skipped() ? 0 : 1;
                    if (++position.windowInBatch == windows) {
                        position.batchInEpoch++;
                        position.windowInBatch = 0;
                    }
                    for (TrainingListener l : settings.listeners()) {
                        l.onStep(step, position.epoch);
                    }
                    // a checkpoint between two windows of a batch also holds the state carried between them
                    if (checkpointDue()) {
                        checkpoint(settings.checkpoint());
                    }
                    if (position.windowInBatch == 0) {
                        break;
                    }
                }
            }
            trainLoss.add(position.epochLossSteps == 0 ? Double.NaN : position.epochLossSum / position.epochLossSteps);
            position.nextEpoch();
            epochsThisRun++;
            if (settings.validation() != null) {
                Metrics m = model.evaluate(settings.validation());
                validation.add(m);
                for (TrainingListener l : settings.listeners()) {
                    l.onValidation(position.step, position.epoch - 1, m);
                }
                if (m.objective() < position.bestObjective) {
                    position.bestObjective = m.objective();
                    position.epochsWithoutImprovement = 0;
                    position.best = m;
                    if (best != null) {
                        MemorySegment.copy(model.parameters().all(), 0, best.all(), 0, best.all().byteSize());
                    }
                } else if (settings.patience() > 0 && ++position.epochsWithoutImprovement >= settings.patience()) {
                    reason = "early stopping";
                    if (best != null) {
                        MemorySegment.copy(best.all(), 0, model.parameters().all(), 0, best.all().byteSize());
                    }
                    break;
                }
            }
        }
        TrainingResult result = new TrainingResult(position.step, position.epoch, reason, trainLoss, validation, position.best);
        for (TrainingListener l : settings.listeners()) {
            l.onFinish(result);
        }
        return result;
    }

    /**
     * The current epoch's batches (shuffled with seed + epoch), kept while the data and the epoch
     * stay the same, so that fit called step by step does not cut them again.
     */
    private List<SequenceBatch> epochBatches(SequenceDataset train) {
        if (train != batchesOf || position.epoch != batchesEpoch) {
            batches = train.batches(settings.batchSize(), true, settings.groupByLength(), settings.seed() + position.epoch);
            batchesOf = train;
            batchesEpoch = position.epoch;
            current = null;
        }
        return batches;
    }

    /** Batch {@code index} of the epoch, kept while it is trained (a long batch is trained window by window). */
    private SequenceBatch batch(List<SequenceBatch> epoch, int index) {
        if (current == null || currentIndex != index) {
            current = epoch.get(index);
            currentIndex = index;
        }
        return current;
    }

    /** A resumed position inside this data: index < count, or the checkpoint came from other data (batch -1: the batch index itself). */
    private static void requireWithin(int index, int count, String what, int batch) {
        if (index >= count) {                    // the message is built only here: this runs for every batch
            String of = batch < 0 ? "batches in an epoch" : "truncated-BPTT windows in batch " + batch;
            throw new IllegalArgumentException("the resumed position (" + what + " " + index + ") is past this data's " + count + " "
                    + of + ": resume with the data and batch size the checkpoint was trained with");
        }
    }

    private boolean windowed(SequenceBatch batch) {
        return settings.bpttWindow() > 0 && batch.steps() > settings.bpttWindow();
    }

    /** Optimizer steps this batch takes: 1, or its truncated-BPTT windows. */
    private int windows(SequenceBatch batch) {
        if (!windowed(batch)) {
            return 1;
        }
        if (bptt == null || bptt.batch() != batch.batch()) {
            if (position.windowInBatch > 0) {
                throw new IllegalArgumentException("the resumed position is between two windows of a batch of " + (bptt == null ? "?" : bptt.batch())
                        + " rows, this data's batch has " + batch.batch() + ": resume with the data and batch size the checkpoint was trained with");
            }
            if (bptt != null) {
                bptt.close();
            }
            bptt = new BpttWindows(model, settings.bpttWindow(), batch.batch());
        }
        return bptt.count(batch);
    }

    /** One optimizer step: zero the gradients, forward, loss, backward (of window {@code w}, if windowed), clip, guard, step. */
    private TrainingStep trainStep(SequenceBatch batch, int w) {
        model.enter("train");   // the whole step, optimizer included: another thread's predict would read half-updated parameters
        try {
            model.zeroGradients();
            model.dropoutPass(position.step);               // the masks of this step: the same when a resumed run repeats it
            double loss = windowed(batch) ? bptt.accumulate(model, batch, w) : model.accumulate(batch);
            long number = ++position.step;
            return TrainingStep.finish(model.kernels(), model.gradients(), settings.clipNorm(), guard, optimizer, loss, number);
        } finally {
            model.exit();
        }
    }

    /** Every {@code checkpointEvery} steps, or when {@code checkpointInterval} has passed since the last checkpoint. */
    private boolean checkpointDue() {
        if (settings.checkpoint() == null) {
            return false;
        }
        boolean bySteps = settings.checkpointEvery() > 0 && position.step - position.lastCheckpoint >= settings.checkpointEvery();
        boolean byTime = settings.checkpointInterval() != null
                && System.nanoTime() - lastCheckpointNanos >= settings.checkpointInterval().toNanos();
        return bySteps || byTime;
    }

    /**
     * Asks a running {@link #fit} to return after its current step, with the reason "stopped" (for
     * example from a shutdown hook on SIGINT, to write a last checkpoint). Safe from any thread; a
     * request made while no fit runs ends the next fit before its first step.
     */
    public void stop() {
        stopRequested = true;
    }

    /** Writes the model, the optimizer state and this trainer's position (atomically) for {@link #resume}. */
    public void checkpoint(Path file) {
        checkOpen();
        try {
            TrainingCheckpoint.save(file, model, optimizer, position, position.windowInBatch > 0 ? bptt : null, settings, settings.metadata());
            position.lastCheckpoint = position.step;
            lastCheckpointNanos = System.nanoTime();
        } catch (ModelFileException e) {
            throw new java.io.UncheckedIOException(new java.io.IOException(e.getMessage(), e));
        }
        for (TrainingListener l : settings.listeners()) {
            l.onCheckpoint(position.step, file);
        }
    }

    /**
     * Continues from a checkpoint of this model: parameters, optimizer state and position (epoch,
     * batch, step, best validation loss). Call {@link #fit} with the same data and seed afterwards.
     */
    public void resume(Path file) throws ModelFileException {
        checkOpen();
        TrainingCheckpoint.Carried carried = TrainingCheckpoint.restore(file, model, optimizer, position, settings);
        if (carried != null) {                      // between two windows: the state carried into the next one
            if (bptt != null) {
                bptt.close();
            }
            bptt = new BpttWindows(model, settings.bpttWindow(), carried.batch(model.rnn().config()));
            bptt.restore(carried);
        }
    }

    private void checkOpen() {
        model.checkOpen();
    }

    @Override
    public void close() {
        optimizer.close();
        if (best != null) {
            best.close();
        }
        if (bptt != null) {
            bptt.close();
        }
    }

    /** Choices with one builder: optimizer and schedule, clipping, guard, batches, validation, stopping, listeners, checkpoints. */
    public static final class Builder {
        private final SequenceModel model;
        private String optimizerName = "adam";
        private double lr = 1e-3;
        private double momentum;
        private double weightDecay;
        private LearningRateSchedule schedule;
        private int batchSize = 32;
        private double clipNorm = 1.0;
        private int maxNonFiniteInARow = 5;
        private long seed;
        private boolean groupByLength = true;
        private SequenceDataset validation;
        private int patience;
        private boolean restoreBest = true;
        private final List<TrainingListener> listeners = new ArrayList<>();
        private Path checkpoint;
        private long checkpointEvery;
        private java.time.Duration checkpointInterval;
        private int bpttWindow;
        private java.util.Map<String, String> metadata = java.util.Map.of();

        private Builder(SequenceModel model) {
            if (model == null) {
                throw new IllegalArgumentException("the model is null");
            }
            this.model = model;
        }

        /** Adam (PyTorch's defaults besides the rate). The default, with lr 1e-3. */
        public Builder adam(double learningRate) {
            this.optimizerName = "adam";
            this.lr = learningRate;
            return this;
        }

        /** AdamW with decoupled weight decay. */
        public Builder adamW(double learningRate, double decay) {
            this.optimizerName = "adamw";
            this.lr = learningRate;
            this.weightDecay = decay;
            return this;
        }

        /** SGD with (heavy-ball) momentum; 0 for plain SGD. */
        public Builder sgd(double learningRate, double momentumFactor) {
            this.optimizerName = "sgd";
            this.lr = learningRate;
            this.momentum = momentumFactor;
            return this;
        }

        /** A learning-rate schedule instead of the constant rate (its own rate wins). */
        public Builder schedule(LearningRateSchedule value) {
            this.schedule = value;
            return this;
        }

        public Builder batchSize(int rows) {
            this.batchSize = rows;
            return this;
        }

        /** Clip the gradients' global norm to this (0: no clipping). Default 1. */
        public Builder clipNorm(double norm) {
            this.clipNorm = norm;
            return this;
        }

        /** Non-finite steps in a row that are skipped before training stops. Default 5. */
        public Builder maxNonFiniteInARow(int count) {
            this.maxNonFiniteInARow = count;
            return this;
        }

        /** Seed of the batch order (epoch e shuffles with seed + e). */
        public Builder seed(long value) {
            this.seed = value;
            return this;
        }

        /** Group sequences of similar length into batches (default true). */
        public Builder groupByLength(boolean value) {
            this.groupByLength = value;
            return this;
        }

        /** Validation data, evaluated after every epoch. */
        public Builder validation(SequenceDataset data) {
            this.validation = data;
            return this;
        }

        /** Stop after {@code epochs} validations without a lower loss, and restore the best epoch's weights. */
        public Builder earlyStopping(int epochs) {
            this.patience = epochs;
            return this;
        }

        /** Whether early stopping restores the best epoch's weights (default true). */
        public Builder restoreBest(boolean value) {
            this.restoreBest = value;
            return this;
        }

        public Builder listener(TrainingListener listener) {
            if (listener == null) {
                throw new IllegalArgumentException("listener is null");
            }
            listeners.add(listener);
            return this;
        }

        /** A checkpoint to {@code file} every {@code steps} steps (written atomically; the previous one stays until replaced). */
        public Builder checkpoints(Path file, long steps) {
            if (file == null || steps < 1) {
                throw new IllegalArgumentException("checkpoints need a file and every >= 1 steps, got " + file + ", " + steps);
            }
            this.checkpoint = file;
            this.checkpointEvery = steps;
            return this;
        }

        /**
         * Metadata every checkpoint carries besides the model's and the trainer's (what an
         * application needs to use the model, e.g. the columns of its CSV); keys must not be the
         * model's ("model.*", "rnn.*") or the trainer's ("train.*", "optimizer.*").
         */
        public Builder metadata(java.util.Map<String, String> values) {
            for (String key : values.keySet()) {
                if (key.startsWith("model.") || key.startsWith("rnn.") || key.startsWith("train.") || key.startsWith("optimizer.")
                        || key.equals(SequenceModelFile.KIND_KEY)) {
                    throw new IllegalArgumentException("checkpoint metadata key '" + key + "' is reserved for the model or the trainer");
                }
            }
            this.metadata = java.util.Map.copyOf(values);
            return this;
        }

        /** A checkpoint to {@code file} whenever {@code interval} has passed since the last one (checked after every step). */
        public Builder checkpoints(Path file, java.time.Duration interval) {
            if (file == null || interval == null || interval.isNegative() || interval.isZero()) {
                throw new IllegalArgumentException("checkpoints need a file and a positive interval, got " + file + ", " + interval);
            }
            this.checkpoint = file;
            this.checkpointInterval = interval;
            return this;
        }

        /**
         * Truncated BPTT for long sequences (per-step models, unidirectional): batches longer than
         * {@code window} steps train as consecutive windows, one optimizer step each, the state
         * carried from one window to the next (0: off, the whole sequence at once).
         */
        public Builder truncatedBptt(int window) {
            this.bpttWindow = window;
            return this;
        }

        public Trainer build() {
            if (bpttWindow < 0) {
                throw new IllegalArgumentException("the truncated-BPTT window must be >= 0 (0: off), got " + bpttWindow);
            }
            if (bpttWindow > 0) {
                BpttWindows.requireApplicable(model.spec());
            }
            if (batchSize < 1) {
                throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
            }
            if (patience < 0) {
                throw new IllegalArgumentException("early stopping patience must be >= 0 (0: off), got " + patience);
            }
            if (patience > 0 && validation == null) {
                throw new IllegalArgumentException("early stopping needs validation data (validation(dataset))");
            }
            TrainingStep.requireClipNorm(clipNorm);
            LearningRateSchedule rate = schedule != null ? schedule : LearningRateSchedule.constant(lr);
            Slab p = model.parameters(), g = model.gradients();
            Optimizer optimizer = switch (optimizerName) {
                case "sgd" -> new Sgd(model.kernels(), p, g, rate, momentum, 0, 0, false);
                case "adamw" -> new AdamW(model.kernels(), p, g, rate, 0.9, 0.999, 1e-8, weightDecay);
                default -> new Adam(model.kernels(), p, g, rate, 0.9, 0.999, 1e-8, 0);
            };
            Settings settings = new Settings(batchSize, clipNorm, maxNonFiniteInARow, seed, groupByLength, validation, patience,
                    restoreBest, List.copyOf(listeners), checkpoint, checkpointEvery, checkpointInterval, bpttWindow, metadata);
            try {
                return new Trainer(model, settings, optimizer);
            } catch (RuntimeException e) {
                optimizer.close();
                throw e;
            }
        }
    }
}
