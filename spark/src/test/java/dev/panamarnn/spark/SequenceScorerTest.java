package dev.panamarnn.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.CellType;
import dev.panamarnn.data.SequenceDataset;
import dev.panamarnn.model.SequenceModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Scoring in Spark against SequenceModel.predict of the same sequences in one process. */
class SequenceScorerTest {
    static final List<Row> ROWS = TestSpark.rows(13, 8);

    /** The rows' sequences by id (sorted by time), the reference's input. */
    static Map<String, float[][]> sequences() {
        return sequences(ROWS);
    }

    /** {@code rows}' sequences by id, sorted by time. */
    static Map<String, float[][]> sequences(List<Row> rows) {
        Map<String, List<Row>> byId = new TreeMap<>();
        for (Row r : rows) {
            byId.computeIfAbsent(r.getString(0), k -> new ArrayList<>()).add(r);
        }
        Map<String, float[][]> out = new TreeMap<>();
        byId.forEach((id, steps) -> {
            steps.sort(java.util.Comparator.comparingInt(r -> r.getInt(1)));
            float[][] x = new float[steps.size()][];
            for (int t = 0; t < x.length; t++) {
                x[t] = new float[] {(float) steps.get(t).getDouble(2), (float) steps.get(t).getDouble(3)};
            }
            out.put(id, x);
        });
        return out;
    }

    /** SequenceModel.predict of the sequences in one process, in id order: the reference. */
    static float[][] predict(SequenceModel model, Map<String, float[][]> sequences) {
        return model.predict(SequenceDataset.ofInputs(new ArrayList<>(sequences.values())));
    }

    static Map<String, Row> byId(Dataset<Row> scored) {
        Map<String, Row> out = new TreeMap<>();
        for (Row r : scored.collectAsList()) {
            out.put(r.getString(0), r);
        }
        return out;
    }

    @Test
    void classifierScoresEqualPredictAndSurviveAPipelineSaveAndLoad(@TempDir Path dir) throws Exception {
        try (SequenceModel model = SequenceModel.builder().features(2).classify(3).classNames(List.of("a", "b", "c"))
                .cell(CellType.LSTM).hidden(8).seed(4).build()) {
            SequenceScorer scorer = SequenceScorer.of(model).setIdCol("id").setTimeCol("t").setFeaturesCols("x1", "x2").setBatchSequences(4);
            Dataset<Row> frame = TestSpark.frame(ROWS);
            Map<String, Row> scored = byId(scorer.transform(frame));
            Map<String, float[][]> sequences = sequences();
            float[][] logits = predict(model, sequences);
            assertEquals(sequences.keySet(), scored.keySet());
            double max = 0;
            int i = 0;
            for (String id : sequences.keySet()) {
                Row row = scored.get(id);
                double[] p = ((Vector) row.getAs("probability")).toArray();
                double[] expected = softmax(logits[i++]);
                for (int c = 0; c < 3; c++) {
                    max = Math.max(max, Math.abs(p[c] - expected[c]));
                }
                int best = (int) row.getDouble(1);
                assertEquals(List.of("a", "b", "c").get(best), row.getString(2));
                assertEquals(argMax(expected), best, id);
            }
            System.out.printf("scorer vs SequenceModel.predict, 13 sequences: max |p diff| %.3g%n", max);
            assertTrue(max < 1e-5, "max |p diff| " + max);
            assertTrue(Replicas.idle("score/" + scorer.fingerprint()) >= 1, "the executor keeps the scoring replica");

            // in a Pipeline, saved and loaded: the same scores
            PipelineModel fitted = new Pipeline().setStages(new PipelineStage[] {scorer}).fit(frame);
            String path = dir.resolve("pipeline").toString();
            fitted.write().overwrite().save(path);
            assertTrue(Files.exists(dir.resolve("pipeline/stages").toFile().listFiles()[0].toPath().resolve(SequenceScorer.MODEL_FILE)));
            PipelineModel loaded = PipelineModel.load(path);
            SequenceScorer again = (SequenceScorer) loaded.stages()[0];
            assertEquals(scorer.fingerprint(), again.fingerprint());
            assertEquals("t", again.getOrDefault(again.timeCol()));
            Map<String, Row> rescored = byId(loaded.transform(frame));
            for (String id : scored.keySet()) {
                assertArrayEquals(((Vector) scored.get(id).getAs("probability")).toArray(),
                        ((Vector) rescored.get(id).getAs("probability")).toArray(), id);
            }
        }
    }

    @Test
    void regressorScoresAreValuesInTheTargetsUnits() {
        try (SequenceModel model = SequenceModel.builder().features(2).regress(2).normaliseTargets(new float[] {10, -1}, new float[] {2, 3})
                .cell(CellType.GRU).hidden(6).seed(2).build()) {
            SequenceScorer scorer = SequenceScorer.of(model).setIdCol("id").setTimeCol("t").setFeaturesCols("x1", "x2");
            Map<String, Row> scored = byId(scorer.transform(TestSpark.frame(ROWS)));
            Map<String, float[][]> sequences = sequences();
            float[][] values = predict(model, sequences);
            int i = 0;
            for (String id : sequences.keySet()) {
                List<Double> v = scored.get(id).getList(1);
                for (int k = 0; k < 2; k++) {
                    assertEquals(values[i][k], v.get(k), 1e-5 * Math.max(1, Math.abs(values[i][k])), id);
                }
                i++;
            }
        }
    }

    @Test
    void missingColumnsAndUnsupportedModelsAreRefused() {
        try (SequenceModel model = SequenceModel.builder().features(2).classify(2).hidden(4).build();
             SequenceModel ctc = SequenceModel.builder().features(2).ctc(3).hidden(4).build()) {
            SequenceScorer scorer = SequenceScorer.of(model).setIdCol("id").setTimeCol("time");
            assertEquals("no column 'time' in [id, t, x1, x2, label]",
                    assertThrows(IllegalArgumentException.class, () -> scorer.transform(TestSpark.frame(ROWS))).getMessage());
            assertTrue(assertThrows(IllegalArgumentException.class, () -> SequenceScorer.of(ctc)).getMessage()
                    .contains("it is a CTC model"));
        }
    }

    static double[] softmax(float[] z) {
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (float v : z) {
            max = Math.max(max, v);
        }
        double[] p = new double[z.length];
        for (int c = 0; c < z.length; c++) {
            p[c] = Math.exp(z[c] - max);
            sum += p[c];
        }
        for (int c = 0; c < z.length; c++) {
            p[c] /= sum;
        }
        return p;
    }

    static int argMax(double[] p) {
        int best = 0;
        for (int c = 1; c < p.length; c++) {
            if (p[c] > p[best]) {
                best = c;
            }
        }
        return best;
    }
}
