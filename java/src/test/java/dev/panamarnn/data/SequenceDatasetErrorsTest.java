package dev.panamarnn.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Every bad input to a factory or operation is an IllegalArgumentException naming where. */
class SequenceDatasetErrorsTest {

    private static float[][] steps(int t, int f) {
        float[][] s = new float[t][f];
        for (int i = 0; i < t; i++) {
            Arrays.fill(s[i], i + 0.5f);
        }
        return s;
    }

    private static List<float[][]> three() {
        return new ArrayList<>(List.of(steps(2, 3), steps(4, 3), steps(1, 3)));
    }

    private static void assertMessage(String expected, Executable call) {
        assertEquals(expected, assertThrows(IllegalArgumentException.class, call).getMessage());
    }

    @Test
    void badFeatures() {
        List<float[][]> nan = three();
        nan.get(1)[3][2] = Float.NaN;
        assertMessage("sequence 1 step 3 feature 2 is NaN", () -> SequenceDataset.ofSequences(nan, new int[3], 1));
        List<float[][]> inf = three();
        inf.get(2)[0][0] = Float.NEGATIVE_INFINITY;
        assertMessage("sequence 2 step 0 feature 0 is -Infinity", () -> SequenceDataset.ofSequences(inf, new int[3], 1));
        List<float[][]> wide = three();
        wide.get(1)[2] = new float[4];
        assertMessage("sequence 1 step 2 has 4 features, expected 3 (as sequence 0 step 0)",
                () -> SequenceDataset.ofSequences(wide, new int[3], 1));
        List<float[][]> empty = three();
        empty.set(2, new float[0][]);
        assertMessage("sequence 2 is empty: every sequence needs at least one step",
                () -> SequenceDataset.ofSequences(empty, new int[3], 1));
        assertMessage("sequence 0 step 0 has no features: expected at least 1",
                () -> SequenceDataset.ofSequences(List.<float[][]>of(steps(2, 0)), new int[1], 1));
        assertMessage("no sequences: a dataset needs at least one", () -> SequenceDataset.ofSequences(List.of(), new int[0], 1));
        assertMessage("sequence 1 has 4 steps, expected 2 (as sequence 0); use ofSequences for variable lengths",
                () -> SequenceDataset.ofArrays(three().toArray(float[][][]::new), new int[3], 1));
        List<float[][]> holes = new ArrayList<>(three());
        holes.set(1, null);
        assertMessage("sequence 1 is null", () -> SequenceDataset.ofSequences(holes, new int[3], 1));
    }

    @Test
    void badLabelsAndTargets() {
        assertMessage("label of sequence 2 is 3, outside [0, 3)", () -> SequenceDataset.ofSequences(three(), new int[] {0, 2, 3}, 3));
        assertMessage("label of sequence 0 is -1, outside [0, 3)", () -> SequenceDataset.ofSequences(three(), new int[] {-1, 0, 0}, 3));
        assertMessage("got 2 labels for 3 sequences", () -> SequenceDataset.ofSequences(three(), new int[2], 3));
        assertMessage("classes must be at least 1, got 0", () -> SequenceDataset.ofSequences(three(), new int[3], 0));
        assertMessage("targets of sequence 1 value 0 is NaN",
                () -> SequenceDataset.ofSequences(three(), new float[][] {{1}, {Float.NaN}, {2}}));
        assertMessage("targets of sequence 2 have 2 values, expected 1 (as sequence 0)",
                () -> SequenceDataset.ofSequences(three(), new float[][] {{1}, {2}, {3, 4}}));
        assertMessage("got 4 target rows for 3 sequences",
                () -> SequenceDataset.ofSequences(three(), new float[][] {{1}, {2}, {3}, {4}}));
        assertMessage("labels of sequence 1 have 3 steps, expected 4 (the sequence's length)",
                () -> SequenceDataset.ofStepLabels(three(), List.of(new int[2], new int[3], new int[1]), 2));
        assertMessage("label of sequence 1 step 3 is 2, outside [0, 2)",
                () -> SequenceDataset.ofStepLabels(three(), List.of(new int[2], new int[] {0, 1, 1, 2}, new int[1]), 2));
        assertMessage("got 2 label sequences for 3 sequences",
                () -> SequenceDataset.ofStepLabels(three(), List.of(new int[2], new int[4]), 2));
        List<float[][]> targets = List.of(steps(2, 2), steps(4, 2), steps(1, 2));
        targets.get(1)[1][1] = Float.POSITIVE_INFINITY;
        assertMessage("targets of sequence 1 step 1 value 1 is Infinity", () -> SequenceDataset.ofStepTargets(three(), targets));
        assertMessage("targets of sequence 2 has 2 steps, expected 1 (the sequence's length)",
                () -> SequenceDataset.ofStepTargets(three(), List.of(steps(2, 2), steps(4, 2), steps(2, 2))));
        assertMessage("targets of sequence 1 step 0 has 1 values, expected 2 (as targets of sequence 0 step 0)",
                () -> SequenceDataset.ofStepTargets(three(), List.of(steps(2, 2), steps(4, 1), steps(1, 2))));
    }

