package dev.panamarnn.examples.experiment;

import dev.panamarnn.Workspace;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.tensor.Tensor;
import dev.panamarnn.train.GradientClipping;
import dev.panamarnn.train.MeanSquaredError;
import dev.panamarnn.train.Optimizer;
import dev.panamarnn.train.SoftmaxCrossEntropy;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

/**
 * Trains a {@link MemoryModel} on a {@link MemoryTask}: each step draws a fresh seeded batch,
 * runs the recurrent layer over all T steps, the head over the scored last steps only, the loss
 * (MSE or softmax cross-entropy) and full backpropagation through time; then optionally clips the
 * global gradient norm and takes an optimizer step. A non-finite loss or norm skips the optimizer
 * step and is reported (the run is then broken; the caller decides whether to stop).
 * {@link #evaluate()} scores a fixed test set drawn once from its own seed.
 */
public final class MemoryTrainer implements AutoCloseable {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;
    private static final ValueLayout.OfInt I = ValueLayout.JAVA_INT;

    /** One training step: loss, gradient norm before clipping, and whether the update was skipped. */
    public record Step(long step, double loss, double gradientNorm, boolean skipped) {}

    /** Test loss (MSE or cross-entropy in nats) and, for copy, recall accuracy (NaN for adding). */
    public record Evaluation(double loss, double accuracy) {}

    private final MemoryModel model;
    private final MemoryTask task;
    private final Optimizer optimizer;
    private final double clipNorm;
    private final SplittableRandom random;
    private final Kernels kernels;
    private final Arena arena = Arena.ofShared();
    private final Batch train;
    private final Batch test;
    private long step;

    /** Buffers of one batch size: its workspace, inputs, targets, predictions and gradients. */
    private final class Batch implements AutoCloseable {
        final int rows;                  // B
        final int scoredRows;            // R*B: the last R steps of every row
        final Workspace workspace;
        final float[] xHeap;             // (T, B, I)
        final float[] values;            // (B) adding targets
        final int[] classes;             // (R*B) copy targets
        final Tensor x;                  // (T, B, I)
        final MemorySegment target;      // (R*B, 1) floats or (R*B) int32
        final MemorySegment prediction;  // (R*B, O)
        final MemorySegment dPrediction; // (R*B, O)
        final Tensor dOutput;            // (T, B, H), zero but for the scored steps
        final MemorySegment scoredHidden;  // (R*B, H) slice of the workspace output
        final MemorySegment scoredDHidden; // (R*B, H) slice of dOutput

        Batch(int rows) {
            int steps = task.steps(), r = task.scoredSteps(), h = model.hidden();
            this.rows = rows;
            this.scoredRows = r * rows;
            this.workspace = model.rnn().workspace(steps, rows);
            this.xHeap = new float[steps * rows * task.inputs()];
            this.values = new float[rows];
            this.classes = new int[scoredRows];
            this.x = Tensor.allocate(arena, steps, rows, task.inputs());
            this.target = arena.allocate((long) scoredRows * Float.BYTES, 64);
            this.prediction = arena.allocate((long) scoredRows * model.outputs() * Float.BYTES, 64);
            this.dPrediction = arena.allocate((long) scoredRows * model.outputs() * Float.BYTES, 64);
            this.dOutput = Tensor.allocate(arena, steps, rows, h);
            long scoredAt = (long) (steps - r) * rows * h * Float.BYTES, scoredBytes = (long) scoredRows * h * Float.BYTES;
            this.scoredHidden = workspace.output().segment().asSlice(scoredAt, scoredBytes);
            this.scoredDHidden = dOutput.segment().asSlice(scoredAt, scoredBytes);
        }

        void draw(SplittableRandom source) {
            task.generate(xHeap, values, classes, rows, source);
            x.copyFrom(xHeap);
            if (task.isClassification()) {
                MemorySegment.copy(classes, 0, target, I, 0, scoredRows);
            } else {
                MemorySegment.copy(values, 0, target, F, 0, rows);
            }
        }

        /** Forward through the head; the loss; with {@code gradient}, dL/dprediction too. */
        double forward(boolean training, boolean gradient) {
            workspace.forward(x, null, null, null, training);
            model.head().forward(prediction, scoredHidden, scoredRows);
            if (task.isClassification()) {
                return gradient
                        ? SoftmaxCrossEntropy.forwardBackward(kernels, dPrediction, prediction, target, null, scoredRows, model.outputs())
                        : SoftmaxCrossEntropy.forward(kernels, prediction, target, null, scoredRows, model.outputs());
            }
            return gradient
                    ? MeanSquaredError.forwardBackward(dPrediction, prediction, target, null, scoredRows, 1)
                    : MeanSquaredError.forward(prediction, target, null, scoredRows, 1);
        }

        /** Fraction of scored rows whose largest logit is the target class. */
        double accuracy() {
            int outputs = model.outputs(), correct = 0;
            for (long n = 0; n < scoredRows; n++) {
                int best = 0;
                for (int k = 1; k < outputs; k++) {
                    if (prediction.getAtIndex(F, n * outputs + k) > prediction.getAtIndex(F, n * outputs + best)) {
                        best = k;
                    }
                }
                correct += best == target.getAtIndex(I, n) ? 1 : 0;
            }
            return (double) correct / scoredRows;
        }

        @Override
        public void close() {
            workspace.close();
        }
    }

    /**
     * @param clipNorm   maximum global gradient norm; 0 = no clipping
     * @param testRows   sequences in the fixed test set
     */
    public MemoryTrainer(MemoryModel model, MemoryTask task, int batch, int testRows, Optimizer optimizer, double clipNorm, long seed) {
        if (batch < 1 || testRows < 1 || !(clipNorm >= 0)) {
            throw new IllegalArgumentException("need batch >= 1, testRows >= 1 and clipNorm >= 0, got " + batch + ", " + testRows + ", " + clipNorm);
        }
        if (model.inputs() != task.inputs() || model.outputs() != task.outputs()) {
            throw new IllegalArgumentException("the " + task.name() + " task needs a model with " + task.inputs() + " inputs and "
                    + task.outputs() + " outputs, got " + model.inputs() + " and " + model.outputs());
        }
        this.model = model;
        this.task = task;
        this.optimizer = optimizer;
        this.clipNorm = clipNorm;
        this.random = new SplittableRandom(seed);
        this.kernels = model.kernels();
        this.train = new Batch(batch);
        this.test = new Batch(testRows);
        test.draw(new SplittableRandom(seed ^ 0x5DEECE66DL));   // the test set: its own stream, drawn once
    }

    /** One step on a fresh batch. */
    public Step trainStep() {
        train.draw(random);
        model.gradients().zero();
        double loss = train.forward(true, true);
        model.head().backward(train.scoredDHidden, train.dPrediction, train.scoredHidden, train.scoredRows);
        train.workspace.backward(train.dOutput, null, null);
        double norm = clipNorm > 0 ? GradientClipping.clipByGlobalNorm(kernels, model.gradients(), clipNorm)
                : GradientClipping.globalNorm(kernels, model.gradients());
        step++;
        boolean skipped = !(Double.isFinite(loss) && Double.isFinite(norm));
        if (!skipped) {
            optimizer.step();
        }
        return new Step(step, loss, norm, skipped);
    }

    /** Loss (and accuracy) on the fixed test set; the model is not changed. */
    public Evaluation evaluate() {
        double loss = test.forward(false, false);
        return new Evaluation(loss, task.isClassification() ? test.accuracy() : Double.NaN);
    }

    public long step() {
        return step;
    }

    @Override
    public void close() {
        train.close();
        test.close();
        arena.close();
    }
}
