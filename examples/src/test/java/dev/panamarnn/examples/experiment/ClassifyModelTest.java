package dev.panamarnn.examples.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.CellType;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The two classifiers learn what they should: a linearly separable task, and (the network) a sequence-to-one one. */
class ClassifyModelTest {
    /**
     * Windows of the ORDER task's length whose class is 1 when the sum of x_t over {@code positions}
     * is > 0.3 sqrt(count), 0 when < -0.3 sqrt(count) (nothing in between).
     */
    static ClassifyTasks.Dataset separable(int n, long seed, int... positions) {
        SplittableRandom random = new SplittableRandom(seed);
        int steps = ClassifyTasks.Task.ORDER.steps();
        float[][] windows = new float[n][];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            float[] w;
            double s;
            do {
                w = new float[steps];
                for (int t = 0; t < steps; t++) {
                    w[t] = (float) ClassifyTasks.gaussian(random);
                }
                s = 0;
                for (int p : positions) {
                    s += w[p];
                }
            } while (Math.abs(s) < 0.3 * Math.sqrt(positions.length));
            windows[i] = w;
            labels[i] = s > 0 ? 1 : 0;
        }
        return new ClassifyTasks.Dataset(ClassifyTasks.Task.ORDER, windows, labels);
    }

    @Test
    void logisticRegressionLearnsALinearlySeparableTask() {
        ClassifyTasks.Dataset train = separable(2000, 1, 5, 20), test = separable(1000, 2, 5, 20);
        try (ClassifyLogistic logistic = new ClassifyLogistic(train.steps(), 4, 32, 1e-2, 3)) {
            double before = ClassifyModel.accuracy(logistic.predict(test), test.labels());
            ClassifyModel.Fit fit = ClassifyModel.fit(logistic, train, 1500, Long.MAX_VALUE, 4, 500, done -> {});
            double after = ClassifyModel.accuracy(logistic.predict(test), test.labels());
            assertEquals(1500, fit.steps());
            assertTrue(after > 0.97, "held-out accuracy " + after + " (before training " + before + ")");
            assertTrue(fit.finalLoss() < 0.2, "loss " + fit.finalLoss());
        }
    }

    @Test
    void recurrentClassifierLearnsFromItsFinalState() {
        // the class is the sign of the sum of every step: the state must integrate the whole window,
        // so the gradient of the loss at h_T must reach every step through BPTT
        int[] all = java.util.stream.IntStream.range(0, ClassifyTasks.Task.ORDER.steps()).toArray();
        ClassifyTasks.Dataset train = separable(2000, 5, all), test = separable(500, 6, all);
        try (ClassifyNetwork gru = new ClassifyNetwork(CellType.GRU, 16, 1, 4, 32, 1e-2, 7)) {
            ClassifyModel.fit(gru, train, 400, Long.MAX_VALUE, 8, 400, done -> {});
            double accuracy = ClassifyModel.accuracy(gru.predict(test), test.labels());
            assertTrue(accuracy > 0.85, "held-out accuracy " + accuracy);
        }
    }

    @Test
    void accuracyCountsMatches() {
        assertEquals(0.75, ClassifyModel.accuracy(new int[] {0, 1, 2, 3}, new int[] {0, 1, 2, 0}), 1e-12);
        double[] perClass = ClassifyModel.classAccuracy(new int[] {0, 1, 2, 3, 0}, new int[] {0, 1, 2, 0, 0}, 4);
        assertEquals(2 / 3.0, perClass[0], 1e-12);     // class 0: two of three right
        assertEquals(1.0, perClass[1], 1e-12);
        assertTrue(Double.isNaN(perClass[3]));          // no example of class 3
    }
}
