package dev.panamarnn.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.CellType;
import dev.panamarnn.data.CsvLayout;
import dev.panamarnn.data.SequenceBatch;
import dev.panamarnn.data.SequenceDataset;
import dev.panamarnn.model.BpttWindows;
import dev.panamarnn.model.Budget;
import dev.panamarnn.model.OutputMode;
import dev.panamarnn.model.SequenceModel;
import dev.panamarnn.model.Trainer;
import dev.panamarnn.model.TrainingListener;
import dev.panamarnn.model.TrainingStep;
import dev.panamarnn.train.Adam;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Truncated BPTT on Spark (per-step labels, sequences of 3 to 13 steps, windows of 4): one worker
 * trains bit for bit what the library's Trainer with truncatedBptt(4) trains on the same data and
 * batches, and two workers with batch b train, to float rounding, what one process trains with the
 * union batch of 2b windowed by the library's BpttWindows, the state carried across windows.
 */
class SparkBpttTest {
    static final int BATCH = 3, WINDOW = 4, EPOCHS = 2;
    static final long SEED = 19;
    static final double LR = 1e-2, CLIP = 0.5;
    static final CsvLayout LAYOUT = CsvLayout.id("id").time("t").features("x1", "x2").label("label").perStep(true);
    static SparkSequences one, two;

    @BeforeAll
    static void shard() {
        Dataset<Row> frame = TestSpark.frame(TestSpark.rows(12, 23, 3, 13));
        one = SparkSequences.of(frame, LAYOUT, 1);
        two = SparkSequences.of(frame, LAYOUT, 2);
    }

    @AfterAll
    static void free() {
        one.unpersist();
        two.unpersist();
    }

    static SequenceModel model() {
        return model(0);
    }

    /** The test's 2-layer per-step LSTM tagger, with dropout {@code p} between its layers. */
    static SequenceModel model(double p) {
        return SequenceModel.builder().features(2).classify(2).classNames(List.of("down", "up")).output(OutputMode.PER_STEP)
                .cell(CellType.LSTM).hidden(6).layers(2).dropout(p).seed(9).build();
    }

    /** With dropout one worker draws the masks of each step's training forward as the Trainer does. */
    @ParameterizedTest(name = "dropout {0}")
    @ValueSource(doubles = {0, 0.3})
    void oneWorkerEqualsTheLibraryTrainerBitForBit(double dropout) {
        SequenceDataset data = SparkTrainerTest.localShards(one).getFirst();
        try (SequenceModel distributed = model(dropout); SequenceModel single = model(dropout);
             SparkTrainer trainer = SparkTrainer.builder(TestSpark.context(), distributed).batchSize(BATCH).adam(LR).clipNorm(CLIP)
                     .seed(SEED).truncatedBptt(WINDOW).build()) {
            List<Double> losses = trainer.fit(one, EPOCHS);
            List<Double> singleLosses = new ArrayList<>();
            // the Trainer's epoch e cuts data.batches(b, shuffle, no grouping, seed + e): the one shard's batches
            try (Trainer reference = Trainer.builder(single).batchSize(BATCH).adam(LR).clipNorm(CLIP).seed(SEED).groupByLength(false)
                    .truncatedBptt(WINDOW).listener(new TrainingListener() {
                        @Override
                        public void onStep(TrainingStep step, int epoch) {
                            singleLosses.add(step.loss());
                        }
                    }).build()) {
                reference.fit(data, Budget.epochs(EPOCHS));
            }
            float[] a = SparkTrainerTest.weights(distributed), s = SparkTrainerTest.weights(single);
            System.out.printf("1 worker vs Trainer.truncatedBptt(%d), %d steps (%d batches): first weights %s vs %s, max |diff| %.3g%n",
                    WINDOW, losses.size(), EPOCHS * 4, SparkTrainerTest.head(a), SparkTrainerTest.head(s), SparkTrainerTest.maxDiff(a, s));
            assertTrue(losses.size() > EPOCHS * 4, "windows: more steps than batches, got " + losses.size());
            assertEquals(singleLosses, losses, "the step losses");
            assertTrue(java.util.Arrays.equals(a, s), "bit-identical weights, max |diff| " + SparkTrainerTest.maxDiff(a, s));
            assertTrue(SparkTrainerTest.maxDiff(a, SparkTrainerTest.weights(model())) > 1e-3, "training moved the weights");
        }
    }

