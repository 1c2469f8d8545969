package dev.panamarnn.examples.experiment;

import dev.panamarnn.data.SequenceDataset;
import dev.panamarnn.model.SequenceModel;
import dev.panamarnn.train.GradientClipping;
import dev.panamarnn.train.Optimizer;
import java.util.SplittableRandom;

/**
 * Trains a {@link MemoryTask#model task's model} step by step, each step on a fresh seeded batch:
 * zero the gradients, forward, loss and backpropagation through time, then optionally clip the
 * global gradient norm and take an optimizer step. A non-finite loss or norm skips the optimizer
 * step and is reported (the run is then broken; the caller decides whether to stop) — the
 * gradient experiment trains an exploding RNN without clipping on purpose, so unlike
 * {@code Trainer} this loop has no guard that throws, and it reports every step's norm.
 * The adding problem is the public API throughout: a {@link SequenceDataset} per batch,
 * {@link SequenceModel#accumulateGradients}, {@link SequenceModel#evaluate}. The copy task's loss
 * on the recall steps alone goes through {@link CopyTaskPass} (its comment says why).
 * {@link #evaluate()} scores a fixed test set drawn once from its own seed.
 */
public final class MemoryTrainer implements AutoCloseable {
    /** One training step: loss, gradient norm before clipping, and whether the update was skipped. */
    public record Step(long step, double loss, double gradientNorm, boolean skipped) {}

    /** Test loss (MSE or cross-entropy in nats) and, for copy, recall accuracy (NaN for adding). */
    public record Evaluation(double loss, double accuracy) {}

    private final SequenceModel model;
    private final MemoryTask task;
    private final int batch;
    private final Optimizer optimizer;
    private final double clipNorm;
    private final SplittableRandom random;
    private final SequenceDataset addingTest;       // adding: the test set, else null
    private final CopyTaskPass copyTrain, copyTest; // copy: a pass for B rows and one for the test set, else null
    private long step;

    /**
     * @param clipNorm   maximum global gradient norm; 0 = no clipping
     * @param testRows   sequences in the fixed test set
     */
    public MemoryTrainer(SequenceModel model, MemoryTask task, int batch, int testRows, Optimizer optimizer, double clipNorm, long seed) {
        if (batch < 1 || testRows < 1 || !(clipNorm >= 0)) {
            throw new IllegalArgumentException("need batch >= 1, testRows >= 1 and clipNorm >= 0, got " + batch + ", " + testRows + ", " + clipNorm);
        }
        if (model.spec().features() != task.inputs() || model.spec().outputs() != task.outputs()) {
            throw new IllegalArgumentException("the " + task.name() + " task needs a model with " + task.inputs() + " inputs and "
                    + task.outputs() + " outputs, got " + model.spec().features() + " and " + model.spec().outputs());
        }
        this.model = model;
        this.task = task;
        this.batch = batch;
        this.optimizer = optimizer;
        this.clipNorm = clipNorm;
        this.random = new SplittableRandom(seed);
        SplittableRandom testSeed = new SplittableRandom(seed ^ 0x5DEECE66DL);   // the test set: its own stream, drawn once
        if (task.isClassification()) {
            this.addingTest = null;
            this.copyTrain = new CopyTaskPass(model, task, batch);
            this.copyTest = new CopyTaskPass(model, task, testRows);
            copyTest.draw(testSeed);
        } else {
            this.addingTest = AddingProblem.dataset(testRows, task.steps(), testSeed);
            this.copyTrain = null;
            this.copyTest = null;
        }
    }

    /** One step on a fresh batch. */
    public Step trainStep() {
        model.zeroGradients();
        double loss;
        if (copyTrain != null) {
            copyTrain.draw(random);
            loss = copyTrain.lossAndBackward();
        } else {
            SequenceDataset fresh = AddingProblem.dataset(batch, task.steps(), random);
            loss = model.accumulateGradients(fresh.batches(batch, false, false, 0).getFirst());
        }
        double norm = clipNorm > 0 ? GradientClipping.clipByGlobalNorm(model.kernels(), model.gradients(), clipNorm)
                : GradientClipping.globalNorm(model.kernels(), model.gradients());
        step++;
        boolean skipped = !(Double.isFinite(loss) && Double.isFinite(norm));
        if (!skipped) {
            optimizer.step();
        }
        return new Step(step, loss, norm, skipped);
    }

    /** Loss (and accuracy) on the fixed test set; the model is not changed. */
    public Evaluation evaluate() {
        return copyTest != null ? copyTest.evaluate() : new Evaluation(model.evaluate(addingTest).loss(), Double.NaN);
    }

    public long step() {
        return step;
    }

    @Override
    public void close() {
        if (copyTrain != null) {
            copyTrain.close();
            copyTest.close();
        }
    }
}
