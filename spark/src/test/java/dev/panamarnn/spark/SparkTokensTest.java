package dev.panamarnn.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.CellType;
import dev.panamarnn.data.CsvLayout;
import dev.panamarnn.data.SequenceDataset;
import dev.panamarnn.model.Budget;
import dev.panamarnn.model.OutputMode;
import dev.panamarnn.model.SequenceModel;
import dev.panamarnn.model.Trainer;
import dev.panamarnn.model.TrainingListener;
import dev.panamarnn.model.TrainingStep;
import dev.panamarnn.train.Adam;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * Token models (an integer column of token ids feeding an embedding) on Spark: per-step tagging with
 * truncated BPTT on one worker equals the library's Trainer bit for bit; a per-sequence classifier on
 * two workers equals the single-process sum of the halves bit for bit; scoring equals
 * SequenceModel.predict; bad ids are refused on the driver, naming the sequence and step.
 */
class SparkTokensTest {
    static final int VOCABULARY = 7;
    static final StructType TOKENS = new StructType()
            .add("id", DataTypes.StringType)
            .add("t", DataTypes.IntegerType)
            .add("token", DataTypes.IntegerType)
            .add("tag", DataTypes.StringType)        // per step: the token's residue mod 3
            .add("label", DataTypes.StringType);     // per sequence: whether token 3 occurs

    /** {@code count} sequences of 3 to 9 token ids in [0, 7), rows shuffled. */
    static List<Row> rows(int count, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<Row> rows = new ArrayList<>();
        for (int s = 0; s < count; s++) {
            int length = 3 + r.nextInt(7);
            int[] ids = new int[length];
            boolean three = false;
            for (int t = 0; t < length; t++) {
                ids[t] = r.nextInt(VOCABULARY);
                three |= ids[t] == 3;
            }
            for (int t = 0; t < length; t++) {
                rows.add(RowFactory.create(String.format("s%03d", s), t, ids[t], "r" + ids[t] % 3, three ? "three" : "none"));
            }
        }
        java.util.Collections.shuffle(rows, new java.util.Random(seed));
        return rows;
    }

    static Dataset<Row> frame(List<Row> rows) {
        return TestSpark.session().createDataFrame(rows, TOKENS).repartition(3);
    }

    @Test
    void perStepTaggingInWindowsOnOneWorkerEqualsTheLibraryTrainerBitForBit() {
        SparkSequences data = SparkSequences.ofTokens(frame(rows(10, 4)), CsvLayout.id("id").time("t").features("token").label("tag")
                .perStep(true), VOCABULARY, 1);
        try (SequenceModel distributed = data.modelBuilder().embedding(4).cell(CellType.GRU).hidden(6).seed(2).build();
             SequenceModel single = data.modelBuilder().embedding(4).cell(CellType.GRU).hidden(6).seed(2).build();
             SparkTrainer trainer = SparkTrainer.builder(TestSpark.context(), distributed).batchSize(3).adam(1e-2).clipNorm(1).seed(5)
                     .truncatedBptt(4).build()) {
            assertEquals(OutputMode.PER_STEP, distributed.spec().outputMode());
            assertEquals(List.of("r0", "r1", "r2"), distributed.spec().classNames());
            List<Double> losses = trainer.fit(data, 2);
            List<Double> singleLosses = new ArrayList<>();
            try (Trainer reference = Trainer.builder(single).batchSize(3).adam(1e-2).clipNorm(1).seed(5).groupByLength(false)
                    .truncatedBptt(4).listener(new TrainingListener() {
                        @Override
                        public void onStep(TrainingStep step, int epoch) {
                            singleLosses.add(step.loss());
                        }
                    }).build()) {
                reference.fit(SparkTrainerTest.localShards(data).getFirst(), Budget.epochs(2));
            }
            float[] a = SparkTrainerTest.weights(distributed), s = SparkTrainerTest.weights(single);
            System.out.printf("tokens, 1 worker vs Trainer.truncatedBptt(4), %d steps: max |diff| %.3g%n", losses.size(),
                    SparkTrainerTest.maxDiff(a, s));
            assertEquals(singleLosses, losses, "the step losses");
            assertTrue(java.util.Arrays.equals(a, s), "bit-identical weights, max |diff| " + SparkTrainerTest.maxDiff(a, s));
            assertTrue(SparkTrainerTest.maxDiff(a, SparkTrainerTest.weights(data.modelBuilder().embedding(4).cell(CellType.GRU).hidden(6)
                    .seed(2).build())) > 1e-3, "training moved the weights");
        } finally {
            data.unpersist();
        }
    }

