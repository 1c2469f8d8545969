package dev.panamarnn.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.data.CsvLayout;
import dev.panamarnn.data.SequenceBatch;
import dev.panamarnn.data.SequenceDataset;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** The long layout read from a Dataset against SequenceDataset.fromCsv of the same rows, and the driver's errors for bad input. */
class SparkSequencesTest {
    static final CsvLayout LAYOUT = CsvLayout.id("id").time("t").features("x1", "x2").label("label");

    @Test
    void shardsAreTheCsvReadersSequencesDealtRoundRobinById() throws IOException {
        List<Row> rows = TestSpark.rows(11, 21);
        SparkSequences data = SparkSequences.of(TestSpark.frame(rows), LAYOUT, 3);
        try {
            assertArrayEquals(new long[] {4, 4, 3}, data.shardSizes());
            assertEquals(List.of("down", "up"), data.schema().classNames());
            assertEquals(SequenceDataset.Targets.CLASS_PER_SEQUENCE, data.schema().targets());
            // the reference: the same rows as a long CSV through the library's reader (sorted by time, classes sorted)
            StringBuilder csv = new StringBuilder("id,t,x1,x2,label\n");
            for (Row r : rows) {
                csv.append(r.get(0)).append(',').append(r.get(1)).append(',').append(r.get(2)).append(',').append(r.get(3)).append(',')
                        .append(r.get(4)).append('\n');
            }
            SequenceDataset reference = SequenceDataset.fromCsv(new java.io.ByteArrayInputStream(csv.toString().getBytes(StandardCharsets.UTF_8)),
                    "rows.csv", LAYOUT);
            List<String> ids = new ArrayList<>(reference.ids());
            List<String> sorted = ids.stream().sorted().toList();
            List<List<ShardSequence>> shards = data.shards().glom().collect();
            int seen = 0;
            for (int w = 0; w < 3; w++) {
                SequenceDataset shard = SparkSequences.toDataset(shards.get(w), data.schema());
                for (int j = 0; j < shard.size(); j++) {
                    String id = sorted.get(w + 3 * j);
                    assertEquals(id, shards.get(w).get(j).id());
                    int i = ids.indexOf(id);
                    assertTrue(Arrays.deepEquals(reference.inputs(i), shard.inputs(j)), id);
                    assertEquals(reference.classNames().get(reference.label(i)), data.schema().classNames().get(shard.label(j)), id);
                    seen++;
                }
            }
            assertEquals(11, seen);
            // the normalisation statistics over every step, as the library's reader gives them
            for (int j = 0; j < 2; j++) {
                assertEquals(reference.featureMean()[j], data.schema().featureMean()[j], 1e-6 * Math.max(1, Math.abs(reference.featureMean()[j])));
                assertEquals(reference.featureStd()[j], data.schema().featureStd()[j], 1e-6 * reference.featureStd()[j]);
            }
            try (var model = data.modelBuilder().hidden(4).build()) {
                assertEquals(2, model.spec().features());
                assertEquals(List.of("down", "up"), model.spec().classNames());
                assertArrayEquals(data.schema().featureMean(), model.spec().mean());
            }
        } finally {
            data.unpersist();
        }
    }

    @Test
    void arrayFeatureColumnsReadAsTheScalarColumns() {
        List<Row> rows = TestSpark.rows(6, 3);
        List<Row> arrays = new ArrayList<>();
        for (Row r : rows) {
            arrays.add(RowFactory.create(r.get(0), r.get(1), List.of(r.getDouble(2), r.getDouble(3)), r.get(4)));
        }
        StructType schema = new StructType().add("id", DataTypes.StringType).add("t", DataTypes.IntegerType)
                .add("x", DataTypes.createArrayType(DataTypes.DoubleType)).add("label", DataTypes.StringType);
        SparkSequences scalar = SparkSequences.of(TestSpark.frame(rows), LAYOUT, 2);
        SparkSequences array = SparkSequences.of(TestSpark.session().createDataFrame(arrays, schema),
                CsvLayout.id("id").time("t").features("x").label("label"), 2);
        try {
            assertEquals(2, array.schema().features());
            List<List<ShardSequence>> a = scalar.shards().glom().collect(), b = array.shards().glom().collect();
            for (int w = 0; w < 2; w++) {
                for (int j = 0; j < a.get(w).size(); j++) {
                    assertArrayEquals(a.get(w).get(j).inputs(), b.get(w).get(j).inputs());
                }
            }
        } finally {
            scalar.unpersist();
            array.unpersist();
        }
    }

