package dev.panamarnn.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.CellType;
import dev.panamarnn.data.SequenceBatch;
import dev.panamarnn.data.SequenceDataset;
import dev.panamarnn.kernels.KernelsForTests;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Truncated BPTT windows: the carried state makes each window's outputs those of the whole
 * sequence at the same steps (rows of different lengths, one ending before the last window); a
 * window as long as the batch is the untruncated step bit for bit; a long series is learned;
 * models it cannot apply to are refused.
 */
class BpttWindowsTest {

    static SequenceDataset runningMean(int n, int minLength, int maxLength, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<float[][]> inputs = new ArrayList<>();
        List<float[][]> targets = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int t = minLength + r.nextInt(maxLength - minLength + 1);
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
        return SequenceDataset.ofStepTargets(inputs, targets);
    }

    @Test
    void windowsContinueTheWholeSequence() {
        SequenceDataset data = runningMean(3, 5, 11, 1);
        SequenceBatch batch = data.batches(3, false, false, 0).get(0);          // lengths in [5, 11]
        for (CellType cell : new CellType[] {CellType.LSTM, CellType.GRU, CellType.RNN_TANH}) {
            try (SequenceModel model = SequenceModel.forData(data).cell(cell).hidden(6).layers(2).kernels(KernelsForTests.java()).build();
                 BpttWindows windows = new BpttWindows(model, 4, batch.batch())) {
                float[][] whole = model.predict(data);                           // (T_i) per row
                for (int w = 0; w < windows.count(batch); w++) {
                    windows.accumulate(model, batch, w);
                    int from = w * 4, steps = Math.min(4, batch.steps() - from);
                    var y = model.pass(steps, batch.batch()).predictions();       // (steps*B, 1) in target units, as predict
                    for (int t = 0; t < steps; t++) {
                        for (int b = 0; b < batch.batch(); b++) {
                            int row = batch.rows()[b];
                            if (from + t < data.length(row)) {
                                assertEquals(whole[row][from + t], y.getAtIndex(ValueLayout.JAVA_FLOAT, (long) t * batch.batch() + b), 1e-5,
                                        cell + " window " + w + " step " + t + " row " + row);
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * The public part a data-parallel worker uses: window 1 computed in another BpttWindows (another
     * process) from the floats carried() gave after window 0 has the gradient and carried state of
     * window 1 computed in the same one, bit for bit; bad sizes and models are refused by name.
     */
    @Test
    void theCarriedStateMovesBetweenWindowObjectsAsFloats() {
        SequenceDataset data = runningMean(3, 9, 11, 4);
        SequenceBatch batch = data.batches(3, false, false, 0).get(0);
        try (SequenceModel model = SequenceModel.forData(data).cell(CellType.LSTM).hidden(5).layers(2).seed(6).build();
             BpttWindows first = BpttWindows.of(model, 4, batch.batch());
             BpttWindows second = BpttWindows.of(model, 4, batch.batch())) {
            assertEquals(3, first.count(batch));
            assertEquals(2 * 2 * 3 * 5, first.carried().length, "h and c, (L, B, H) each");
            model.zeroGradients();
            first.accumulateGradients(model, batch, 0);
            float[] carried = first.carried();
            model.zeroGradients();
            double loss = first.accumulateGradients(model, batch, 1);
            float[] gradient = model.gradients().all().toArray(ValueLayout.JAVA_FLOAT);
            second.carry(carried);
            model.zeroGradients();
            assertEquals(loss, second.accumulateGradients(model, batch, 1));
            assertArrayEquals(gradient, model.gradients().all().toArray(ValueLayout.JAVA_FLOAT));
            assertArrayEquals(first.carried(), second.carried());

            assertEquals("the carried state must hold 60 floats (h and c, (L, B, H) each), got 59",
                    assertThrows(IllegalArgumentException.class, () -> second.carry(new float[59])).getMessage());
            assertEquals("expected a batch of 3 rows and a window in [0, ceil(T / 4)), got 3 rows of T = " + batch.steps() + " and window 3",
                    assertThrows(IllegalArgumentException.class, () -> second.accumulateGradients(model, batch, 3)).getMessage());
        }
        try (SequenceModel perSequence = SequenceModel.builder().features(1).regress(1).hidden(3).build()) {
            assertTrue(assertThrows(IllegalArgumentException.class, () -> BpttWindows.of(perSequence, 4, 2)).getMessage()
                    .contains("per-step models"));
        }
    }

    @Test
    void aWindowAsLongAsTheBatchIsTheWholeStep() {
        SequenceDataset data = runningMean(40, 6, 9, 2);
        float[] plain, windowed;
        try (SequenceModel model = SequenceModel.forData(data).hidden(5).seed(3).kernels(KernelsForTests.java()).build();
             Trainer trainer = Trainer.builder(model).batchSize(8).build()) {
            trainer.fit(data, Budget.epochs(2));
            plain = model.parameters().all().toArray(ValueLayout.JAVA_FLOAT);
        }
        try (SequenceModel model = SequenceModel.forData(data).hidden(5).seed(3).kernels(KernelsForTests.java()).build();
             Trainer trainer = Trainer.builder(model).batchSize(8).truncatedBptt(9).build()) {
            trainer.fit(data, Budget.epochs(2));
            windowed = model.parameters().all().toArray(ValueLayout.JAVA_FLOAT);
        }
        assertArrayEquals(plain, windowed);
    }

    @Test
    void learnsALongSeriesInWindows() {
        SequenceDataset data = runningMean(60, 60, 80, 4);
        // raw targets, the learning curve the threshold below was set on: these running means have mean ~0
        // and std ~0.29, and normalised (3.5 times larger) the same Adam rate takes more epochs to halve the RMSE
        try (SequenceModel model = SequenceModel.forData(data).normaliseTargets(null, null).cell(CellType.GRU).hidden(16).seed(5)
                .kernels(KernelsForTests.java()).build();
             Trainer trainer = Trainer.builder(model).adam(1e-2).batchSize(12).truncatedBptt(10).build()) {
            double before = model.evaluate(data).rmse();
            TrainingResult result = trainer.fit(data, Budget.epochs(6));
            double after = model.evaluate(data).rmse();
            long windows = 0;
            for (int epoch = 0; epoch < 6; epoch++) {
                for (SequenceBatch b : data.batches(12, true, true, epoch)) {       // the trainer's batches: seed 0 + epoch
                    windows += (b.steps() + 9) / 10;
                }
            }
            assertEquals(windows, result.steps(), "every window of every batch is one optimizer step");
            assertTrue(windows > 6 * 5 * 6, "the batches were split (T > 60): " + windows + " windows");
            assertTrue(after < 0.5 * before, "RMSE " + after + " after, " + before + " before");
        }
    }

    @Test
    void refusedWhereItCannotApply() {
        try (SequenceModel model = SequenceModel.builder().features(1).classify(2).hidden(4).kernels(KernelsForTests.java()).build()) {
            var e = assertThrows(IllegalArgumentException.class, () -> Trainer.builder(model).truncatedBptt(5).build());
            assertTrue(e.getMessage().contains("per-step models"), e.getMessage());
        }
        try (SequenceModel model = SequenceModel.builder().features(1).regress(1).output(OutputMode.PER_STEP).bidirectional(true).hidden(4)
                .kernels(KernelsForTests.java()).build()) {
            var e = assertThrows(IllegalArgumentException.class, () -> Trainer.builder(model).truncatedBptt(5).build());
            assertTrue(e.getMessage().contains("bidirectional"), e.getMessage());
        }
    }
}
