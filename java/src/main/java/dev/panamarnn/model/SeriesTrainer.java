package dev.panamarnn.model;

import dev.panamarnn.Workspace;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.tensor.Tensor;
import dev.panamarnn.train.MeanSquaredError;
import dev.panamarnn.train.NonFiniteGuard;
import dev.panamarnn.train.Optimizer;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

/**
 * Trains a {@link SeriesModel} on windows of the training part of a series: each step draws B
 * random windows of T + 1 consecutive normalised values (seeded), predicts values 1..T from 0..T-1
 * and minimises the mean squared error of every step's one-step-ahead prediction.
 */
public final class SeriesTrainer implements AutoCloseable {
    private final SeriesModel model;
    private final double[] normalised;      // the training part, normalised
    private final int window;
    private final int batch;
    private final double clipNorm;
    private final Optimizer optimizer;
    private final NonFiniteGuard guard;
    private final SplittableRandom random;
    private final Kernels kernels;
    private final Workspace workspace;
    private final Arena arena;
    private final int rows;                 // T*B
    private final Tensor x;                 // (T, B, 1)
    private final MemorySegment target;     // (T*B, 1)
    private final MemorySegment prediction; // (T*B, 1)
    private final MemorySegment dPrediction;// (T*B, 1)
    private final Tensor dOutput;           // (T, B, H)
    private long step;
    private boolean closed;

    public SeriesTrainer(SeriesModel model, double[] training, int window, int batch, double clipNorm,
                         Optimizer optimizer, long seed) {
        if (model == null) {
            throw new IllegalArgumentException("model is null");
        }
        if (window < 1 || batch < 1) {
            throw new IllegalArgumentException("window and batch must be >= 1, got " + window + " and " + batch);
        }
        SeriesModel.requireFinite("training", training);
        if (training.length < window + 1L) {
            throw new IllegalArgumentException("the training part has " + training.length + " values; windows of "
                    + window + " need at least " + (window + 1));
        }
        TrainingStep.requireOptimizerOf(optimizer, model.parameters(), model.gradients());
        TrainingStep.requireClipNorm(clipNorm);
        this.model = model;
        this.normalised = new double[training.length];
        for (int i = 0; i < training.length; i++) {
            normalised[i] = model.normalise(training[i]);
        }
        this.window = window;
        this.batch = batch;
        this.clipNorm = clipNorm;
        this.optimizer = optimizer;
        this.guard = new NonFiniteGuard(10);
        this.random = new SplittableRandom(seed);
        this.kernels = model.kernels();
        this.workspace = model.rnn().workspace(window, batch);
        this.arena = Arena.ofShared();
        this.rows = window * batch;
        this.x = Tensor.allocate(arena, window, batch, 1);
        this.target = arena.allocate((long) rows * Float.BYTES, 64);
        this.prediction = arena.allocate((long) rows * Float.BYTES, 64);
        this.dPrediction = arena.allocate((long) rows * Float.BYTES, 64);
        this.dOutput = Tensor.allocate(arena, window, batch, model.config().hidden());
    }

    public TrainingStep trainStep() {
        if (closed) {
            throw new IllegalStateException("this SeriesTrainer is closed");
        }
        for (int b = 0; b < batch; b++) {
            int start = random.nextInt(normalised.length - window);
            for (int t = 0; t < window; t++) {
                x.set((long) t * batch + b, (float) normalised[start + t]);
                target.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, (long) t * batch + b, (float) normalised[start + t + 1]);
            }
        }
        model.gradients().zero();
        Tensor hidden = workspace.forward(x, null, null, null, true);          // (T, B, H)
        model.head().forward(prediction, hidden.segment(), rows);               // (T*B, 1)
        double loss = MeanSquaredError.forwardBackward(dPrediction, prediction, target, null, rows, 1);
        model.head().backward(dOutput.segment(), dPrediction, hidden.segment(), rows);
        workspace.backward(dOutput, null, null);
        step++;
        return TrainingStep.finish(kernels, model.gradients(), clipNorm, guard, optimizer, loss, step);
    }

    public long step() {
        return step;
    }

    @Override
    public void close() {
        closed = true;
        workspace.close();
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