    @Test
    void aTokenClassifierOnTwoWorkersEqualsTheSingleProcessSumBitForBit() {
        // 18 sequences in 2 shards of 9: batches of 4, 4 and 1, as SparkTrainerTest.reference cuts them
        SparkSequences data = SparkSequences.ofTokens(frame(rows(18, 6)), CsvLayout.id("id").time("t").features("token").label("label"),
                VOCABULARY, SparkTrainerTest.WORKERS);
        try (SequenceModel distributed = data.modelBuilder().embedding(3).cell(CellType.LSTM).hidden(5).seed(1).build();
             SequenceModel reference = data.modelBuilder().embedding(3).cell(CellType.LSTM).hidden(5).seed(1).build();
             SparkTrainer trainer = SparkTrainer.builder(TestSpark.context(), distributed).batchSize(SparkTrainerTest.BATCH)
                     .adam(SparkTrainerTest.LR).seed(SparkTrainerTest.SEED).build();
             Adam adam = new Adam(reference.kernels(), reference.parameters(), reference.gradients(), SparkTrainerTest.LR)) {
            List<Double> losses = trainer.fit(data, SparkTrainerTest.EPOCHS);
            List<Double> referenceLosses = SparkTrainerTest.reference(reference, adam, SparkTrainerTest.localShards(data));
            float[] a = SparkTrainerTest.weights(distributed), r = SparkTrainerTest.weights(reference);
            assertEquals(referenceLosses, losses, "the step losses");
            assertTrue(java.util.Arrays.equals(a, r), "bit-identical weights, max |diff| " + SparkTrainerTest.maxDiff(a, r));

            // the trained classifier scores as predict does
            List<Row> rows = rows(9, 12);
            SequenceScorer scorer = SequenceScorer.of(distributed).setIdCol("id").setTimeCol("t").setFeaturesCols("token").setBatchSequences(4);
            Map<String, Row> scored = SequenceScorerTest.byId(scorer.transform(frame(rows)));
            Map<String, int[]> sequences = sequences(rows);
            float[][] logits = distributed.predict(SequenceDataset.ofTokenInputs(new ArrayList<>(sequences.values()), VOCABULARY));
            double max = 0;
            int i = 0;
            for (String id : sequences.keySet()) {
                double[] p = ((Vector) scored.get(id).getAs("probability")).toArray(), expected = SequenceScorerTest.softmax(logits[i++]);
                for (int c = 0; c < p.length; c++) {
                    max = Math.max(max, Math.abs(p[c] - expected[c]));
                }
                assertEquals(distributed.spec().classNames().get(SequenceScorerTest.argMax(expected)), scored.get(id).getString(2), id);
            }
            System.out.printf("token scorer vs SequenceModel.predict, %d sequences: max |p diff| %.3g%n", sequences.size(), max);
            assertTrue(max < 1e-5, "max |p diff| " + max);
        } finally {
            data.unpersist();
        }
    }

    /** The rows' token sequences by id, in time order. */
    static Map<String, int[]> sequences(List<Row> rows) {
        Map<String, List<Row>> byId = new TreeMap<>();
        for (Row r : rows) {
            byId.computeIfAbsent(r.getString(0), k -> new ArrayList<>()).add(r);
        }
        Map<String, int[]> out = new TreeMap<>();
        byId.forEach((id, steps) -> {
            steps.sort(java.util.Comparator.comparingInt(r -> r.getInt(1)));
            out.put(id, steps.stream().mapToInt(r -> r.getInt(2)).toArray());
        });
        return out;
    }

    @Test
    void badTokenIdsAndTargetColumnsAreRefusedOnTheDriver() {
        List<Row> rows = new ArrayList<>(rows(4, 3));
        rows.add(RowFactory.create("s002", 99, VOCABULARY, "r0", "none"));      // one id past the vocabulary, at s002's last step
        int last = (int) rows.stream().filter(r -> r.getString(0).equals("s002")).count() - 1;
        CsvLayout layout = CsvLayout.id("id").time("t").features("token").label("tag").perStep(true);
        assertEquals("sequence 's002' step " + last + " has token id 7.0, not an integer in [0, 7)",
                assertThrows(IllegalArgumentException.class, () -> SparkSequences.ofTokens(frame(rows), layout, VOCABULARY, 2)).getMessage());
        assertEquals("the vocabulary must be in [1, 16777216] (token ids travel as floats), got 0",
                assertThrows(IllegalArgumentException.class, () -> SparkSequences.ofTokens(frame(rows), layout, 0, 2)).getMessage());
        CsvLayout regression = CsvLayout.id("id").time("t").features("token").targets("score");
        assertEquals("token data sets take class labels (a label column), not target columns [score]",
                assertThrows(IllegalArgumentException.class, () -> SparkSequences.ofTokens(frame(rows), regression, VOCABULARY, 2)).getMessage());
    }
}
