package dev.panamarnn.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.data.CsvLayout;
import dev.panamarnn.io.ModelFileException;
import dev.panamarnn.model.SequenceModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults: a task that fails once is run again by Spark, and a driver that dies after step 5 resumes
 * from the checkpoint of step 4; the final model equals the uninterrupted run's bit for bit.
 */
class FaultToleranceTest {
    static final int EPOCHS = 2;   // 18 sequences, 2 workers, batch 4: 3 steps an epoch, 6 in all

    @Test
    void aFailedTaskAndACrashedDriverEndWithTheUninterruptedModel(@TempDir Path dir) throws Exception {
        SparkSequences data = SparkSequences.of(TestSpark.frame(TestSpark.rows(18, 5)),
                CsvLayout.id("id").time("t").features("x1", "x2").label("label"), 2);
        Path checkpoint = dir.resolve("run.ckpt.safetensors");
        try (FailedTasks failedTasks = new FailedTasks(); SequenceModel uninterrupted = SparkTrainerTest.model()) {
            try (SparkTrainer t = trainer(uninterrupted).build()) {
                t.fit(data, EPOCHS);
                assertEquals(6, t.step());
            }
            // the first attempt of step 2's tasks fails; the driver "dies" after step 5 (checkpoints at 2 and 4)
            try (SequenceModel crashed = SparkTrainerTest.model();
                 SparkTrainer t = trainer(crashed).checkpoints(checkpoint, 2).failFirstAttemptOfStep(2).build()) {
                t.fit(data, EPOCHS, 5);
                assertEquals(5, t.step());
            }
            assertEquals(2, failedTasks.await(2), "both tasks of step 2 failed once and ran again");
            try (Stream<Path> files = Files.list(dir)) {
                assertEquals(List.of(checkpoint), files.toList(), "one checkpoint, no scratch or temporary file left");
            }
            try (SequenceModel asModel = SequenceModel.load(checkpoint)) {
                assertEquals(uninterrupted.spec(), asModel.spec(), "a checkpoint loads as a model");
            }
            // a new driver: a fresh model, resumed from step 4, trains steps 4 and 5
            try (SequenceModel resumed = SparkTrainerTest.model(); SparkTrainer t = trainer(resumed).build()) {
                t.resume(checkpoint, data);
                assertEquals(4, t.step());
                assertEquals(1, t.epoch());
                assertEquals(2, t.fit(data, EPOCHS).size());
                float[] a = SparkTrainerTest.weights(uninterrupted), r = SparkTrainerTest.weights(resumed);
                System.out.printf("resumed after a failed task and a crash vs uninterrupted: max |diff| %.3g%n", SparkTrainerTest.maxDiff(a, r));
                assertArrayEquals(a, r);
            }
            try (SequenceModel other = SparkTrainerTest.model(); SparkTrainer t = trainer(other).batchSize(3).build()) {
                ModelFileException e = assertThrows(ModelFileException.class, () -> t.resume(checkpoint, data));
                assertTrue(e.getMessage().contains("'spark.batch_size' 4; this run's is 3"), e.getMessage());
            }
        } finally {
            data.unpersist();
        }
    }

    @Test
    void checkpointsGoToAHadoopUriAndResumeFromIt(@TempDir Path dir) throws Exception {
        SparkSequences data = SparkSequences.of(TestSpark.frame(TestSpark.rows(18, 5)),
                CsvLayout.id("id").time("t").features("x1", "x2").label("label"), 2);
        String uri = dir.toUri().resolve("ckpt/run.safetensors").toString();   // file:///...: the Hadoop FileSystem path
        try (SequenceModel uninterrupted = SparkTrainerTest.model(); SequenceModel first = SparkTrainerTest.model();
             SequenceModel resumed = SparkTrainerTest.model()) {
            try (SparkTrainer t = trainer(uninterrupted).build()) {
                t.fit(data, EPOCHS);
            }
            try (SparkTrainer t = trainer(first).checkpoints(uri, 3).build()) {
                t.fit(data, EPOCHS, 4);   // checkpoint at step 3, stops after 4
            }
            assertTrue(Files.isRegularFile(dir.resolve("ckpt/run.safetensors")));
            try (Stream<Path> files = Files.list(dir.resolve("ckpt"))) {
                assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temporary upload left");
            }
            try (SparkTrainer t = trainer(resumed).build()) {
                t.resume(uri, data);
                assertEquals(3, t.step());
                t.fit(data, EPOCHS);
            }
            assertArrayEquals(SparkTrainerTest.weights(uninterrupted), SparkTrainerTest.weights(resumed));
        } finally {
            data.unpersist();
        }
    }

    static SparkTrainer.Builder trainer(SequenceModel model) {
        return SparkTrainer.builder(TestSpark.context(), model).batchSize(4).adam(1e-2).seed(3);
    }
}
