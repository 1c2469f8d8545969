package dev.panamarnn.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.CellType;
import dev.panamarnn.data.SequenceBatch;
import dev.panamarnn.data.SequenceDataset;
import dev.panamarnn.kernels.KernelsForTests;
import dev.panamarnn.io.ModelFileException;
import dev.panamarnn.train.Adam;
import java.nio.file.Path;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Target normalisation of a regressor: model A with it (mean m, std s per output) and model B
 * without, with the same weights, are the same network read in two units — A's outputs are B's
 * times s plus m, A's loss on targets t is B's on (t - m) / s, one optimizer step moves both alike;
 * A's MAE and RMSE are in the targets' units; forData takes the data's target moments; a
 * checkpoint resumes only into a model with target normalisation.
 */
class TargetNormalisationTest {
    static final float[] MEAN = {100f, -3f};       // (K) far from 0 and different per output, so a missing or swapped one shows
    static final float[] STD = {20f, 0.5f};        // (K) far from 1
    static final int K = 2;

    static SequenceModel.Builder builder(OutputMode mode) {
        return SequenceModel.builder().features(3).normalise(new float[] {1f, 0f, -1f}, new float[] {2f, 1f, 0.5f}).regress(K).output(mode)
                .cell(CellType.GRU).hidden(5).layers(2).headHidden(4).seed(11).kernels(KernelsForTests.java());
    }

    /** Sequences of lengths 3..8 (so batches pad), targets t = MEAN + STD * noise, per step or per sequence. */
    static SequenceDataset data(OutputMode mode, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<float[][]> inputs = new ArrayList<>(), stepTargets = new ArrayList<>();
        int n = 10;
        float[][] sequenceTargets = new float[n][];
        for (int i = 0; i < n; i++) {
            int steps = 3 + r.nextInt(6);
            float[][] x = new float[steps][3], y = new float[steps][];
            for (int t = 0; t < steps; t++) {
                for (int f = 0; f < 3; f++) {
                    x[t][f] = (float) r.nextGaussian();
                }
                y[t] = target(r);
            }
            inputs.add(x);
            stepTargets.add(y);
            sequenceTargets[i] = target(r);
        }
        return mode == OutputMode.PER_STEP ? SequenceDataset.ofStepTargets(inputs, stepTargets)
                : SequenceDataset.ofSequences(inputs, sequenceTargets);
    }

    private static float[] target(SplittableRandom r) {
        float[] y = new float[K];
        for (int k = 0; k < K; k++) {
            y[k] = MEAN[k] + STD[k] * (float) r.nextGaussian();
        }
        return y;
    }

    /** The same inputs with targets (t - MEAN) / STD, in the float arithmetic the model normalises with. */
    static SequenceDataset normalisedTargets(SequenceDataset data, OutputMode mode) {
        List<float[][]> inputs = new ArrayList<>(), stepTargets = new ArrayList<>();
        float[][] sequenceTargets = new float[data.size()][];
        for (int i = 0; i < data.size(); i++) {
            inputs.add(data.inputs(i));
            if (mode == OutputMode.PER_STEP) {
                float[][] y = data.stepTargets(i);
                for (float[] step : y) {
                    normalise(step);
                }
                stepTargets.add(y);
            } else {
                sequenceTargets[i] = normalise(data.target(i));
            }
        }
        return mode == OutputMode.PER_STEP ? SequenceDataset.ofStepTargets(inputs, stepTargets)
                : SequenceDataset.ofSequences(inputs, sequenceTargets);
    }

    private static float[] normalise(float[] y) {
        for (int k = 0; k < K; k++) {
            y[k] = (y[k] - MEAN[k]) / STD[k];
        }
        return y;
    }

    static float[] parameters(SequenceModel m) {
        return m.parameters().all().toArray(ValueLayout.JAVA_FLOAT);
    }

