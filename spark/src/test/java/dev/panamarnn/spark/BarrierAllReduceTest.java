package dev.panamarnn.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.data.CsvLayout;
import dev.panamarnn.model.SequenceModel;
import dev.panamarnn.train.Adam;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * AllReduce.BARRIER on local[2] with 2 workers (a barrier stage needs a slot per worker): the workers
 * sum their gradients among themselves over sockets and each steps its own optimizer, and the model
 * equals the driver mode's and the single-process reference's bit for bit (SparkTrainerTest's data,
 * model and settings: 6 Adam steps of a 2-layer GRU), also when a stage fails and restarts from the
 * last checkpoint.
 */
class BarrierAllReduceTest {
    static SparkSequences data;

    @BeforeAll
    static void shard() {
        data = SparkSequences.of(TestSpark.frame(TestSpark.rows(18, 5)),
                CsvLayout.id("id").time("t").features("x1", "x2").label("label"), SparkTrainerTest.WORKERS);
    }

    @AfterAll
    static void free() {
        data.unpersist();
    }

    /** With dropout each worker draws the masks of (step, shard) in both modes and in the reference. */
    @ParameterizedTest(name = "dropout {0}")
    @ValueSource(doubles = {0, 0.3})
    void equalsTheDriverModeAndOneProcessBitForBit(double dropout) {
        try (SequenceModel barrier = SparkTrainerTest.model(dropout); SequenceModel driver = SparkTrainerTest.model(dropout);
             SequenceModel reference = SparkTrainerTest.model(dropout);
             SparkTrainer b = trainer(barrier).allReduce(AllReduce.BARRIER).build();
             SparkTrainer d = trainer(driver).build();
             Adam adam = new Adam(reference.kernels(), reference.parameters(), reference.gradients(), SparkTrainerTest.LR)) {
            List<Double> barrierLosses = b.fit(data, SparkTrainerTest.EPOCHS);
            List<Double> driverLosses = d.fit(data, SparkTrainerTest.EPOCHS);
            List<Double> referenceLosses = SparkTrainerTest.reference(reference, adam, SparkTrainerTest.localShards(data));
            float[] w = SparkTrainerTest.weights(barrier), r = SparkTrainerTest.weights(reference);
            System.out.printf("barrier all-reduce vs one process, %d steps: first weights %s vs %s, max |diff| %.3g%n", b.step(),
                    SparkTrainerTest.head(w), SparkTrainerTest.head(r), SparkTrainerTest.maxDiff(w, r));
            assertEquals(6, b.step());
            assertEquals(2, b.epoch());
            assertEquals(referenceLosses, barrierLosses, "the step losses against one process");
            assertEquals(driverLosses, barrierLosses, "the step losses against the driver mode");
            assertArrayEquals(r, w, "against one process");
            assertArrayEquals(SparkTrainerTest.weights(driver), w, "against the driver mode");
            assertTrue(SparkTrainerTest.maxDiff(w, SparkTrainerTest.weights(SparkTrainerTest.model())) > 1e-3, "training moved the weights");
            if (dropout > 0) {
                assertNotEquals(withoutDropout(), barrierLosses, "the masks changed the step losses");
            }
            assertEquals(6, b.timings().size());
            if (Boolean.getBoolean("rnn.native.strict")) {
                assertEquals("native", b.timings().getFirst().kernels(), "the workers' kernels");
            }
        }
    }

    /** The single-process reference's step losses without dropout. */
    private static List<Double> withoutDropout() {
        try (SequenceModel plain = SparkTrainerTest.model();
             Adam adam = new Adam(plain.kernels(), plain.parameters(), plain.gradients(), SparkTrainerTest.LR)) {
            return SparkTrainerTest.reference(plain, adam, SparkTrainerTest.localShards(data));
        }
    }

