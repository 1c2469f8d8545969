package dev.panamarnn.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.CellType;
import dev.panamarnn.data.CsvLayout;
import dev.panamarnn.data.SequenceBatch;
import dev.panamarnn.data.SequenceDataset;
import dev.panamarnn.model.SequenceModel;
import dev.panamarnn.train.Adam;
import dev.panamarnn.train.NonFiniteGuard;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The headline: N = 2 workers with local batch b train the model that one process trains with batch
 * 2b made of the same sequences in the same order — bit for bit against the single-process loop
 * that sums the two halves' gradients in the same order, and to float rounding against one
 * accumulateGradients over the whole batch of 2b.
 */
class SparkTrainerTest {
    static final int WORKERS = 2, BATCH = 4, EPOCHS = 2;
    static final long SEED = 11;
    static final double LR = 1e-2;
    static SparkSequences data;

    @BeforeAll
    static void shard() {
        data = SparkSequences.of(TestSpark.frame(TestSpark.rows(18, 5)),
                CsvLayout.id("id").time("t").features("x1", "x2").label("label"), WORKERS);
    }

    @AfterAll
    static void free() {
        data.unpersist();
    }

    static SequenceModel model() {
        return model(0);
    }

    /** The test's 2-layer GRU classifier, with dropout {@code p} between its layers. */
    static SequenceModel model(double p) {
        return SequenceModel.builder().features(2).classify(2).classNames(List.of("down", "up"))
                .cell(CellType.GRU).hidden(8).layers(2).dropout(p).seed(3).build();
    }

    static float[] weights(SequenceModel m) {
        return m.parameters().all().toArray(ValueLayout.JAVA_FLOAT);
    }

    /**
     * The single-process reference: the same batches, each shard's gradient from zero, summed in shard
     * order, EPOCHS epochs of 3 steps (18 sequences in 2 shards of 9: batches of 4, 4 and 1).
     * @return the step losses
     */
    static List<Double> reference(SequenceModel reference, Adam adam, List<SequenceDataset> shards) {
        NonFiniteGuard guard = new NonFiniteGuard(10);
        float[] gradient = new float[weights(reference).length];
        long steps = 0;
        List<Double> losses = new ArrayList<>();
        for (int epoch = 0; epoch < EPOCHS; epoch++) {
            for (int b = 0; b < 3; b++) {
                List<GradientSum.Part> parts = new ArrayList<>();
                for (int w = 0; w < WORKERS; w++) {
                    SequenceBatch batch = WorkerStep.batches(shards.get(w), BATCH, SEED, epoch, w, WORKERS).get(b);
                    parts.add(WorkerStep.compute(reference, null, batch, w, steps, WORKERS).part());
                }
                GradientSum.combine(parts, gradient);
                double loss = GradientSum.loss(parts);
                losses.add(loss);
                SparkTrainer.takeStep(reference, adam, guard, 0, gradient, loss, steps++);
            }
        }
        return losses;
    }

    static List<SequenceDataset> localShards() {
        return localShards(data);
    }

    static List<SequenceDataset> localShards(SparkSequences data) {
        List<List<ShardSequence>> shards = data.shards().glom().collect();
        List<SequenceDataset> out = new ArrayList<>();
        for (List<ShardSequence> s : shards) {
            out.add(SparkSequences.toDataset(s, data.schema()));
        }
        return out;
    }

