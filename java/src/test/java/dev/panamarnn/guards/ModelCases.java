package dev.panamarnn.guards;

import static dev.panamarnn.guards.Guards.check;
import static dev.panamarnn.guards.Guards.expect;
import static dev.panamarnn.guards.Guards.ok;

import dev.panamarnn.CellType;
import dev.panamarnn.data.CharVocabulary;
import dev.panamarnn.data.TextCorpus;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.data.SequenceDataset;
import dev.panamarnn.infer.CharSampler;
import dev.panamarnn.infer.Forecaster;
import dev.panamarnn.model.OutputMode;
import dev.panamarnn.model.SequenceModel;
import java.util.List;

/**
 * The applications on top of the model layer: CharSampler (of models that are not character
 * models, closed models, bad arguments), text read as streams and series read as next values (bad
 * sizes, ids, NaN), Forecaster — models it cannot use, bad normalisation, missing
 * or NaN history, use after close.
 */
final class ModelCases {
    private ModelCases() {}

    static final String TEXT = "the quick brown fox jumps over the lazy dog. ".repeat(20);

    static List<GuardCase> all(Kernels k) {
        return List.of(
            new GuardCase("char sampler of a model that is not a character model", () -> {
                try (SequenceModel classifier = SequenceModel.builder().features(2).classify(3).hidden(4).kernels(k).build();
                     SequenceModel unnamed = SequenceModel.builder().tokens(5, 4).languageModel().hidden(4).kernels(k).build();
                     SequenceModel words = SequenceModel.builder().tokens(2, 4).languageModel().classNames(List.of("the", "a")).hidden(4)
                             .kernels(k).build()) {
                    expect(IllegalArgumentException.class, () -> new CharSampler(null), "model is required");
                    expect(IllegalArgumentException.class, () -> new CharSampler(classifier), "not a character language model", "classification");
                    expect(IllegalArgumentException.class, () -> new CharSampler(unnamed), "its 5 tokens", "0 class names");
                    expect(IllegalArgumentException.class, () -> new CharSampler(words), "class name 0", "not one character");
                }
                SequenceModel closed = CharSampler.languageModel(CharVocabulary.of(TEXT), 4).cell(CellType.GRU).hidden(8).kernels(k).build();
                closed.close();
                expect(IllegalStateException.class, () -> new CharSampler(closed), "closed");
            }),
            new GuardCase("char sampler arguments", () -> {
                try (SequenceModel model = CharSampler.languageModel(CharVocabulary.of(TEXT), 4).cell(CellType.GRU).hidden(8).kernels(k).build()) {
                    CharSampler sampler = new CharSampler(model);
                    ok(() -> sampler.sample("the", 5, 1.0, 1));
                    expect(IllegalArgumentException.class, () -> sampler.sample("", 5, 1.0, 1), "the prime text must have at least one character");
                    expect(IllegalArgumentException.class, () -> sampler.sample(null, 5, 1.0, 1), "the prime text must have at least one character");
                    expect(IllegalArgumentException.class, () -> sampler.sample("the", -1, 1.0, 1), "need temperature >= 0 and length >= 0, got 1.0 and -1");
                    expect(IllegalArgumentException.class, () -> sampler.sample("the", 5, Double.NaN, 1), "got NaN");
                    expect(IllegalArgumentException.class, () -> sampler.sample("the", 5, -0.5, 1), "got -0.5");
                    expect(IllegalArgumentException.class, () -> sampler.sample("THE", 5, 1.0, 1), "character 'T' (U+54) at position 0 is not in the vocabulary");
                    sampler.close();
                    expect(IllegalStateException.class, () -> sampler.sample("the", 5, 1.0, 1), "closed");
                }
            }),
            new GuardCase("model parameters set by name", () -> {
                try (SequenceModel model = SequenceModel.builder().features(2).classify(3).hidden(4).kernels(k).build()) {
                    float[] bias = model.parameters().get("head.bias").toArray();
                    ok(() -> model.setParameter("head.bias", new float[] {0.5f, -0.5f, 0f}));
                    check(model.parameters().get("head.bias").get(0) == 0.5f, "setParameter copies the values");
                    expect(IllegalArgumentException.class, () -> model.setParameter("head.bias", new float[] {1f, Float.NaN, 2f}),
                            "parameter 'head.bias' element 1 is NaN; parameters must be finite");
                    expect(IllegalArgumentException.class, () -> model.setParameter("rnn.weight_hh_l0", new float[3]),
                            "expected 64 values for shape [16, 4], got 3");
                    expect(IllegalArgumentException.class, () -> model.setParameter("weight_hh_l0", bias), "has no tensor 'weight_hh_l0'");
                    check(model.parameters().get("head.bias").get(1) == -0.5f, "a refused parameter changes nothing");
                    model.close();
                    expect(IllegalStateException.class, () -> model.setParameter("head.bias", bias), "this SequenceModel is closed");
                }
                expect(IllegalArgumentException.class, () -> SequenceModel.builder().features(1).normalise(new float[] {1e38f}, new float[] {1f})
                        .classify(2).kernels(k).build(), "feature 0 has mean 1.0E38, std 1.0", "|mean| <= 2^100");
                expect(IllegalArgumentException.class, () -> SequenceModel.builder().features(1).regress(1)
                        .normaliseTargets(new float[] {0f}, new float[] {1e-40f}).kernels(k).build(), "output 0 has target mean 0.0, std 1.0E-40");
            }),
            new GuardCase("text read as streams", () -> {
                int[] tokens = TextCorpus.of(TEXT, 0.1).tokens();
                expect(IllegalArgumentException.class, () -> SequenceDataset.languageModelStreams(tokens, 30, 0), "streams", "0");
                expect(IllegalArgumentException.class, () -> SequenceDataset.languageModelStreams(null, 30, 2), "tokens");
                expect(IllegalArgumentException.class, () -> SequenceDataset.languageModelStreams(new int[] {1, 2, 3}, 30, 4),
                        "needs at least 5 tokens, got 3");
                expect(IllegalArgumentException.class, () -> SequenceDataset.languageModelStreams(new int[] {1, 40, 3}, 30, 1),
                        "token 1 is 40, outside the vocabulary [0, 30)");
                expect(IllegalArgumentException.class, () -> SequenceDataset.nextValues(new double[] {1, 2}, 2), "needs at least 3 values, got 2");
                expect(IllegalArgumentException.class, () -> SequenceDataset.nextValues(new double[] {1, Double.NaN, 3}, 1), "series value 1", "NaN");
            }),
            new GuardCase("forecaster arguments", () -> {
                expect(IllegalArgumentException.class, () -> new Forecaster(null), "model is required");
                try (SequenceModel classifier = SequenceModel.builder().features(1).classify(2).hidden(4).kernels(k).build();
                     SequenceModel two = SequenceModel.builder().features(2).regress(1).output(OutputMode.PER_STEP).hidden(4).kernels(k).build()) {
                    expect(IllegalArgumentException.class, () -> new Forecaster(classifier), "one feature regressing one value per step",
                            "classification");
                    expect(IllegalArgumentException.class, () -> new Forecaster(two), "reads 2 feature(s)");
                }
                expect(IllegalArgumentException.class, () -> Forecaster.model(10, 0).build(), "std", "0.0");
                expect(IllegalArgumentException.class, () -> Forecaster.model(Double.NaN, 2).build(), "mean", "NaN");
                try (SequenceModel model = Forecaster.model(10, 2).cell(CellType.LSTM).hidden(6).seed(5).kernels(k).build()) {
                    Forecaster forecaster = new Forecaster(model);
                    ok(() -> forecaster.forecast(new double[] {1, 2, 3}, 2));
                    expect(IllegalArgumentException.class, () -> forecaster.forecast(new double[0], 2), "at least one past value and horizon >= 1, got 0 and 2");
                    expect(IllegalArgumentException.class, () -> forecaster.forecast(new double[] {1}, 0), "got 1 and 0");
                    expect(IllegalArgumentException.class, () -> forecaster.forecast(null, 2), "history", "null");
                    expect(IllegalArgumentException.class, () -> forecaster.oneStepForecasts(new double[] {1}, null), "tail", "null");
                    expect(IllegalArgumentException.class, () -> forecaster.forecast(new double[] {1, Double.NaN}, 2), "history[1]", "NaN");
                    forecaster.close();
                    expect(IllegalStateException.class, () -> forecaster.forecast(new double[] {1, 2}, 2), "closed");
                }
                SequenceModel closed = Forecaster.model(10, 2).hidden(4).kernels(k).build();
                closed.close();
                expect(IllegalStateException.class, () -> new Forecaster(closed), "closed");
            })
        );
    }
}
