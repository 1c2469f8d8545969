package dev.panamarnn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Batches: every row once, time-major with zero padding, seeded order, length grouping. */
class SequenceDatasetBatchesTest {

    private static final List<float[][]> MIXED = SequenceDatasetTest.randomSequences(203, 1, 40, 3, 11);

    private static SequenceDataset perStepTargets() {
        List<float[][]> targets = new ArrayList<>();
        for (float[][] s : MIXED) {
            float[][] t = new float[s.length][2];
            for (int i = 0; i < s.length; i++) {
                t[i] = new float[] {s[i][0] + 1, i + 1};
            }
            targets.add(t);
        }
        return SequenceDataset.ofStepTargets(MIXED, targets);
    }

    private static SequenceDataset perStepLabels() {
        List<int[]> labels = new ArrayList<>();
        for (float[][] s : MIXED) {
            int[] l = new int[s.length];
            Arrays.setAll(l, t -> 1 + t % 4); // never 0, so padding is visible
            labels.add(l);
        }
        return SequenceDataset.ofStepLabels(MIXED, labels, 5);
    }

    private static SequenceDataset perSequence() {
        int[] y = new int[MIXED.size()];
        Arrays.setAll(y, i -> i % 3);
        return SequenceDataset.ofSequences(MIXED, y, 3);
    }

    private static SequenceDataset tokens() {
        SplittableRandom r = new SplittableRandom(12);
        List<int[]> seqs = new ArrayList<>();
        int[] y = new int[57];
        for (int i = 0; i < y.length; i++) {
            seqs.add(r.ints(r.nextInt(1, 15), 1, 20).toArray()); // ids >= 1 so padding 0 is visible
            y[i] = r.nextInt(4);
        }
        return SequenceDataset.ofTokens(seqs, 20, y, 4);
    }

    /** Checks one batch element by element against the dataset's accessors. */
    static void checkBatch(SequenceDataset d, SequenceBatch b) {
        int bs = b.batch(), t = b.steps(), f = d.features(), k = d.targetSize();
        assertEquals(bs, b.rows().length);
        assertEquals(bs, b.lengths().length);
        int longest = 0;
        for (int r = 0; r < bs; r++) {
            assertEquals(d.length(b.rows()[r]), b.lengths()[r]);
            longest = Math.max(longest, b.lengths()[r]);
        }
        assertEquals(longest, t);
        if (d.tokens()) {
            assertNull(b.features());
            assertEquals(t * bs, b.tokens().length);
        } else {
            assertNull(b.tokens());
            assertEquals(t * bs * f, b.features().length);
        }
        switch (d.targets()) {
            case CLASS_PER_SEQUENCE -> assertEquals(bs, b.labels().length);
            case CLASS_PER_STEP -> assertEquals(t * bs, b.labels().length);
            case VALUES_PER_SEQUENCE -> assertEquals(bs * k, b.targets().length);
            case VALUES_PER_STEP -> assertEquals(t * bs * k, b.targets().length);
        }
        assertEquals(d.targets().classes(), b.targets() == null);
        for (int r = 0; r < bs; r++) {
            int i = b.rows()[r], len = b.lengths()[r];
            float[][] in = d.tokens() ? null : d.inputs(i);                  // (T_i, F)
            int[] ids = d.tokens() ? d.tokenIds(i) : null;                     // (T_i)
            boolean steps = d.targets().perStep();
            int[] tags = steps && d.targets().classes() ? d.stepLabels(i) : null;   // (T_i)
            float[][] values = steps && !d.targets().classes() ? d.stepTargets(i) : null; // (T_i, K)
            if (d.targets() == SequenceDataset.Targets.CLASS_PER_SEQUENCE) {
                assertEquals(d.label(i), b.labels()[r]);
            }
            if (d.targets() == SequenceDataset.Targets.VALUES_PER_SEQUENCE) {
                assertArrayEquals(d.target(i), Arrays.copyOfRange(b.targets(), r * k, (r + 1) * k));
            }
            for (int s = 0; s < t; s++) {
                int at = s * bs + r; // time-major
                boolean real = s < len;
                if (d.tokens()) {
                    assertEquals(real ? ids[s] : 0, b.tokens()[at], "row " + r + " step " + s);
                } else {
                    for (int j = 0; j < f; j++) {
                        assertEquals(real ? in[s][j] : 0f, b.features()[at * f + j], "row " + r + " step " + s);
                    }
                }
                if (d.targets() == SequenceDataset.Targets.CLASS_PER_STEP) {
                    assertEquals(real ? tags[s] : 0, b.labels()[at], "row " + r + " step " + s);
                }
                if (d.targets() == SequenceDataset.Targets.VALUES_PER_STEP) {
                    for (int j = 0; j < k; j++) {
                        assertEquals(real ? values[s][j] : 0f, b.targets()[at * k + j], "row " + r + " step " + s);
                    }
                }
            }
        }
    }