    @Test
    void aFailedStageRestartsFromTheLastCheckpointAndEndsWithTheUninterruptedModel(@TempDir Path dir) throws Exception {
        Path checkpoint = dir.resolve("barrier.ckpt.safetensors");
        try (FailedTasks failedTasks = new FailedTasks(); SequenceModel uninterrupted = SparkTrainerTest.model();
             SequenceModel failed = SparkTrainerTest.model(); SequenceModel resumed = SparkTrainerTest.model()) {
            try (SparkTrainer t = trainer(uninterrupted).allReduce(AllReduce.BARRIER).build()) {
                t.fit(data, SparkTrainerTest.EPOCHS);
            }
            // stages of steps 0-1, 2-3 and 4-5; worker 1 fails at step 3 in the first attempt of its stage,
            // which Spark then runs again from the checkpoint of step 2; the driver stops after step 4
            try (SparkTrainer t = trainer(failed).allReduce(AllReduce.BARRIER).checkpoints(checkpoint, 2).failFirstAttemptOfStep(3).build()) {
                assertEquals(5, t.fit(data, SparkTrainerTest.EPOCHS, 5).size());
                assertEquals(5, t.step());
            }
            int failedAttempts = failedTasks.await(1);
            assertTrue(failedAttempts >= 1, "the stage of steps 2-3 failed once: " + failedAttempts + " failed tasks");
            try (Stream<Path> files = Files.list(dir)) {
                assertEquals(List.of(checkpoint), files.toList(), "one checkpoint, no scratch file left");
            }
            // a new driver resumes from step 4's checkpoint and trains step 4 and 5 as one stage
            try (SparkTrainer t = trainer(resumed).allReduce(AllReduce.BARRIER).build()) {
                t.resume(checkpoint, data);
                assertEquals(4, t.step());
                assertEquals(2, t.fit(data, SparkTrainerTest.EPOCHS).size());
            }
            float[] a = SparkTrainerTest.weights(uninterrupted), r = SparkTrainerTest.weights(resumed);
            System.out.printf("barrier: a failed stage and a resumed driver vs uninterrupted: max |diff| %.3g%n", SparkTrainerTest.maxDiff(a, r));
            assertArrayEquals(a, r);
        }
    }

    @Test
    void moreWorkersThanTaskSlotsIsAClearError() {
        SparkSequences three = SparkSequences.of(TestSpark.frame(TestSpark.rows(9, 5)),
                CsvLayout.id("id").time("t").features("x1", "x2").label("label"), 3);
        try (SequenceModel model = SparkTrainerTest.model(); SparkTrainer t = trainer(model).allReduce(AllReduce.BARRIER).build()) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> t.fit(three, 1));
            assertEquals("the barrier all-reduce runs its 3 workers as 3 tasks at once, but the cluster has 2 task slots (executor cores"
                    + " / spark.task.cpus, master local[2,2]); use at most 2 workers, add executors, or use AllReduce.DRIVER", e.getMessage());
            assertEquals(0, t.step());
        } finally {
            three.unpersist();
        }
    }

    @Test
    void anOptimizerThatCannotBeShippedIsRefused() {
        try (SequenceModel model = SparkTrainerTest.model()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SparkTrainer.builder(TestSpark.context(), model)
                    .optimizer(m -> new Adam(m.kernels(), m.parameters(), m.gradients(), 1e-3)).allReduce(AllReduce.BARRIER).build());
            assertTrue(e.getMessage().contains("pass an OptimizerFactory"), e.getMessage());
        }
    }

    @Test
    void truncatedBpttWindowsAreRefused() {
        try (SequenceModel perStep = SequenceModel.builder().features(2).classify(2).output(dev.panamarnn.model.OutputMode.PER_STEP)
                .hidden(4).build()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> trainer(perStep).truncatedBptt(4).allReduce(AllReduce.BARRIER).build());
            assertEquals("AllReduce.BARRIER does not run truncated-BPTT windows (window 4); use AllReduce.DRIVER", e.getMessage());
        }
    }

    static SparkTrainer.Builder trainer(SequenceModel model) {
        return SparkTrainer.builder(TestSpark.context(), model).batchSize(SparkTrainerTest.BATCH).adam(SparkTrainerTest.LR)
                .seed(SparkTrainerTest.SEED);
    }
}
