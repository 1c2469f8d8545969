package dev.panamarnn.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.panamarnn.data.CharVocabulary;
import dev.panamarnn.data.SequenceDataset;
import dev.panamarnn.infer.CharSampler;
import dev.panamarnn.io.SafeTensors;
import dev.panamarnn.io.SafeTensorsFile;
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
             SafeTensorsFile raw = SafeTensors.read(file);
             CharSampler sampler = new CharSampler(model)) {
            CharVocabulary vocabulary = CharVocabulary.deserialise(raw.metadata().get("vocabulary"));
            ModelSpec spec = model.spec();
            assertEquals(Task.LANGUAGE_MODEL, spec.task());
            assertEquals(vocabulary.characters(), spec.classNames());
            for (Map.Entry<String, Tensor> p : model.parameters().tensors().entrySet()) {
                assertArrayEquals(raw.tensor(p.getKey()).toArray(), p.getValue().toArray(), p.getKey());
            }
            String text = sampler.sample(vocabulary.decode(new int[] {vocabulary.size() - 1}, 0, 1), 40, 0.8, 1);
            assertEquals(41, text.codePointCount(0, text.length()), "it samples over the file's characters");
        }
    }

    @Test
    void seriesForecasterLoadsAsPerStepRegressorInNormalisedUnits() throws Exception {
        Path file = resource("series-forecaster.safetensors");
        double[] history = {40, 55, 61, 48, 30, 22, 35, 70};
        double[] tail = {80, 66, 52};
        try (SequenceModel model = SequenceModelFile.load(file, KernelsForTests.java());
             SeriesModel series = Checkpoints.loadSeriesModel(file, KernelsForTests.java()).model()) {
            double[] expected = series.oneStepForecasts(history, tail);
            double mean = series.config().mean(), std = series.config().std();
            float[][] steps = new float[history.length + tail.length - 1][1];
            for (int t = 0; t < steps.length; t++) {
                steps[t][0] = (float) (t < history.length ? history[t] : tail[t - history.length]);
            }
            SequenceDataset data = SequenceDataset.ofStepTargets(List.<float[][]>of(steps), List.<float[][]>of(new float[steps.length][1]));
            float[] z = model.predict(data)[0];                          // (T) next values, normalised
            for (int i = 0; i < tail.length; i++) {
                double forecast = z[history.length - 1 + i] * std + mean;
                assertEquals(expected[i], forecast, 1e-4 * (1 + Math.abs(expected[i])), "one-step forecast " + i);
            }
        }
    }
}