    @ParameterizedTest
    @EnumSource(OutputMode.class)
    void outputsAreTheUnnormalisedModelsTimesStdPlusMean(OutputMode mode) {
        SequenceDataset data = data(mode, 1);
        try (SequenceModel a = builder(mode).normaliseTargets(MEAN, STD).build(); SequenceModel b = builder(mode).build()) {
            assertArrayEquals(parameters(b), parameters(a), "same seed, same weights");
            float[][] ya = a.predict(data), yb = b.predict(data);           // per sequence (K) or per step (T_i * K)
            for (int i = 0; i < data.size(); i++) {
                assertEquals(yb[i].length, ya[i].length);
                for (int j = 0; j < ya[i].length; j++) {
                    int k = j % K;
                    float expected = yb[i][j] * STD[k] + MEAN[k];
                    assertEquals(expected, ya[i][j], 1e-6 * (1 + Math.abs(expected)), "sequence " + i + " value " + j);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(OutputMode.class)
    void lossIsInNormalisedUnitsAndOneStepMovesBothModelsAlike(OutputMode mode) {
        SequenceDataset raw = data(mode, 2), normalised = normalisedTargets(raw, mode);
        try (SequenceModel a = builder(mode).normaliseTargets(MEAN, STD).build(); SequenceModel b = builder(mode).build();
             Adam adamA = new Adam(a.kernels(), a.parameters(), a.gradients(), 1e-2);
             Adam adamB = new Adam(b.kernels(), b.parameters(), b.gradients(), 1e-2)) {
            double lossA = a.evaluate(raw).loss(), lossB = b.evaluate(normalised).loss();
            assertEquals(lossB, lossA, 1e-9 * lossB, "evaluate's loss: A on t, B on (t - m) / s");
            assertTrue(lossA < 10, "a loss in normalised units (against the raw targets it would be ~1e4): " + lossA);

            SequenceBatch batchA = raw.batches(raw.size(), false, true, 0).get(0);
            SequenceBatch batchB = normalised.batches(normalised.size(), false, true, 0).get(0);
            a.zeroGradients();
            b.zeroGradients();
            double stepLossA = a.accumulateGradients(batchA), stepLossB = b.accumulateGradients(batchB);
            assertEquals(stepLossB, stepLossA, 1e-9 * stepLossB, "training loss");
            assertArrayEquals(b.gradients().all().toArray(ValueLayout.JAVA_FLOAT), a.gradients().all().toArray(ValueLayout.JAVA_FLOAT),
                    "gradients");
            adamA.step();
            adamB.step();
            float[] pa = parameters(a), pb = parameters(b);
            assertArrayEquals(pb, pa, "parameters after one Adam step");
            assertNotEquals(0, maxAbsDifference(pa, parametersOfAFreshModel(mode)), "the step changed the parameters");
        }
    }

    @Test
    void checkpointsResumeOnlyIntoAModelWithTheSameTargetNormalisation(@TempDir Path dir) throws Exception {
        SequenceDataset data = data(OutputMode.PER_STEP, 4);
        Path checkpoint = dir.resolve("run.safetensors");
        float[] uninterrupted;
        try (SequenceModel a = builder(OutputMode.PER_STEP).normaliseTargets(MEAN, STD).build();
             Trainer trainer = Trainer.builder(a).adam(1e-2).batchSize(4).seed(2).build()) {
            trainer.fit(data, Budget.steps(4));
            trainer.checkpoint(checkpoint);
            trainer.fit(data, Budget.steps(3));
            uninterrupted = parameters(a);
        }
        try (SequenceModel loaded = SequenceModelFile.load(checkpoint, KernelsForTests.java());
             Trainer trainer = Trainer.builder(loaded).adam(1e-2).batchSize(4).seed(2).build()) {
            assertArrayEquals(MEAN, loaded.spec().targetMean());
            trainer.resume(checkpoint);
            trainer.fit(data, Budget.steps(3));
            assertArrayEquals(uninterrupted, parameters(loaded), "resumed run equals the uninterrupted one");
        }
        try (SequenceModel b = builder(OutputMode.PER_STEP).build();
             Trainer trainer = Trainer.builder(b).adam(1e-2).batchSize(4).seed(2).build()) {
            var e = assertThrows(ModelFileException.class, () -> trainer.resume(checkpoint));
            assertTrue(e.getMessage().contains("is a checkpoint of another model"), e.getMessage());
        }
    }

    private static float[] parametersOfAFreshModel(OutputMode mode) {
        try (SequenceModel fresh = builder(mode).build()) {
            return parameters(fresh);
        }
    }

    private static double maxAbsDifference(float[] x, float[] y) {
        double max = 0;
        for (int i = 0; i < x.length; i++) {
            max = Math.max(max, Math.abs(x[i] - y[i]));
        }
        return max;
    }

    @ParameterizedTest
    @EnumSource(OutputMode.class)
    void maeAndRmseAreInTargetUnits(OutputMode mode) {
        SequenceDataset data = data(mode, 3);
        try (SequenceModel a = builder(mode).normaliseTargets(MEAN, STD).build()) {
            float[][] y = a.predict(data);
            double abs = 0, squares = 0;
            long values = 0;
            for (int i = 0; i < data.size(); i++) {
                float[] t = mode == OutputMode.PER_STEP ? flatten(data.stepTargets(i)) : data.target(i);
                for (int j = 0; j < t.length; j++) {
                    double e = y[i][j] - t[j];
                    abs += Math.abs(e);
                    squares += e * e;
                    values++;
                }
            }
            Metrics m = a.evaluate(data);
            assertEquals(abs / values, m.mae(), 1e-9 * (abs / values), "MAE");
            assertEquals(Math.sqrt(squares / values), m.rmse(), 1e-9 * Math.sqrt(squares / values), "RMSE");
            assertTrue(m.rmse() > 1, "RMSE in target units (output 0 has std " + STD[0] + "): " + m.rmse());
            assertTrue(m.lossNormalised() && m.toString().contains("(normalised)"), m.toString());
        }
    }

    private static float[] flatten(float[][] steps) {
        float[] out = new float[steps.length * K];
        for (int t = 0; t < steps.length; t++) {
            System.arraycopy(steps[t], 0, out, t * K, K);
        }
        return out;
    }

    @Test
    void forDataTakesTheTargetMomentsOfRegressionData() {
        List<float[][]> inputs = List.<float[][]>of(new float[][] {{1}, {2}}, new float[][] {{3}, {4}, {5}});
        List<float[][]> targets = List.<float[][]>of(new float[][] {{1, 7}, {2, 7}}, new float[][] {{3, 7}, {4, 7}, {10, 7}});
        SequenceDataset data = SequenceDataset.ofStepTargets(inputs, targets);
        // output 0 over every real step: 1, 2, 3, 4, 10 -> mean 4, population std sqrt((9+4+1+0+36)/5) = sqrt(10)
        assertArrayEquals(new float[] {4f, 7f}, data.targetMean());
        assertArrayEquals(new float[] {(float) Math.sqrt(10), 1f}, data.targetStd(), "a constant target gets std 1");
        try (SequenceModel model = SequenceModel.forData(data).hidden(3).kernels(KernelsForTests.java()).build()) {
            assertTrue(model.spec().targetsNormalised());
            assertArrayEquals(data.targetMean(), model.spec().targetMean());
            assertArrayEquals(data.targetStd(), model.spec().targetStd());
        }
        SequenceDataset perSequence = SequenceDataset.ofSequences(inputs, new float[][] {{2}, {6}});
        assertArrayEquals(new float[] {4f}, perSequence.targetMean());
        assertArrayEquals(new float[] {2f}, perSequence.targetStd());

        SequenceDataset classes = SequenceDataset.ofSequences(inputs, new int[] {0, 1}, 2);
        assertEquals(0, classes.targetMean().length);
        try (SequenceModel model = SequenceModel.forData(classes).hidden(3).kernels(KernelsForTests.java()).build()) {
            assertFalse(model.spec().targetsNormalised());
            assertNull(model.spec().targetMean());
        }
    }

    @Test
    void specRefusesTargetNormalisationItCannotUse() {
        var e = assertThrows(IllegalArgumentException.class, () -> SequenceModel.builder().features(2).classify(3)
                .normaliseTargets(new float[3], new float[] {1, 1, 1}).spec());
        assertTrue(e.getMessage().contains("for regression, not classification"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> builder(OutputMode.SEQUENCE).normaliseTargets(new float[1], new float[1]).spec());
        assertTrue(e.getMessage().contains("needs 2 means and stds (one per output), got 1 and 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> builder(OutputMode.SEQUENCE).normaliseTargets(new float[2], null).spec());
        assertTrue(e.getMessage().contains("both"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> builder(OutputMode.SEQUENCE).normaliseTargets(new float[2], new float[] {1, 0}).spec());
        assertTrue(e.getMessage().contains("output 1 needs a finite target mean and a finite target std > 0, got mean 0.0, std 0.0"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> builder(OutputMode.SEQUENCE)
                .normaliseTargets(new float[] {Float.NaN, 0}, new float[] {1, 1}).spec());
        assertTrue(e.getMessage().contains("output 0"), e.getMessage());
    }

    @Test
    void specKeepsItsOwnCopiesAndComparesTheValues() {
        float[] mean = MEAN.clone(), std = STD.clone();
        ModelSpec spec = builder(OutputMode.SEQUENCE).normaliseTargets(mean, std).spec();
        mean[0] = 0;
        spec.targetStd()[1] = 9;
        assertArrayEquals(MEAN, spec.targetMean());
        assertArrayEquals(STD, spec.targetStd());
        assertEquals(spec, builder(OutputMode.SEQUENCE).normaliseTargets(MEAN.clone(), STD.clone()).spec());
        assertEquals(spec.hashCode(), builder(OutputMode.SEQUENCE).normaliseTargets(MEAN.clone(), STD.clone()).spec().hashCode());
        assertNotEquals(spec, builder(OutputMode.SEQUENCE).normaliseTargets(MEAN, new float[] {20f, 0.25f}).spec());
        assertNotEquals(spec, spec.withTargetNormalisation(null, null));
        assertEquals(builder(OutputMode.SEQUENCE).spec(), spec.withTargetNormalisation(null, null));
        assertTrue(spec.toString().contains("targets normalised"), spec.toString());
    }
}
