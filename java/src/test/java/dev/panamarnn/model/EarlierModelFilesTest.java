package dev.panamarnn.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.data.CharVocabulary;
import dev.panamarnn.data.SequenceDataset;
import dev.panamarnn.infer.CharSampler;
import dev.panamarnn.io.SafeTensors;
import dev.panamarnn.io.SafeTensorsFile;
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
 * sequence models: the character model with its characters and the file's parameters, the
 * series forecaster giving PyTorch's forecasts from the same file (scripts/legacy_series_reference.py,
 * fixture legacy/series-forecaster.expected.json), batched and streamed.
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

    /** The one-step forecasts PyTorch computes from the file (scripts/legacy_series_reference.py). */
    private static double[] pyTorchForecasts() throws Exception {
        String json = java.nio.file.Files.readString(resource("series-forecaster.expected.json"));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"one_step_forecasts\": \\[([^\\]]*)\\]").matcher(json);
        if (!m.find()) {
            throw new AssertionError("no one_step_forecasts in the fixture");
        }
        return java.util.Arrays.stream(m.group(1).split(",")).mapToDouble(v -> Double.parseDouble(v.trim())).toArray();
    }

    @Test
    void seriesForecasterLoadsAsPerStepRegressorInTheSeriesUnits() throws Exception {
        Path file = resource("series-forecaster.safetensors");
        double[] history = {40, 55, 61, 48, 30, 22, 35, 70};
        double[] tail = {80, 66, 52};
        try (SequenceModel model = SequenceModelFile.load(file, KernelsForTests.java());
             SafeTensorsFile raw = SafeTensors.read(file)) {
            float mean = Float.parseFloat(raw.metadata().get("series.mean")), std = Float.parseFloat(raw.metadata().get("series.std"));
            assertTrue(model.spec().targetsNormalised(), model.spec().toString());
            assertArrayEquals(new float[] {mean}, model.spec().targetMean());
            assertArrayEquals(new float[] {std}, model.spec().targetStd());
            assertArrayEquals(model.spec().mean(), model.spec().targetMean(), "targets normalised as the input is");
            assertArrayEquals(model.spec().std(), model.spec().targetStd());

            double[] expected = pyTorchForecasts();                      // denormalised next values
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