    @Test
    void badTokens() {
        assertMessage("sequence 1 step 2 has token id 5, outside the vocabulary [0, 5)",
                () -> SequenceDataset.ofTokens(List.of(new int[] {1}, new int[] {0, 4, 5}), 5, new int[2], 2));
        assertMessage("sequence 0 is empty: every sequence needs at least one step",
                () -> SequenceDataset.ofTokens(List.of(new int[0]), 5, new int[1], 2));
        assertMessage("token 2 is -1, outside the vocabulary [0, 4)",
                () -> SequenceDataset.languageModel(new int[] {0, 1, -1, 3, 2}, 4, 2));
        assertMessage("a language model with window 4 needs at least 5 tokens, got 4",
                () -> SequenceDataset.languageModel(new int[] {0, 1, 2, 3}, 4, 4));
        assertMessage("vocabulary must be at least 1, got 0", () -> SequenceDataset.languageModel(new int[] {0, 0}, 0, 1));
    }

    @Test
    void tokenStepLabelsAndTokenInputs() {
        SequenceDataset tagged = SequenceDataset.ofTokenStepLabels(List.of(new int[] {1, 2}, new int[] {3}), 4, List.of(new int[] {0, 1},
                new int[] {1}), 2);
        assertEquals(SequenceDataset.Targets.CLASS_PER_STEP, tagged.targets());
        assertEquals(4, tagged.vocabulary());
        assertEquals(List.of(0, 1), Arrays.stream(tagged.stepLabels(0)).boxed().toList());
        SequenceDataset inputs = SequenceDataset.ofTokenInputs(List.of(new int[] {0, 3, 1}), 4);
        assertEquals(SequenceDataset.Targets.NONE, inputs.targets());
        assertEquals(3, inputs.length(0));
        assertMessage("labels of sequence 1 have 2 steps, expected 1 (the sequence's length)",
                () -> SequenceDataset.ofTokenStepLabels(List.of(new int[] {1, 2}, new int[] {3}), 4, List.of(new int[] {0, 1}, new int[] {1, 0}), 2));
        assertMessage("sequence 0 step 1 has token id 4, outside the vocabulary [0, 4)",
                () -> SequenceDataset.ofTokenInputs(List.of(new int[] {0, 4}), 4));
    }

    @Test
    void badSeries() {
        assertMessage("series value 2 is NaN, not a finite float", () -> SequenceDataset.ofSeries(new double[] {1, 2, Double.NaN, 4}, 2, 1));
        assertMessage("series value 0 is 1.0E300, not a finite float", () -> SequenceDataset.ofSeries(new double[] {1e300, 2, 3}, 2, 1));
        assertMessage("a series cut into windows of 3 with horizon 2 needs at least 5 values, got 4",
                () -> SequenceDataset.ofSeries(new double[] {1, 2, 3, 4}, 3, 2));
        assertMessage("horizon must be at least 1, got 0", () -> SequenceDataset.ofSeries(new double[] {1, 2, 3, 4}, 3, 0));
    }

    @Test
    void badOperations() {
        SequenceDataset d = SequenceDataset.ofSequences(three(), new int[3], 1);
        assertMessage("batch size must be at least 1, got 0", () -> d.batches(0, true, true, 1));
        assertMessage("a validation fraction of 0.1 of 3 sequences leaves 0 for validation and 3 for training; both need at least one",
                () -> d.split(0.1, 1));
        assertMessage("a validation fraction of 0.9 of 3 sequences leaves 3 for validation and 0 for training; both need at least one",
                () -> d.split(0.9, 1));
        assertMessage("validation fraction must be in (0, 1), got 1.0", () -> d.split(1, 1));
        assertMessage("row 1 is sequence 3, outside [0, 3)", () -> d.subset(new int[] {0, 3}));
        assertMessage("no sequences: a dataset needs at least one", () -> d.subset(new int[0]));
        assertThrows(IndexOutOfBoundsException.class, () -> d.length(3));
        assertThrows(IndexOutOfBoundsException.class, () -> d.inputs(-1));
        assertThrows(IllegalStateException.class, () -> d.stepLabels(0));
    }
}
