package dev.panamarnn.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.CellType;
import dev.panamarnn.data.SequenceDataset;
import dev.panamarnn.kernels.KernelsForTests;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Trainer end to end on small learnable tasks: it learns (accuracy and error far better than
 * chance), a checkpointed and resumed run ends with the uninterrupted run's parameters bit for
 * bit, early stopping stops and restores the best epoch, and data that does not fit the model is
 * refused with the difference named.
 */
class TrainerTest {

    /** Variable-length sequences of 2 features; the class is whether the first feature sums above 0. */
    static SequenceDataset signOfSum(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<float[][]> inputs = new ArrayList<>();
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            float[][] x = new float[3 + r.nextInt(8)][2];
            double sum = 0;
            for (float[] step : x) {
                step[0] = (float) r.nextGaussian();
                step[1] = (float) r.nextGaussian();
                sum += step[0];
            }
            inputs.add(x);
            labels[i] = sum > 0 ? 1 : 0;
        }
        return SequenceDataset.ofSequences(inputs, labels, 2);
    }

    @ParameterizedTest
    @EnumSource(value = CellType.class, names = {"GRU", "GRU_RESET_BEFORE"})
    void learnsToClassifyVariableLengthSequences(CellType cell) {
        SequenceDataset data = signOfSum(600, 1);
        SequenceDataset.Split split = data.split(0.25, 2);
        try (SequenceModel model = SequenceModel.forData(split.train()).cell(cell).hidden(16).seed(3)
                     .kernels(KernelsForTests.java()).build();
             Trainer trainer = Trainer.builder(model).adam(1e-2).batchSize(32).validation(split.validation()).build()) {
            double before = model.evaluate(split.validation()).accuracy();
            TrainingResult result = trainer.fit(split.train(), Budget.epochs(12));
            Metrics after = model.evaluate(split.validation());
            assertEquals(12, result.epochs());
            assertEquals(12, result.validation().size());
            assertTrue(after.accuracy() > 0.9, "validation accuracy " + after.accuracy() + " (before training " + before + ")");
            assertTrue(result.trainLoss().get(11) < result.trainLoss().get(0), "training loss fell: " + result.trainLoss());
        }
    }

    @Test
    void learnsToRegressPerStep() {
        // per-step target: the running mean of the single feature so far
        SplittableRandom r = new SplittableRandom(5);
        List<float[][]> inputs = new ArrayList<>();
        List<float[][]> targets = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            int t = 4 + r.nextInt(6);
            float[][] x = new float[t][1], y = new float[t][1];
            double sum = 0;
            for (int s = 0; s < t; s++) {
                x[s][0] = (float) r.nextGaussian();
                sum += x[s][0];
                y[s][0] = (float) (sum / (s + 1));
            }
            inputs.add(x);
            targets.add(y);
        }
        SequenceDataset data = SequenceDataset.ofStepTargets(inputs, targets);
        try (SequenceModel model = SequenceModel.forData(data).cell(CellType.LSTM).hidden(16).seed(4).kernels(KernelsForTests.java()).build();
             Trainer trainer = Trainer.builder(model).adam(1e-2).batchSize(16).build()) {
            double before = model.evaluate(data).rmse();
            trainer.fit(data, Budget.epochs(15));
            double after = model.evaluate(data).rmse();
            assertTrue(after < 0.35 * before, "per-step RMSE " + after + ", before training " + before);
        }
    }

    /** With dropout too: a step's masks come from the model's seed and the step number, so the resumed run draws the same ones. */
    @ParameterizedTest
    @ValueSource(doubles = {0, 0.3})
    void resumedRunEqualsUninterruptedRun(double dropout, @TempDir Path dir) throws Exception {
        SequenceDataset data = signOfSum(100, 7);
        float[] uninterrupted;
        try (SequenceModel model = stacked(data, dropout); Trainer trainer = Trainer.builder(model).adam(5e-3).batchSize(16).seed(9).build()) {
            trainer.fit(data, Budget.steps(17));                       // 7 batches an epoch: stops inside epoch 3
            uninterrupted = model.parameters().get("rnn.weight_hh_l0").toArray();
            trainer.fit(data, Budget.steps(10));
            uninterrupted = concat(uninterrupted, model.parameters().get("head.weight").toArray(), model.parameters().get("rnn.weight_hh_l0").toArray());
        }
        Path checkpoint = dir.resolve("run.safetensors");
        float[] resumed;
        try (SequenceModel model = stacked(data, dropout); Trainer trainer = Trainer.builder(model).adam(5e-3).batchSize(16).seed(9).build()) {
            trainer.fit(data, Budget.steps(17));
            trainer.checkpoint(checkpoint);
            resumed = model.parameters().get("rnn.weight_hh_l0").toArray();
        }
        try (SequenceModel model = SequenceModelFile.load(checkpoint, KernelsForTests.java());
             Trainer trainer = Trainer.builder(model).adam(5e-3).batchSize(16).seed(9).build()) {
            trainer.resume(checkpoint);
            assertEquals(17, trainer.step());
            trainer.fit(data, Budget.steps(10));
            resumed = concat(resumed, model.parameters().get("head.weight").toArray(), model.parameters().get("rnn.weight_hh_l0").toArray());
        }
        assertArrayEquals(uninterrupted, resumed, "resumed run's parameters equal the uninterrupted run's, bit for bit");
    }

    @Test
    void earlyStoppingRestoresTheBestEpoch() {
        SequenceDataset data = signOfSum(120, 11);
        SequenceDataset.Split split = data.split(0.5, 1);
        // a rate so high that validation loss does not keep improving
        try (SequenceModel model = small(split.train());
             Trainer trainer = Trainer.builder(model).sgd(5.0, 0.9).clipNorm(0).batchSize(8).validation(split.validation())
                     .earlyStopping(2).build()) {
            TrainingResult result = trainer.fit(split.train(), Budget.epochs(40));
            assertEquals("early stopping", result.reason());
            assertTrue(result.epochs() < 40);
            double restored = model.evaluate(split.validation()).loss();
            assertEquals(result.best().loss(), restored, 1e-9, "the best epoch's weights are back");
        }
    }

    @Test
    void dataThatDoesNotFitIsRefusedByName() {
        SequenceDataset twoFeatures = signOfSum(10, 1);
        try (SequenceModel model = SequenceModel.builder().features(3).classify(2).hidden(4).kernels(KernelsForTests.java()).build();
             Trainer trainer = Trainer.builder(model).build()) {
            var e = assertThrows(IllegalArgumentException.class, () -> trainer.fit(twoFeatures, Budget.epochs(1)));
            assertTrue(e.getMessage().contains("3 features") && e.getMessage().contains("has 2"), e.getMessage());
        }
        try (SequenceModel model = SequenceModel.builder().features(2).regress(1).hidden(4).kernels(KernelsForTests.java()).build();
             Trainer trainer = Trainer.builder(model).build()) {
            var e = assertThrows(IllegalArgumentException.class, () -> trainer.fit(twoFeatures, Budget.epochs(1)));
            assertTrue(e.getMessage().contains("VALUES_PER_SEQUENCE"), e.getMessage());
        }
    }

    @Test
    void learnsALanguageModelInBitsPerToken() {
        // a corpus with structure: "abcab cabca ..." cycles, so the next token is predictable
        int[] tokens = new int[4000];
        SplittableRandom r = new SplittableRandom(8);
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = r.nextInt(10) == 0 ? 3 : i % 3;                  // 3 symbols in a cycle, a rare fourth
        }
        SequenceDataset data = SequenceDataset.languageModel(tokens, 4, 20);
        try (SequenceModel model = SequenceModel.forData(data).languageModel().embedding(8).cell(CellType.LSTM).hidden(16).seed(2)
                     .kernels(KernelsForTests.java()).build();
             Trainer trainer = Trainer.builder(model).adam(1e-2).batchSize(16).build()) {
            assertEquals(Task.LANGUAGE_MODEL, model.spec().task());
            double before = model.evaluate(data).bitsPerToken();
            trainer.fit(data, Budget.epochs(8));
            Metrics after = model.evaluate(data);
            assertTrue(before > 1.5, "untrained: about log2(4) = 2 bits, got " + before);
            assertTrue(after.bitsPerToken() < 0.9, "trained: " + after);
            assertEquals(after.loss() / Math.log(2), after.bitsPerToken(), 1e-12);
        }
    }

    @Test
    void predictDoesNotReadTargetsOfAnotherKind() {
        SequenceDataset labelled = signOfSum(12, 3);                         // per-sequence labels
        List<float[][]> inputs = new ArrayList<>();
        for (int i = 0; i < labelled.size(); i++) {
            inputs.add(labelled.inputs(i));
        }
        try (SequenceModel model = SequenceModel.builder().features(2).regress(3).output(OutputMode.PER_STEP).hidden(4)
                .kernels(KernelsForTests.java()).build()) {
            float[][] fromLabelled = model.predict(labelled);
            float[][] fromInputs = model.predict(SequenceDataset.ofInputs(inputs));
            for (int i = 0; i < fromInputs.length; i++) {
                assertArrayEquals(fromInputs[i], fromLabelled[i], "sequence " + i);
                assertEquals(labelled.length(i) * 3, fromLabelled[i].length);
            }
        }
    }

    /** Two layers with {@code dropout} between them (one layer without). */
    static SequenceModel stacked(SequenceDataset data, double dropout) {
        return SequenceModel.forData(data).cell(CellType.LSTM).hidden(8).layers(dropout > 0 ? 2 : 1).dropout(dropout).seed(21)
                .kernels(KernelsForTests.java()).build();
    }

    static SequenceModel small(SequenceDataset data) {
        return SequenceModel.forData(data).cell(CellType.LSTM).hidden(8).seed(21).kernels(KernelsForTests.java()).build();
    }

    static float[] concat(float[]... parts) {
        int n = 0;
        for (float[] p : parts) {
            n += p.length;
        }
        float[] out = new float[n];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