    @Test
    void eachEpochShufflesEachShardWithItsOwnSeed() {
        SequenceDataset shard = SequenceDataset.ofSequences(sequences(10), new int[10], 2);
        List<Integer> e0 = order(WorkerStep.batches(shard, 3, 7, 0, 0, 2)), again = order(WorkerStep.batches(shard, 3, 7, 0, 0, 2));
        assertEquals(e0, again, "same seed, epoch and shard: same order");
        assertNotEquals(e0, order(WorkerStep.batches(shard, 3, 7, 1, 0, 2)), "the next epoch reshuffles");
        assertNotEquals(e0, order(WorkerStep.batches(shard, 3, 7, 0, 1, 2)), "another shard shuffles otherwise");
        assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), e0.stream().sorted().toList(), "every sequence once");
    }

    @Test
    void moreWorkersThanSequencesIsAClearErrorOnTheDriver() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SparkSequences.of(TestSpark.frame(TestSpark.rows(3, 1)), LAYOUT, 4));
        assertEquals("4 workers but only 3 sequences: each worker needs at least one sequence; use at most 3 workers", e.getMessage());
    }

    @Test
    void mismatchedFeatureCountsAreAClearErrorOnTheDriver() {
        StructType schema = new StructType().add("id", DataTypes.StringType).add("t", DataTypes.IntegerType)
                .add("x", DataTypes.createArrayType(DataTypes.DoubleType)).add("label", DataTypes.StringType);
        List<Row> rows = List.of(RowFactory.create("a", 0, List.of(1.0, 2.0), "p"), RowFactory.create("a", 1, List.of(1.0, 2.0), "p"),
                RowFactory.create("b", 0, List.of(1.0, 2.0, 3.0), "q"), RowFactory.create("c", 0, List.of(1.0, 2.0), "q"));
        CsvLayout layout = CsvLayout.id("id").time("t").features("x").label("label");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SparkSequences.of(TestSpark.session().createDataFrame(rows, schema), layout, 2));
        assertEquals("mismatched feature counts: sequence 'a' has 2 features per step, sequence 'b' has 3", e.getMessage());
        List<Row> within = List.of(RowFactory.create("a", 0, List.of(1.0, 2.0), "p"), RowFactory.create("a", 1, List.of(1.0), "p"),
                RowFactory.create("b", 0, List.of(1.0, 2.0), "q"));
        e = assertThrows(IllegalArgumentException.class, () -> SparkSequences.of(TestSpark.session().createDataFrame(within, schema), layout, 1));
        assertEquals("sequence 'a' has step 0 has 2 features but step 1 has 1", e.getMessage());
    }

    @Test
    void badColumnsAndValuesAreClearErrorsOnTheDriver() {
        Dataset<Row> frame = TestSpark.frame(TestSpark.rows(4, 2));
        assertEquals("no column 'x3' in [id, t, x1, x2, label]", assertThrows(IllegalArgumentException.class,
                () -> SparkSequences.of(frame, CsvLayout.id("id").time("t").features("x1", "x3").label("label"), 2)).getMessage());
        assertEquals("feature column 'label' is string; it must be numeric or an array of numbers", assertThrows(IllegalArgumentException.class,
                () -> SparkSequences.of(frame, CsvLayout.id("id").time("t").features("x1", "label"), 2)).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> SparkSequences.of(frame, CsvLayout.id("id").features("x1").label("label"), 2)).getMessage().contains("needs a time column"));
        List<Row> rows = new ArrayList<>(List.of(RowFactory.create("a", 0, 1.0, 2.0, "up"), RowFactory.create("a", 1, 1.0, 2.0, "down"),
                RowFactory.create("b", 0, 1.0, 2.0, "up")));
        assertEquals("sequence 'a' has a per-sequence label that changes: 'up' at step 0, 'down' at step 1", assertThrows(
                IllegalArgumentException.class, () -> SparkSequences.of(TestSpark.frame(rows), LAYOUT, 2)).getMessage());
        rows.set(1, RowFactory.create("a", 0, 1.0, 2.0, "up"));
        assertEquals("sequence 'a' has two steps at time 0.0", assertThrows(
                IllegalArgumentException.class, () -> SparkSequences.of(TestSpark.frame(rows), LAYOUT, 2)).getMessage());
        rows.set(1, RowFactory.create("a", 1, null, 2.0, "up"));
        assertEquals("sequence 'a' has step 1 has a null feature (feature column 0)", assertThrows(
                IllegalArgumentException.class, () -> SparkSequences.of(TestSpark.frame(rows), LAYOUT, 2)).getMessage());
    }

    static List<float[][]> sequences(int n) {
        List<float[][]> s = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            s.add(new float[][] {{i, 1}, {i, 2}});
        }
        return s;
    }

    static List<Integer> order(List<SequenceBatch> batches) {
        List<Integer> rows = new ArrayList<>();
        for (SequenceBatch b : batches) {
            for (int r : b.rows()) {
                rows.add(r);
            }
        }
        return rows;
    }
}