    /** Every dataset row appears exactly once over the batches; all but one batch are full-size. */
    static void checkCover(SequenceDataset d, List<SequenceBatch> batches, int batchSize) {
        int[] count = new int[d.size()];
        int small = 0;
        for (SequenceBatch b : batches) {
            for (int i : b.rows()) {
                count[i]++;
            }
            assertTrue(b.batch() >= 1 && b.batch() <= batchSize);
            if (b.batch() < batchSize) {
                small++;
            }
        }
        for (int i = 0; i < count.length; i++) {
            assertEquals(1, count[i], "sequence " + i);
        }
        assertTrue(small <= 1, small + " batches are smaller than " + batchSize);
        assertEquals((d.size() + batchSize - 1) / batchSize, batches.size());
    }

    @Test
    void everyKindOfBatchIsTimeMajorWithZeroPadding() {
        for (SequenceDataset d : List.of(perSequence(), perStepLabels(), perStepTargets(), tokens(),
                SequenceDataset.ofSeries(new double[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 4, 3))) {
            for (boolean shuffle : new boolean[] {false, true}) {
                for (boolean group : new boolean[] {false, true}) {
                    List<SequenceBatch> batches = d.batches(7, shuffle, group, 3);
                    checkCover(d, batches, 7);
                    for (SequenceBatch b : batches) {
                        checkBatch(d, b);
                    }
                }
            }
        }
    }

    @Test
    void withoutShuffleTheOrderIsTheDatasets() {
        SequenceDataset d = perSequence();
        List<SequenceBatch> batches = d.batches(10, false, false, 99);
        int next = 0;
        for (SequenceBatch b : batches) {
            for (int i : b.rows()) {
                assertEquals(next++, i);
            }
        }
        assertEquals(3, batches.getLast().batch()); // 203 = 20 * 10 + 3
    }

    @Test
    void theOrderIsDeterministicPerSeedAndDiffersAcrossSeeds() {
        SequenceDataset d = perStepTargets();
        for (boolean group : new boolean[] {false, true}) {
            int[] a = order(d.batches(8, true, group, 5));
            assertArrayEquals(a, order(d.batches(8, true, group, 5)));
            assertNotEquals(Arrays.toString(a), Arrays.toString(order(d.batches(8, true, group, 6))));
            int[] identity = new int[d.size()];
            Arrays.setAll(identity, i -> i);
            assertNotEquals(Arrays.toString(identity), Arrays.toString(a));
        }
    }

    @Test
    void groupingByLengthReducesPadding() {
        SequenceDataset d = perSequence();
        long plain = padding(d.batches(8, true, false, 1));
        long grouped = padding(d.batches(8, true, true, 1));
        assertTrue(grouped * 3 < plain, "padding grouped " + grouped + " vs plain " + plain);
        // the batch order is still shuffled: the batches' lengths do not simply rise chunk by chunk
        List<SequenceBatch> batches = d.batches(8, true, true, 1);
        int[] steps = batches.stream().mapToInt(SequenceBatch::steps).toArray();
        int[] sorted = steps.clone();
        Arrays.sort(sorted);
        assertNotEquals(Arrays.toString(sorted), Arrays.toString(steps));
    }

    @Test
    void eachGetAssemblesFreshArrays() {
        SequenceDataset d = perSequence();
        List<SequenceBatch> batches = d.batches(16, false, false, 0);
        SequenceBatch first = batches.getFirst();
        first.features()[0] = 1e9f;
        first.rows()[0] = 77;
        checkBatch(d, batches.getFirst());
        assertEquals(0, batches.getFirst().rows()[0]);
    }

    @Test
    void aBatchLargerThanTheDatasetIsOneBatch() {
        SequenceDataset d = tokens();
        List<SequenceBatch> batches = d.batches(1000, true, true, 8);
        assertEquals(1, batches.size());
        assertEquals(d.size(), batches.getFirst().batch());
        assertEquals(d.maxLength(), batches.getFirst().steps());
        checkBatch(d, batches.getFirst());
        assertTrue(SequenceDataset.ofSeries(new double[] {1, 2, 3, 4}, 2, 1).batches(2, false, false, 0).getFirst().full());
    }

    private static int[] order(List<SequenceBatch> batches) {
        return batches.stream().flatMapToInt(b -> Arrays.stream(b.rows())).toArray();
    }

    private static long padding(List<SequenceBatch> batches) {
        long pad = 0;
        for (SequenceBatch b : batches) {
            pad += (long) b.steps() * b.batch() - Arrays.stream(b.lengths()).sum();
        }
        return pad;
    }
}