    @Test
    void twoWorkersEqualOneProcessBitForBit() {
        try (SequenceModel distributed = model(); SequenceModel reference = model();
             SparkTrainer trainer = SparkTrainer.builder(TestSpark.context(), distributed).batchSize(BATCH).adam(LR).seed(SEED).build();
             Adam adam = new Adam(reference.kernels(), reference.parameters(), reference.gradients(), LR)) {
            List<Double> losses = trainer.fit(data, EPOCHS);

            List<Double> referenceLosses = reference(reference, adam, localShards(data));
            long steps = referenceLosses.size();
            assertEquals(steps, trainer.step());
            float[] a = weights(distributed), r = weights(reference);
            System.out.printf("2 workers vs one process (halves summed in order), %d steps: first weights %s vs %s, max |diff| %.3g%n",
                    steps, head(a), head(r), maxDiff(a, r));
            assertEquals(referenceLosses, losses, "the step losses");
            assertTrue(java.util.Arrays.equals(a, r), "bit-identical weights, max |diff| " + maxDiff(a, r));
            assertTrue(maxDiff(a, weights(model())) > 1e-3, "training moved the weights");
            if (Boolean.getBoolean("rnn.native.strict")) {
                assertEquals("native", trainer.timings().getFirst().kernels(), "the executors' kernels");
            }
        }
    }

    @Test
    void twoWorkersMatchOneBatchOfTwiceTheSizeToRounding() {
        try (SequenceModel distributed = model(); SequenceModel single = model();
             SparkTrainer trainer = SparkTrainer.builder(TestSpark.context(), distributed).batchSize(BATCH).adam(LR).seed(SEED).build();
             Adam adam = new Adam(single.kernels(), single.parameters(), single.gradients(), LR)) {
            trainer.fit(data, EPOCHS);
            // one process, batch 2b: the two workers' batches of the step concatenated, one forward/backward, Adam
            List<SequenceDataset> shards = localShards();
            for (int epoch = 0; epoch < EPOCHS; epoch++) {
                for (int b = 0; b < 3; b++) {
                    List<float[][]> inputs = new ArrayList<>();
                    List<Integer> labels = new ArrayList<>();
                    for (int w = 0; w < WORKERS; w++) {
                        SequenceBatch half = WorkerStep.batches(shards.get(w), BATCH, SEED, epoch, w, WORKERS).get(b);
                        for (int row : half.rows()) {
                            inputs.add(shards.get(w).inputs(row));
                            labels.add(shards.get(w).label(row));
                        }
                    }
                    SequenceDataset whole = SequenceDataset.ofSequences(inputs, labels.stream().mapToInt(Integer::intValue).toArray(), 2);
                    single.zeroGradients();
                    single.accumulateGradients(whole.batches(inputs.size(), false, false, 0).getFirst());
                    adam.step();
                }
            }
            float[] a = weights(distributed), s = weights(single);
            double diff = maxDiff(a, s), scale = maxAbs(s);
            System.out.printf("2 workers vs one batch of 2b, %d steps: first weights %s vs %s, max |diff| %.3g (max |w| %.3g)%n",
                    trainer.step(), head(a), head(s), diff, scale);
            // the halves' GEMMs sum the batch rows in another order than one GEMM over 2b rows: float rounding
            // (~1e-7 relative per step), which Adam's m / sqrt(v) passes on to the update of small gradients
            assertTrue(diff <= 1e-4 * Math.max(1, scale), "max |diff| " + diff);
        }
    }

    @Test
    void aModelThatDoesNotFitTheDataIsRefusedOnTheDriver() {
        try (SequenceModel regressor = SequenceModel.builder().features(2).regress(1).hidden(4).build();
             SequenceModel wide = SequenceModel.builder().features(3).classify(2).hidden(4).build();
             SparkTrainer r = SparkTrainer.builder(TestSpark.context(), regressor).build();
             SparkTrainer w = SparkTrainer.builder(TestSpark.context(), wide).build()) {
            assertEquals("the data's targets (CLASS_PER_SEQUENCE) do not fit the model's task (regression, sequence)",
                    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> r.fit(data, 1)).getMessage());
            assertEquals("the model reads 3 features per step, the data has 2",
                    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> w.fit(data, 1)).getMessage());
            assertEquals(0, r.step());
        }
    }

    static String head(float[] v) {
        return java.util.Arrays.toString(java.util.Arrays.copyOf(v, 3));
    }

    static double maxDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    static double maxAbs(float[] a) {
        double m = 0;
        for (float v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }
}
