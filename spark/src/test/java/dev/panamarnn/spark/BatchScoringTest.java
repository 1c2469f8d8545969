package dev.panamarnn.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.CellType;
import dev.panamarnn.model.OutputMode;
import dev.panamarnn.model.SequenceModel;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * Batched scoring of the models the streaming scorer could not take: per-step outputs,
 * bidirectional stacks, per-step sequences longer than the library's scoring window (256 steps),
 * each against SequenceModel.predict of the same sequences in one process; and the same scores on
 * a second run.
 */
class BatchScoringTest {
    /** Rounding between predict's batch of all sequences and the scorer's groups (other T and B, so other GEMM shapes). */
    static final double TOLERANCE = 1e-5;

    @Test
    void perStepClassifierOnABidirectionalStack() {
        List<Row> rows = TestSpark.rows(9, 21);
        try (SequenceModel model = SequenceModel.builder().features(2).classify(3).classNames(List.of("a", "b", "c"))
                .output(OutputMode.PER_STEP).cell(CellType.LSTM).hidden(6).layers(2).bidirectional(true).seed(5).build()) {
            SequenceScorer scorer = SequenceScorer.of(model).setIdCol("id").setTimeCol("t").setFeaturesCols("x1", "x2").setBatchSequences(3);
            Dataset<Row> frame = TestSpark.frame(rows);
            Map<String, Row> scored = SequenceScorerTest.byId(scorer.transform(frame));
            Map<String, float[][]> sequences = SequenceScorerTest.sequences(rows);
            float[][] logits = SequenceScorerTest.predict(model, sequences);
            assertEquals(sequences.keySet(), scored.keySet());
            double max = 0;
            int i = 0;
            for (String id : sequences.keySet()) {
                Row row = scored.get(id);
                List<Double> classes = row.getList(1);
                List<String> names = row.getList(2);
                List<Vector> probabilities = row.getList(3);
                int steps = sequences.get(id).length;
                assertEquals(steps, classes.size(), id);
                for (int t = 0; t < steps; t++) {
                    double[] expected = SequenceScorerTest.softmax(java.util.Arrays.copyOfRange(logits[i], t * 3, t * 3 + 3));
                    double[] p = probabilities.get(t).toArray();
                    for (int c = 0; c < 3; c++) {
                        max = Math.max(max, Math.abs(p[c] - expected[c]));
                    }
                    assertEquals(SequenceScorerTest.argMax(p), classes.get(t).intValue(), id + " step " + t);
                    assertEquals(List.of("a", "b", "c").get(classes.get(t).intValue()), names.get(t));
                }
                i++;
            }
            System.out.printf("per-step bidirectional scorer vs SequenceModel.predict, %d sequences: max |p diff| %.3g%n", sequences.size(), max);
            assertTrue(max < TOLERANCE, "max |p diff| " + max);

            // a second run scores the same groups: the same values, bit for bit
            Map<String, Row> again = SequenceScorerTest.byId(scorer.transform(frame));
            for (String id : scored.keySet()) {
                List<Vector> first = scored.get(id).getList(3), second = again.get(id).getList(3);
                for (int t = 0; t < first.size(); t++) {
                    assertArrayEquals(first.get(t).toArray(), second.get(t).toArray(), id);
                }
            }
        }
    }

    @Test
    void perStepRegressorOverLongSequencesIsScoredWindowByWindow() {
        List<Row> rows = TestSpark.rows(5, 33, 250, 300);   // some longer than predict's 256-step window
        try (SequenceModel model = SequenceModel.builder().features(2).regress(2).normaliseTargets(new float[] {1, -2}, new float[] {3, 0.5f})
                .output(OutputMode.PER_STEP).cell(CellType.GRU).hidden(5).seed(8).build()) {
            SequenceScorer scorer = SequenceScorer.of(model).setIdCol("id").setTimeCol("t").setFeaturesCols("x1", "x2").setBatchSequences(2);
            Map<String, Row> scored = SequenceScorerTest.byId(scorer.transform(TestSpark.frame(rows)));
            Map<String, float[][]> sequences = SequenceScorerTest.sequences(rows);
            float[][] values = SequenceScorerTest.predict(model, sequences);
            double max = 0;
            int i = 0;
            for (String id : sequences.keySet()) {
                List<scala.collection.Seq<Double>> steps = scored.get(id).getList(1);   // array(T) of array(K)
                assertEquals(sequences.get(id).length, steps.size(), id);
                for (int t = 0; t < steps.size(); t++) {
                    for (int k = 0; k < 2; k++) {
                        float expected = values[i][t * 2 + k];
                        max = Math.max(max, Math.abs(steps.get(t).apply(k) - expected) / Math.max(1, Math.abs(expected)));
                    }
                }
                i++;
            }
            System.out.printf("per-step regressor scorer vs SequenceModel.predict, %d sequences of 250..300 steps: max relative diff %.3g%n",
                    sequences.size(), max);
            assertTrue(max < TOLERANCE, "max relative diff " + max);
        }
    }
}
