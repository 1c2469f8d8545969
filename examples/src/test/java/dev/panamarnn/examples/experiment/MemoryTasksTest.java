package dev.panamarnn.examples.experiment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.CellType;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The adding problem and copy task generators, and the equal-parameter hidden sizes. */
class MemoryTasksTest {

    @Test
    void addingTargetIsTheSumOfTheTwoMarkedValuesOneMarkerPerHalf() {
        int steps = 51, batch = 200;   // odd T: halves [0, 25) and [25, 51)
        float[] x = new float[steps * batch * 2], target = new float[batch];
        AddingProblem.generate(x, target, steps, batch, new SplittableRandom(3));
        double sumOfSquares = 0;
        for (int b = 0; b < batch; b++) {
            int firstHalf = 0, secondHalf = 0;
            double sum = 0;
            for (int t = 0; t < steps; t++) {
                float value = x[(t * batch + b) * 2], marker = x[(t * batch + b) * 2 + 1];
                assertTrue(value >= 0 && value < 1, "value in [0, 1): " + value);
                assertTrue(marker == 0f || marker == 1f, "marker is 0 or 1: " + marker);
                if (marker == 1f) {
                    sum += value;
                    if (t < steps / 2) {
                        firstHalf++;
                    } else {
                        secondHalf++;
                    }
                }
            }
            assertEquals(1, firstHalf, "row " + b + ": one marker in the first half");
            assertEquals(1, secondHalf, "row " + b + ": one marker in the second half");
            assertEquals((float) sum, target[b], 0f, "row " + b + ": target = sum of the marked values");
            sumOfSquares += (target[b] - 1.0) * (target[b] - 1.0);
        }
        double constantMse = sumOfSquares / batch;   // predicting 1: about 1/6
        assertEquals(AddingProblem.CONSTANT_BASELINE_MSE, constantMse, 0.04, "MSE of predicting 1");
    }

    @Test
    void generatorsAreDeterministicPerSeed() {
        float[] a = new float[20 * 4 * 2], b = new float[20 * 4 * 2], ta = new float[4], tb = new float[4];
        AddingProblem.generate(a, ta, 20, 4, new SplittableRandom(9));
        AddingProblem.generate(b, tb, 20, 4, new SplittableRandom(9));
        assertArrayEquals(a, b);
        assertArrayEquals(ta, tb);
        AddingProblem.generate(b, tb, 20, 4, new SplittableRandom(10));
        assertTrue(!java.util.Arrays.equals(ta, tb), "another seed, other targets");

        CopyTask task = new CopyTask(3, 4, 6);
        int n = task.steps() * 5;
        float[] xa = new float[n * task.inputs()], xb = new float[n * task.inputs()], ma = new float[n], mb = new float[n];
        int[] ya = new int[n], yb = new int[n];
        task.generate(xa, ya, ma, 5, new SplittableRandom(1));
        task.generate(xb, yb, mb, 5, new SplittableRandom(1));
        assertArrayEquals(xa, xb);
        assertArrayEquals(ya, yb);
        assertArrayEquals(ma, mb);
    }

    @Test
    void copyTaskLayout() {
        int symbols = 4, alphabet = 5, delay = 7, batch = 3;
        CopyTask task = new CopyTask(symbols, alphabet, delay);
        assertEquals(2 * symbols + delay, task.steps());
        assertEquals(alphabet + 2, task.inputs());
        int steps = task.steps(), inputs = task.inputs();
        float[] x = new float[steps * batch * inputs], mask = new float[steps * batch];
        int[] targets = new int[steps * batch];
        task.generate(x, targets, mask, batch, new SplittableRandom(5));
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < steps; t++) {
                int hot = -1, ones = 0;
                for (int i = 0; i < inputs; i++) {
                    float v = x[(t * batch + b) * inputs + i];
                    assertTrue(v == 0f || v == 1f);
                    if (v == 1f) {
                        hot = i;
                        ones++;
                    }
                }
                assertEquals(1, ones, "one-hot input at t=" + t);
                if (t < symbols) {
                    assertTrue(hot < alphabet, "a symbol at t=" + t);
                    assertEquals(hot, targets[(symbols + delay + t) * batch + b], "recalled S+D steps later");
                } else if (t == symbols + delay - 1) {
                    assertEquals(alphabet + 1, hot, "the recall marker on the last delay step");
                } else {
                    assertEquals(alphabet, hot, "blank at t=" + t);
                }
                boolean recall = t >= symbols + delay;
                assertEquals(recall ? 1f : 0f, mask[t * batch + b], "only recall steps are scored, t=" + t);
            }
        }
        assertEquals(Math.log(alphabet), task.baselineCrossEntropy(), 1e-15);
        assertThrows(IllegalArgumentException.class, () -> new CopyTask(0, 5, 5));
        assertThrows(IllegalArgumentException.class, () -> task.generate(new float[3], targets, mask, batch, new SplittableRandom(1)));
    }

    @Test
    void memoryTaskCopiesTheRecallTargetsStepMajor() {
        CopyTask copy = new CopyTask(2, 3, 4);
        MemoryTask task = MemoryTask.copy(copy);
        int batch = 2;
        float[] x = new float[task.steps() * batch * task.inputs()];
        int[] classes = new int[task.scoredSteps() * batch];
        task.generate(x, new float[batch], classes, batch, new SplittableRandom(4));
        for (int s = 0; s < 2; s++) {
            for (int b = 0; b < batch; b++) {
                assertEquals(1f, x[(s * batch + b) * task.inputs() + classes[s * batch + b]], "class = the symbol read at step " + s);
            }
        }
    }

    @Test
    void equalBudgetMatchesParameterCountsWithinAFewPercent() {
        long lstm = EqualBudget.parameters(CellType.LSTM, 2, 32, 1);
        assertEquals(4 * (32 * 2 + 32 * 32 + 2 * 32) + 32 + 1, lstm);
        for (CellType cell : new CellType[] {CellType.RNN_TANH, CellType.GRU, CellType.LSTM}) {
            int h = EqualBudget.hiddenFor(cell, 2, 1, lstm);
            long n = EqualBudget.parameters(cell, 2, h, 1);
            assertTrue(Math.abs(n - lstm) <= 0.03 * lstm, cell + ": H=" + h + " gives " + n + " parameters, budget " + lstm);
            try (dev.panamarnn.model.SequenceModel model = MemoryTask.adding(10).model(cell, h, 1)) {
                assertEquals(n, EqualBudget.parameters(model), "the formula counts the model's parameters");
            }
        }
        assertEquals(32, EqualBudget.hiddenFor(CellType.LSTM, 2, 1, lstm));
    }
}
