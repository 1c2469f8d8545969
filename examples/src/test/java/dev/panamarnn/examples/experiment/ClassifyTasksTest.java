package dev.panamarnn.examples.experiment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The generated classification tasks: labels match what was generated, classes are balanced, sets are disjoint. */
class ClassifyTasksTest {
    private static final int N = 4000;

    @Test
    void sameSeedSameDataDifferentSeedDisjointData() {
        for (ClassifyTasks.Task task : ClassifyTasks.Task.values()) {
            ClassifyTasks.Dataset a = task.generate(200, new SplittableRandom(5));
            ClassifyTasks.Dataset b = task.generate(200, new SplittableRandom(5));
            assertArrayEquals(a.labels(), b.labels());
            for (int i = 0; i < a.size(); i++) {
                assertArrayEquals(a.windows()[i], b.windows()[i]);
                assertEquals(task.steps(), a.windows()[i].length);
            }
            ClassifyTasks.Dataset train = task.generate(N, new SplittableRandom(10));
            ClassifyTasks.Dataset test = task.generate(1000, new SplittableRandom(11));
            Set<String> seen = new HashSet<>();
            for (float[] w : train.windows()) {
                seen.add(Arrays.toString(w));
            }
            for (float[] w : test.windows()) {
                assertFalse(seen.contains(Arrays.toString(w)), task.id() + ": a held-out window is also a training window");
            }
        }
    }

    @Test
    void classesAreBalanced() {
        for (ClassifyTasks.Task task : ClassifyTasks.Task.values()) {
            ClassifyTasks.Dataset data = task.generate(N, new SplittableRandom(1));
            int[] counts = ClassifyCommand.classCounts(data);
            for (int c = 0; c < counts.length; c++) {
                // binomial(N, 1/4): sd ~ 27; 5 sd
                assertTrue(Math.abs(counts[c] - N / 4.0) < 140, task.id() + " class " + c + " has " + counts[c] + " of " + N);
            }
        }
    }

    @Test
    void orderLabelsAreTheSignsOfTheFirstAndSecondEvent() {
        assertArrayEquals(new int[] {1, 1}, ClassifyTasks.orderSigns(0));
        assertArrayEquals(new int[] {1, -1}, ClassifyTasks.orderSigns(1));
        assertArrayEquals(new int[] {-1, 1}, ClassifyTasks.orderSigns(2));
        assertArrayEquals(new int[] {-1, -1}, ClassifyTasks.orderSigns(3));
        ClassifyTasks.Dataset data = ClassifyTasks.Task.ORDER.generate(N, new SplittableRandom(2));
        double[] sum = new double[4], moment = new double[4];
        int[] counts = ClassifyCommand.classCounts(data);
        for (int i = 0; i < data.size(); i++) {
            float[] w = data.windows()[i];
            double s = 0, m = 0;
            for (int t = 0; t < w.length; t++) {
                s += w[t];
                m += t * w[t];
            }
            sum[data.labels()[i]] += s / counts[data.labels()[i]];
            moment[data.labels()[i]] += m / counts[data.labels()[i]];
        }
        // mean of sum_t x_t is s1 + s2: 2, 0, 0, -2 (noise sd of a class mean ~ 0.2*sqrt(40)/sqrt(1000) = 0.04)
        assertEquals(2, sum[0], 0.2);
        assertEquals(0, sum[1], 0.2);
        assertEquals(0, sum[2], 0.2);
        assertEquals(-2, sum[3], 0.2);
        // mean of sum_t t x_t is s1 E[p1] + s2 E[p2] with E[p2 - p1] = (T+1)/3: +- negative, -+ positive
        assertTrue(moment[1] < -10 && moment[2] > 10, "order moments " + Arrays.toString(moment));
    }

    @Test
    void frequencyLabelsAreTheFrequenciesBeforeAndAfterTheSwitchAndTheMeanCarriesNoClass() {
        ClassifyTasks.Dataset data = ClassifyTasks.Task.FREQUENCY.generate(N, new SplittableRandom(3));
        int steps = data.steps();
        double[][] crossings = new double[4][2];                 // [class][first third, last third]
        double[][] mean = new double[4][steps];
        int[] counts = ClassifyCommand.classCounts(data);
        for (int i = 0; i < data.size(); i++) {
            float[] w = data.windows()[i];
            int c = data.labels()[i];
            crossings[c][0] += signChanges(w, 0, steps / 3) / (double) counts[c];
            crossings[c][1] += signChanges(w, 2 * steps / 3, steps) / (double) counts[c];
            for (int t = 0; t < steps; t++) {
                mean[c][t] += w[t] / counts[c];
            }
        }
        // 20 steps: a period-16 sine crosses zero ~2.5 times, a period-5 one ~8 times
        for (int c = 0; c < 4; c++) {
            boolean[] fast = ClassifyTasks.frequencyFast(c);
            for (int part = 0; part < 2; part++) {
                double count = crossings[c][part];
                assertTrue(fast[part] ? count > 6 : count < 5, "class " + c + " part " + part + ": " + count + " sign changes");
            }
            for (int t = 0; t < steps; t++) {
                // random phase: every step's class mean is ~0 (sd of a mean of ~1000 draws of A sin + noise ~ 0.03)
                assertEquals(0, mean[c][t], 0.15, "class " + c + " step " + t);
            }
        }
    }

    private static int signChanges(float[] w, int from, int to) {
        int n = 0;
        for (int t = from + 1; t < to; t++) {
            if ((w[t] >= 0) != (w[t - 1] >= 0)) {
                n++;
            }
        }
        return n;
    }
}
