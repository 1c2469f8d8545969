package dev.panamarnn.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.data.SequenceDataset;
import dev.panamarnn.infer.InferenceModel;
import dev.panamarnn.infer.StreamState;
import dev.panamarnn.kernels.KernelsForTests;
import dev.panamarnn.tensor.Tensor;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Model files written by the special-purpose models before SequenceModel (committed in
 * test resources legacy/, made by `rnn train text` and `rnn train series` of that code) load as
 * sequence models and compute what the old models compute.
 */
class EarlierModelFilesTest {

    static Path resource(String name) throws Exception {
        return Path.of(EarlierModelFilesTest.class.getResource("/legacy/" + name).toURI());
    }

    @Test
    void charLanguageModelLoadsWithItsVocabularyAsTokenNames() throws Exception {
        Path file = resource("char-lm.safetensors");
        try (SequenceModel model = SequenceModelFile.load(file, KernelsForTests.java());
             CharModel old = Checkpoints.loadCharModel(file, KernelsForTests.java())) {
            ModelSpec spec = model.spec();
            assertEquals(Task.LANGUAGE_MODEL, spec.task());
            assertEquals(old.vocabulary().size(), spec.vocabulary());
            assertEquals(String.valueOf((char) old.vocabulary().codePoint(5)), spec.classNames().get(5));
            for (Map.Entry<String, Tensor> p : old.parameters().tensors().entrySet()) {
                assertArrayEquals(p.getValue().toArray(), model.parameters().get(p.getKey()).toArray(), p.getKey());
            }
        }
    }

    @Test
    void seriesForecasterLoadsAsPerStepRegressorInTheSeriesUnits() throws Exception {
        Path file = resource("series-forecaster.safetensors");
        double[] history = {40, 55, 61, 48, 30, 22, 35, 70};
        double[] tail = {80, 66, 52};
        try (SequenceModel model = SequenceModelFile.load(file, KernelsForTests.java());
             SeriesModel series = Checkpoints.loadSeriesModel(file, KernelsForTests.java()).model()) {
            float mean = (float) series.config().mean(), std = (float) series.config().std();
            assertTrue(model.spec().targetsNormalised(), model.spec().toString());
            assertArrayEquals(new float[] {mean}, model.spec().targetMean());
            assertArrayEquals(new float[] {std}, model.spec().targetStd());
            assertArrayEquals(model.spec().mean(), model.spec().targetMean(), "targets normalised as the input is");
            assertArrayEquals(model.spec().std(), model.spec().targetStd());

            double[] expected = series.oneStepForecasts(history, tail);   // denormalised next values
            float[][] steps = new float[history.length + tail.length - 1][1];
            for (int t = 0; t < steps.length; t++) {
                steps[t][0] = (float) (t < history.length ? history[t] : tail[t - history.length]);
            }
            SequenceDataset data = SequenceDataset.ofStepTargets(List.<float[][]>of(steps), List.<float[][]>of(new float[steps.length][1]));
            float[] y = model.predict(data)[0];                          // (T) next values, in the series' units
            for (int i = 0; i < tail.length; i++) {
                double forecast = y[history.length - 1 + i];
                assertEquals(expected[i], forecast, 1e-4 * (1 + Math.abs(expected[i])), "one-step forecast " + i);
            }
            try (InferenceModel served = InferenceModel.of(model);
                 StreamState stream = served.newStream()) {              // streaming gives the same forecasts
                float[] out = new float[1];
                for (int t = 0; t < steps.length; t++) {
                    stream.step(steps[t], out);
                    if (t >= history.length - 1) {
                        int i = t - history.length + 1;
                        assertEquals(expected[i], out[0], 1e-4 * (1 + Math.abs(expected[i])), "streamed forecast " + i);
                    }
                }
            }
        }
    }
}