    @Test
    void twoWorkersMatchTheUnionBatchWindowedInOneProcess() {
        List<SequenceDataset> shards = SparkTrainerTest.localShards(two);
        try (SequenceModel distributed = model(); SequenceModel single = model();
             SparkTrainer trainer = SparkTrainer.builder(TestSpark.context(), distributed).batchSize(BATCH).adam(LR).seed(SEED)
                     .truncatedBptt(WINDOW).build();
             Adam adam = new Adam(single.kernels(), single.parameters(), single.gradients(), LR)) {
            List<Double> losses = trainer.fit(two, EPOCHS);
            List<Double> singleLosses = new ArrayList<>();
            for (int epoch = 0; epoch < EPOCHS; epoch++) {
                for (int b = 0; b < 2; b++) {                       // shards of 6: two batches of 3 per epoch
                    SequenceBatch union = union(shards, epoch, b);
                    if (union.steps() <= WINDOW) {
                        single.zeroGradients();
                        singleLosses.add(single.accumulateGradients(union));
                        adam.step();
                        continue;
                    }
                    try (BpttWindows windows = BpttWindows.of(single, WINDOW, union.batch())) {
                        for (int w = 0; w < windows.count(union); w++) {
                            single.zeroGradients();
                            singleLosses.add(windows.accumulateGradients(single, union, w));
                            adam.step();
                        }
                    }
                }
            }
            float[] a = SparkTrainerTest.weights(distributed), s = SparkTrainerTest.weights(single);
            double diff = SparkTrainerTest.maxDiff(a, s), scale = SparkTrainerTest.maxAbs(s), lossDiff = 0;
            assertEquals(singleLosses.size(), losses.size(), "steps (windows)");
            for (int i = 0; i < losses.size(); i++) {
                lossDiff = Math.max(lossDiff, Math.abs(losses.get(i) - singleLosses.get(i)));
            }
            System.out.printf("2 workers vs the union batch of 2b in windows of %d, %d steps: first weights %s vs %s, max |diff| %.3g "
                    + "(max |w| %.3g), max loss diff %.3g%n", WINDOW, losses.size(), SparkTrainerTest.head(a), SparkTrainerTest.head(s), diff,
                    scale, lossDiff);
            assertTrue(losses.size() > EPOCHS * 2, "windows: more steps than batches, got " + losses.size());
            // the halves' GEMMs sum rows in another order than one GEMM over 2b rows: float rounding, as without windows
            assertTrue(diff <= 1e-4 * Math.max(1, scale), "max |diff| " + diff);
            assertTrue(lossDiff <= 1e-5, "max loss diff " + lossDiff);
        }
    }

    /** The two workers' batch {@code b} of {@code epoch}, concatenated in worker order, as one batch. */
    static SequenceBatch union(List<SequenceDataset> shards, int epoch, int b) {
        List<float[][]> inputs = new ArrayList<>();
        List<int[]> labels = new ArrayList<>();
        for (int w = 0; w < shards.size(); w++) {
            SequenceBatch half = WorkerStep.batches(shards.get(w), BATCH, SEED, epoch, w, shards.size()).get(b);
            for (int row : half.rows()) {
                inputs.add(shards.get(w).inputs(row));
                labels.add(shards.get(w).stepLabels(row));
            }
        }
        return SequenceDataset.ofStepLabels(inputs, labels, 2).batches(inputs.size(), false, false, 0).getFirst();
    }

    /**
     * A run whose tasks of step 1 (window 1 of the first batch, from the carried state) fail once
     * and run again, stopped between two windows of a batch (fit with maxSteps), continues in the
     * next fit call; a driver that died there resumes from the last checkpoint (step 4, between two
     * windows: it holds the carried states); both end with the uninterrupted run's weights, bit for bit.
     */
    @Test
    void aRunStoppedBetweenWindowsContinuesAndResumesExactly(@TempDir Path dir) throws Exception {
        Path checkpoint = dir.resolve("run.ckpt.safetensors");
        try (SequenceModel uninterrupted = model(); SequenceModel stopped = model(); SequenceModel resumed = model();
             SparkTrainer u = trainer(uninterrupted).build();
             SparkTrainer s = trainer(stopped).checkpoints(checkpoint, 2).failFirstAttemptOfStep(1).build();
             SparkTrainer r = trainer(resumed).build()) {
            u.fit(two, EPOCHS);
            s.fit(two, EPOCHS, 5);
            assertEquals(5, s.step());
            assertTrue(union(SparkTrainerTest.localShards(two), 0, 0).steps() > WINDOW, "step 1 is window 1 of the first batch");
            String window;
            try (var file = dev.panamarnn.io.SafeTensors.read(checkpoint)) {
                window = file.metadata().get("train.window_in_batch");
            }
            r.resume(checkpoint, two);
            long from = r.step();
            s.fit(two, EPOCHS);
            r.fit(two, EPOCHS);
            float[] expected = SparkTrainerTest.weights(uninterrupted);
            System.out.printf("truncated BPTT: stopped after step 5 of %d, resumed from the checkpoint of step %d (next window %s)%n",
                    u.step(), from, window);
            assertEquals(4, from, "the last checkpoint's step");
            assertTrue(Integer.parseInt(window) > 0, "the checkpoint was written between two windows, next window " + window);
            try (SequenceModel other = model(); SparkTrainer k5 = SparkTrainer.builder(TestSpark.context(), other).batchSize(BATCH).adam(LR)
                    .seed(SEED).truncatedBptt(WINDOW + 1).build()) {
                assertEquals("model file " + checkpoint + ": has 'spark.bptt_window' 4; this run's is 5",
                        assertThrows(dev.panamarnn.io.ModelFileException.class, () -> k5.resume(checkpoint, two)).getMessage());
            }
            assertEquals(u.step(), s.step());
            assertTrue(java.util.Arrays.equals(expected, SparkTrainerTest.weights(stopped)), "continued after maxSteps");
            assertTrue(java.util.Arrays.equals(expected, SparkTrainerTest.weights(resumed)), "resumed from the checkpoint");
        }
    }

    static SparkTrainer.Builder trainer(SequenceModel model) {
        return SparkTrainer.builder(TestSpark.context(), model).batchSize(BATCH).adam(LR).seed(SEED).truncatedBptt(WINDOW);
    }

    @Test
    void truncatedBpttIsRefusedForAPerSequenceModel() {
        try (SequenceModel perSequence = SparkTrainerTest.model()) {
            assertTrue(assertThrows(IllegalArgumentException.class,
                    () -> SparkTrainer.builder(TestSpark.context(), perSequence).truncatedBptt(4)).getMessage().contains("per-step models"));
        }
    }
}
