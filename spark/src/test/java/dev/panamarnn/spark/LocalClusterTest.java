package dev.panamarnn.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.data.CsvLayout;
import dev.panamarnn.data.SequenceDataset;
import dev.panamarnn.model.SequenceModel;
import dev.panamarnn.train.Adam;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real separate executor JVMs (local-cluster[2,1,1024]): the two replicas live in two JVMs that load
 * the native kernels themselves (strict in CI) into spark.local.dir; training equals the
 * single-process reference bit for bit, also when the JVM of an executor is killed in the middle of
 * a step (Spark runs the task again on a new executor, which rebuilds its replica and its shard); the
 * scorer gives the driver's predictions. The barrier all-reduce, whose sockets then join two JVMs,
 * trains the same weights.
 */
class LocalClusterTest {
    @AfterAll
    static void back() {
        TestSpark.stop();   // the next test class starts the local[2] session again
    }

    @Test
    void separateExecutorJvmsTrainAndScoreExactly(@TempDir Path local) throws Exception {
        long start = System.nanoTime();
        SparkSession spark = TestSpark.cluster(local);
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        SparkSequences data = SparkSequences.of(spark.createDataFrame(TestSpark.rows(18, 5), TestSpark.LONG).repartition(3),
                CsvLayout.id("id").time("t").features("x1", "x2").label("label"), SparkTrainerTest.WORKERS);
        try (SequenceModel distributed = SparkTrainerTest.model(); SequenceModel killed = SparkTrainerTest.model();
             SequenceModel reference = SparkTrainerTest.model();
             SparkTrainer trainer = trainer(sc, distributed).build();
             Adam adam = new Adam(reference.kernels(), reference.parameters(), reference.gradients(), SparkTrainerTest.LR)) {
            trainer.fit(data, SparkTrainerTest.EPOCHS);
            if (Boolean.getBoolean("rnn.native.strict")) {
                assertEquals("native", trainer.timings().getFirst().kernels(), "the executors' kernels");
            }
            List<SequenceDataset> shards = SparkTrainerTest.localShards(data);
            SparkTrainerTest.reference(reference, adam, shards);
            assertArrayEquals(SparkTrainerTest.weights(reference), SparkTrainerTest.weights(distributed), "2 executor JVMs vs one process");
            // where the executors extracted librnnk: rnn.native.dir, set by SparkExecutors under the executor's local
            // directory (Spark's local dirs, not ~/.cache; which root depends on the first SparkContext of this JVM,
            // whose local dirs Spark caches for the in-JVM workers too)
            List<String> dirs = sc.parallelize(List.of(0, 1, 2, 3), 4).map(x -> String.valueOf(System.getProperty("rnn.native.dir")))
                    .collect().stream().distinct().toList();
            for (String d : dirs) {
                assertTrue(!d.equals("null") && !d.startsWith(System.getProperty("user.home")) && d.contains("/executor-"), d);
                try (Stream<Path> files = Files.walk(Path.of(d))) {
                    assertTrue(files.anyMatch(p -> p.getFileName().toString().startsWith("librnnk-")), "librnnk extracted under " + d);
                }
            }
            System.out.println("local-cluster: the executors extracted librnnk under " + dirs);
            System.out.printf("local-cluster: 2 executor JVMs equal one process bit for bit (%.1f s so far)%n", (System.nanoTime() - start) / 1e9);

            // the barrier all-reduce between the two executor JVMs: sockets across processes, the same weights
            try (SequenceModel barrier = SparkTrainerTest.model(); SparkTrainer t = trainer(sc, barrier).allReduce(AllReduce.BARRIER).build()) {
                t.fit(data, SparkTrainerTest.EPOCHS);
                assertArrayEquals(SparkTrainerTest.weights(reference), SparkTrainerTest.weights(barrier), "the barrier all-reduce across 2 JVMs");
            }
            System.out.printf("local-cluster: the barrier all-reduce across 2 executor JVMs equals one process (%.1f s so far)%n",
                    (System.nanoTime() - start) / 1e9);

            // the executor running shard 0 dies (halt, as SIGKILL) in the middle of step 2
            try (SparkTrainer t = trainer(sc, killed).killExecutorAtStep(2).build()) {
                t.fit(data, SparkTrainerTest.EPOCHS);
            }
            assertArrayEquals(SparkTrainerTest.weights(reference), SparkTrainerTest.weights(killed), "after an executor was killed");
            System.out.printf("local-cluster: an executor killed mid-step, the run still equals one process (%.1f s so far)%n",
                    (System.nanoTime() - start) / 1e9);

            // scoring in the executors against the driver's predict
            SequenceScorer scorer = SequenceScorer.of(distributed).setIdCol("id").setTimeCol("t").setFeaturesCols("x1", "x2");
            Map<String, Row> scored = SequenceScorerTest.byId(scorer.transform(spark.createDataFrame(SequenceScorerTest.ROWS, TestSpark.LONG)));
            Map<String, float[][]> sequences = SequenceScorerTest.sequences();
            float[][] logits = distributed.predict(SequenceDataset.ofInputs(new ArrayList<>(sequences.values())));
            int i = 0;
            for (String id : sequences.keySet()) {
                double[] p = ((Vector) scored.get(id).getAs("probability")).toArray(), expected = SequenceScorerTest.softmax(logits[i++]);
                for (int c = 0; c < p.length; c++) {
                    assertEquals(expected[c], p[c], 1e-5, id);
                }
            }
        } finally {
            data.unpersist();
            System.out.printf("local-cluster test: %.1f s%n", (System.nanoTime() - start) / 1e9);
        }
    }

    static SparkTrainer.Builder trainer(JavaSparkContext sc, SequenceModel model) {
        return SparkTrainer.builder(sc, model).batchSize(SparkTrainerTest.BATCH).adam(SparkTrainerTest.LR).seed(SparkTrainerTest.SEED);
    }
}
