package dev.panamarnn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.data.SequenceDataset.Targets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The factories round-trip their values; queries, statistics, split and subset. */
class SequenceDatasetTest {

    /** (N) random sequences each (T_i, F), T_i in [minT, maxT]. */
    static List<float[][]> randomSequences(int n, int minT, int maxT, int f, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<float[][]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            float[][] s = new float[r.nextInt(minT, maxT + 1)][f];
            for (float[] step : s) {
                for (int j = 0; j < f; j++) {
                    step[j] = (float) r.nextGaussian(j, j + 1);
                }
            }
            out.add(s);
        }
        return out;
    }

    @Test
    void ofArraysRoundTripsLabelsAndTargets() {
        float[][][] x = randomSequences(5, 4, 4, 3, 1).toArray(float[][][]::new); // (N, T, F)
        int[] y = {0, 2, 1, 1, 0};
        SequenceDataset d = SequenceDataset.ofArrays(x, y, 3);
        assertEquals(5, d.size());
        assertFalse(d.tokens());
        assertEquals(3, d.features());
        assertEquals(0, d.vocabulary());
        assertEquals(Targets.CLASS_PER_SEQUENCE, d.targets());
        assertEquals(3, d.classes());
        assertEquals(0, d.targetSize());
        assertEquals(List.of(), d.classNames());
        assertEquals(4, d.maxLength());
        for (int i = 0; i < 5; i++) {
            assertArrayEquals(x[i], d.inputs(i));
            assertEquals(y[i], d.label(i));
            assertEquals(4, d.length(i));
        }
        x[0][0][0] = 1e6f; // the dataset holds a copy
        y[1] = 0;
        assertEquals(2, d.label(1));
        assertTrue(d.inputs(0)[0][0] != 1e6f);

        float[][] k = {{1, 2}, {3, 4}, {5, 6}, {7, 8}, {9, 10}}; // (N, K)
        SequenceDataset v = SequenceDataset.ofArrays(x, k);
        assertEquals(Targets.VALUES_PER_SEQUENCE, v.targets());
        assertEquals(2, v.targetSize());
        assertEquals(0, v.classes());
        for (int i = 0; i < 5; i++) {
            assertArrayEquals(k[i], v.target(i));
        }
        assertThrows(IllegalStateException.class, () -> v.label(0));
        assertThrows(IllegalStateException.class, () -> v.tokenIds(0));
    }

    @Test
    void ofSequencesKeepsEachLength() {
        List<float[][]> x = randomSequences(7, 1, 9, 2, 2);
        int[] y = {1, 0, 1, 1, 0, 0, 1};
        SequenceDataset d = SequenceDataset.ofSequences(x, y, 2);
        float[][] k = new float[7][1];
        for (int i = 0; i < 7; i++) {
            k[i][0] = i * 0.5f;
        }
        SequenceDataset v = SequenceDataset.ofSequences(x, k);
        int max = 0;
        for (int i = 0; i < 7; i++) {
            assertEquals(x.get(i).length, d.length(i));
            assertArrayEquals(x.get(i), d.inputs(i));
            assertArrayEquals(x.get(i), v.inputs(i));
            assertEquals(y[i], d.label(i));
            assertArrayEquals(k[i], v.target(i));
            max = Math.max(max, x.get(i).length);
        }
        assertEquals(max, d.maxLength());
    }

    @Test
    void stepLabelsAndStepTargetsRoundTrip() {
        List<float[][]> x = randomSequences(4, 1, 6, 2, 3);
        List<int[]> labels = new ArrayList<>();
        List<float[][]> targets = new ArrayList<>();
        for (float[][] s : x) {
            int[] l = new int[s.length];
            float[][] t = new float[s.length][3];
            for (int i = 0; i < s.length; i++) {
                l[i] = i % 4;
                t[i] = new float[] {s[i][0] * 2, s[i][1] - 1, i};
            }
            labels.add(l);
            targets.add(t);
        }
        SequenceDataset tags = SequenceDataset.ofStepLabels(x, labels, 4);
        SequenceDataset reg = SequenceDataset.ofStepTargets(x, targets);
        assertEquals(Targets.CLASS_PER_STEP, tags.targets());
        assertEquals(Targets.VALUES_PER_STEP, reg.targets());
        assertEquals(3, reg.targetSize());
        for (int i = 0; i < 4; i++) {
            assertArrayEquals(labels.get(i), tags.stepLabels(i));
            assertArrayEquals(targets.get(i), reg.stepTargets(i));
            assertArrayEquals(x.get(i), reg.inputs(i));
        }
    }

    @Test
    void ofTokensRoundTrips() {
        List<int[]> seqs = List.of(new int[] {3, 1, 4}, new int[] {1}, new int[] {5, 9, 2, 6});
        SequenceDataset d = SequenceDataset.ofTokens(seqs, 10, new int[] {1, 0, 1}, 2);
        assertTrue(d.tokens());
        assertEquals(0, d.features());
        assertEquals(10, d.vocabulary());
        assertEquals(0, d.featureMean().length);
        assertEquals(0, d.featureStd().length);
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(seqs.get(i), d.tokenIds(i));
        }
        assertEquals(4, d.maxLength());
        assertThrows(IllegalStateException.class, () -> d.inputs(0));
    }

    @Test
    void languageModelCutsNonOverlappingShiftedWindows() {
        int[] corpus = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0}; // 11 tokens, window 3: (11 - 1) / 3 = 3 windows
        SequenceDataset d = SequenceDataset.languageModel(corpus, 10, 3);
        assertEquals(3, d.size());
        assertEquals(Targets.CLASS_PER_STEP, d.targets());
        assertEquals(10, d.classes());
        assertArrayEquals(new int[] {0, 1, 2}, d.tokenIds(0));
        assertArrayEquals(new int[] {1, 2, 3}, d.stepLabels(0));
        assertArrayEquals(new int[] {6, 7, 8}, d.tokenIds(2));
        assertArrayEquals(new int[] {7, 8, 9}, d.stepLabels(2));
        // exactly window + 1 tokens is one window; one more token per window adds one
        assertEquals(1, SequenceDataset.languageModel(new int[] {1, 2, 3, 4}, 5, 3).size());
        assertEquals(4, SequenceDataset.languageModel(Arrays.copyOf(corpus, 13), 10, 3).size());
    }

    @Test
    void ofSeriesCutsStrideOneWindows() {
        double[] s = {1, 2, 3, 4, 5, 6};
        SequenceDataset d = SequenceDataset.ofSeries(s, 3, 2); // 6 - 3 - 2 + 1 = 2 windows
        assertEquals(2, d.size());
        assertEquals(1, d.features());
        assertEquals(Targets.VALUES_PER_SEQUENCE, d.targets());
        assertEquals(2, d.targetSize());
        assertArrayEquals(new float[][] {{1}, {2}, {3}}, d.inputs(0));
        assertArrayEquals(new float[] {4, 5}, d.target(0));
        assertArrayEquals(new float[][] {{2}, {3}, {4}}, d.inputs(1));
        assertArrayEquals(new float[] {5, 6}, d.target(1));
    }

    @Test
    void featureMeanAndStdMatchADirectComputation() {
        List<float[][]> x = randomSequences(9, 1, 7, 3, 4);
        for (float[][] s : x) {
            for (float[] step : s) {
                step[2] = 7.5f; // a constant feature gets std 1
            }
        }
        SequenceDataset d = SequenceDataset.ofSequences(x, new int[9], 1);
        for (int f = 0; f < 3; f++) {
            double sum = 0, count = 0;
            for (float[][] s : x) {
                for (float[] step : s) {
                    sum += step[f];
                    count++;
                }
            }
            double mean = sum / count, squares = 0;
            for (float[][] s : x) {
                for (float[] step : s) {
                    squares += (step[f] - mean) * (step[f] - mean);
                }
            }
            double std = Math.sqrt(squares / count);
            assertEquals(mean, d.featureMean()[f], 1e-6 * (1 + Math.abs(mean)));
            assertEquals(std == 0 ? 1 : std, d.featureStd()[f], 1e-6 * (1 + std));
        }
        assertEquals(7.5f, d.featureMean()[2]);
        assertEquals(1f, d.featureStd()[2]);
        d.featureMean()[0] = 99; // a copy
        assertTrue(d.featureMean()[0] != 99);
    }

    @Test
    void splitIsDisjointCompleteAndSeeded() {
        List<float[][]> x = randomSequences(20, 1, 5, 1, 5);
        int[] y = new int[20];
        for (int i = 0; i < 20; i++) {
            x.get(i)[0][0] = i; // tag each sequence with its index
            y[i] = i % 3;
        }
        SequenceDataset d = SequenceDataset.ofSequences(x, y, 3);
        SequenceDataset.Split s = d.split(0.25, 42);
        assertEquals(5, s.validation().size());
        assertEquals(15, s.train().size());
        boolean[] seen = new boolean[20];
        for (SequenceDataset part : List.of(s.train(), s.validation())) {
            for (int j = 0; j < part.size(); j++) {
                int i = (int) part.inputs(j)[0][0];
                assertFalse(seen[i], "sequence " + i + " is in both parts");
                seen[i] = true;
                assertArrayEquals(x.get(i), part.inputs(j));
                assertEquals(y[i], part.label(j));
            }
        }
        for (boolean b : seen) {
            assertTrue(b);
        }
        assertArrayEquals(tags(s.validation()), tags(d.split(0.25, 42).validation()));
        boolean differs = false;
        for (long seed = 1; seed < 5 && !differs; seed++) {
            differs = !Arrays.equals(tags(s.validation()), tags(d.split(0.25, seed).validation()));
        }
        assertTrue(differs, "other seeds give the same split");
    }

    @Test
    void subsetKeepsTheRowsInOrder() {
        List<float[][]> x = randomSequences(6, 1, 4, 2, 6);
        SequenceDataset d = SequenceDataset.ofSequences(x, new int[] {0, 1, 2, 0, 1, 2}, 3);
        SequenceDataset s = d.subset(new int[] {4, 1, 4});
        assertEquals(3, s.size());
        assertArrayEquals(x.get(4), s.inputs(0));
        assertArrayEquals(x.get(1), s.inputs(1));
        assertArrayEquals(x.get(4), s.inputs(2));
        assertEquals(1, s.label(0));
        assertEquals(1, s.label(1));
        assertEquals(3, s.classes());
    }

    private static int[] tags(SequenceDataset d) {
        int[] t = new int[d.size()];
        for (int i = 0; i < t.length; i++) {
            t[i] = (int) d.inputs(i)[0][0];
        }
        return t;
    }
}
