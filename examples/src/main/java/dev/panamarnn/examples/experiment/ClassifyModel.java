package dev.panamarnn.examples.experiment;

import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.tensor.Slab;
import dev.panamarnn.train.GradientClipping;
import dev.panamarnn.train.Optimizer;
import java.util.SplittableRandom;

/**
 * A classifier of the experiment's windows, trained by minibatch steps of softmax cross-entropy:
 * the recurrent network ({@link ClassifyNetwork}) or the non-recurrent baseline
 * ({@link ClassifyLogistic}). {@link #fit} is the one training loop both go through.
 */
interface ClassifyModel extends AutoCloseable {
    /** Name for the results table, e.g. "gru (H=32)". */
    String name();

    /** The minibatch size B every step uses. */
    int batch();

    /** One optimizer step on the examples {@code rows} (B of them) of {@code data}; the mean cross-entropy (nats). */
    double trainStep(ClassifyTasks.Dataset data, int[] rows);

    /** The predicted class (argmax of the logits) of every example of {@code data}. */
    int[] predict(ClassifyTasks.Dataset data);

    @Override
    void close();

    /** What a training run did. */
    record Fit(long steps, double finalLoss, double seconds) {}

    /**
     * Up to {@code steps} steps on minibatches drawn uniformly (seeded) from {@code train}, stopping
     * early when the wall clock passes {@code deadlineNanos} (System.nanoTime). Every
     * {@code checkEvery} steps (and after the last) {@code check} gets the step count. The final
     * loss is an exponential average over the last ~50 steps.
     */
    static Fit fit(ClassifyModel model, ClassifyTasks.Dataset train, long steps, long deadlineNanos, long seed,
                   long checkEvery, java.util.function.LongConsumer check) {
        SplittableRandom random = new SplittableRandom(seed);
        int[] rows = new int[model.batch()];
        long start = System.nanoTime();
        double smoothed = Double.NaN;
        long done = 0;
        while (done < steps && System.nanoTime() < deadlineNanos) {
            for (int b = 0; b < rows.length; b++) {
                rows[b] = random.nextInt(train.size());
            }
            double loss = model.trainStep(train, rows);
            smoothed = Double.isNaN(smoothed) ? loss : 0.98 * smoothed + 0.02 * loss;
            done++;
            if (done % checkEvery == 0) {
                check.accept(done);
            }
        }
        if (done % checkEvery != 0) {
            check.accept(done);
        }
        return new Fit(done, smoothed, (System.nanoTime() - start) / 1e9);
    }

    /**
     * The end of both models' step, after backward: clip the gradients' global norm to
     * {@code clipNorm}, and step the optimizer only when the loss and the norm are finite.
     * Returns {@code loss}.
     */
    static double clipAndStep(Kernels kernels, Slab gradients, Optimizer optimizer, double loss, double clipNorm) {
        double norm = GradientClipping.clipByGlobalNorm(kernels, gradients, clipNorm);
        if (Double.isFinite(loss) && Double.isFinite(norm)) {
            optimizer.step();
        }
        return loss;
    }

    /** Fraction of {@code predicted} equal to {@code labels}. */
    static double accuracy(int[] predicted, int[] labels) {
        if (predicted.length != labels.length || labels.length == 0) {
            throw new IllegalArgumentException("predictions and labels must have the same non-zero length, got "
                    + predicted.length + " and " + labels.length);
        }
        int right = 0;
        for (int i = 0; i < labels.length; i++) {
            if (predicted[i] == labels[i]) {
                right++;
            }
        }
        return right / (double) labels.length;
    }

    /** Accuracy within each class c in [0, C): the fraction of the examples labelled c predicted as c. */
    static double[] classAccuracy(int[] predicted, int[] labels, int classes) {
        double[] right = new double[classes], total = new double[classes];
        for (int i = 0; i < labels.length; i++) {
            total[labels[i]]++;
            if (predicted[i] == labels[i]) {
                right[labels[i]]++;
            }
        }
        for (int c = 0; c < classes; c++) {
            right[c] = total[c] > 0 ? right[c] / total[c] : Double.NaN;
        }
        return right;
    }

    /** Index of the largest of {@code classes} floats of row {@code row} of a (N, C) segment. */
    static int argmax(java.lang.foreign.MemorySegment logits, int row, int classes) {
        int best = 0;
        float bestValue = Float.NEGATIVE_INFINITY;
        for (int c = 0; c < classes; c++) {
            float v = logits.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, (long) row * classes + c);
            if (v > bestValue) {
                bestValue = v;
                best = c;
            }
        }
        return best;
    }
}
