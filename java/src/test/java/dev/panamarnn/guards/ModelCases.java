package dev.panamarnn.guards;

import static dev.panamarnn.guards.Guards.expect;
import static dev.panamarnn.guards.Guards.ok;

import dev.panamarnn.CellType;
import dev.panamarnn.data.CharVocabulary;
import dev.panamarnn.data.TextCorpus;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.data.SequenceDataset;
import dev.panamarnn.infer.CharSampler;
import dev.panamarnn.model.SeriesModel;
import dev.panamarnn.model.SeriesTrainer;
import dev.panamarnn.model.SequenceModel;
import dev.panamarnn.train.Adam;
import dev.panamarnn.train.Optimizer;
import java.util.List;

/**
 * The applications on top of the model layer: CharSampler (of models that are not character
 * models, closed models, bad arguments), text read as streams and series read as next values (bad
 * sizes, ids, NaN), SeriesModel, SeriesTrainer — missing arguments, an optimizer of another model,
 * NaN in the data, use after close.
 */
final class ModelCases {
    private ModelCases() {}

    static final String TEXT = "the quick brown fox jumps over the lazy dog. ".repeat(20);
    static final SeriesModel.Config SERIES = new SeriesModel.Config(CellType.LSTM, 6, 1, 5, 10, 2, 12);

    static List<GuardCase> all(Kernels k) {
        return List.of(
            new GuardCase("char sampler of a model that is not a character model", () -> {
                try (SequenceModel classifier = SequenceModel.builder().features(2).classify(3).hidden(4).kernels(k).build();
                     SequenceModel unnamed = SequenceModel.builder().tokens(5, 4).languageModel().hidden(4).kernels(k).build();
                     SequenceModel words = SequenceModel.builder().tokens(2, 4).languageModel().classNames(List.of("the", "a")).hidden(4)
                             .kernels(k).build()) {
                    expect(IllegalArgumentException.class, () -> new CharSampler(null), "model is required");
                    expect(IllegalArgumentException.class, () -> new CharSampler(classifier), "needs a language model", "classification");
                    expect(IllegalArgumentException.class, () -> new CharSampler(unnamed), "its 5 characters", "0 class names");
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
            new GuardCase("series model arguments", () -> {
                expect(IllegalArgumentException.class, () -> new SeriesModel.Config(CellType.LSTM, 6, 1, 5, 10, Double.NaN, 12), "std > 0", "NaN");
                expect(IllegalArgumentException.class, () -> new SeriesModel.Config(CellType.LSTM, 6, 1, 5, 10, Double.POSITIVE_INFINITY, 12),
                        "std", "Infinity");
                expect(IllegalArgumentException.class, () -> new SeriesModel.Config(CellType.LSTM, 6, 1, 5, Double.NaN, 2, 12), "mean", "NaN");
                expect(IllegalArgumentException.class, () -> new SeriesModel(null, k), "config", "null");
                expect(IllegalArgumentException.class, () -> new SeriesModel(SERIES, null), "kernels", "null");
                try (SeriesModel model = new SeriesModel(SERIES, k)) {
                    ok(() -> model.forecast(new double[] {1, 2, 3}, 2));
                    expect(IllegalArgumentException.class, () -> model.forecast(new double[0], 2), "at least one past value and horizon >= 1, got 0 and 2");
                    expect(IllegalArgumentException.class, () -> model.forecast(new double[] {1}, 0), "got 1 and 0");
                    expect(IllegalArgumentException.class, () -> model.forecast(null, 2), "history", "null");
                    expect(IllegalArgumentException.class, () -> model.oneStepForecasts(new double[] {1}, null), "tail", "null");
                    expect(IllegalArgumentException.class, () -> model.forecast(new double[] {1, Double.NaN}, 2), "history[1]", "NaN");
                }
                SeriesModel closed = new SeriesModel(SERIES, k);
                closed.close();
                expect(IllegalStateException.class, () -> closed.forecast(new double[] {1, 2}, 2), "this Rnn is closed");
            }),
            new GuardCase("series trainer mismatched pieces", () -> {
                double[] series = new double[64];
                for (int i = 0; i < series.length; i++) {
                    series[i] = Math.sin(i / 3.0);
                }
                try (SeriesModel model = new SeriesModel(SERIES, k); SeriesModel other = new SeriesModel(SERIES, k);
                     Optimizer own = new Adam(k, model.parameters(), model.gradients(), 0.01);
                     Optimizer foreign = new Adam(k, other.parameters(), other.gradients(), 0.01)) {
                    expect(IllegalArgumentException.class, () -> new SeriesTrainer(model, series, 8, 2, 1.0, foreign, 1), "the optimizer", "another model");
                    expect(IllegalArgumentException.class, () -> new SeriesTrainer(model, null, 8, 2, 1.0, own, 1), "training", "null");
                    expect(IllegalArgumentException.class, () -> new SeriesTrainer(model, series, 0, 2, 1.0, own, 1),
                            "window and batch must be >= 1, got 0 and 2");
                    expect(IllegalArgumentException.class, () -> new SeriesTrainer(model, series, 8, 0, 1.0, own, 1),
                            "window and batch must be >= 1, got 8 and 0");
                    expect(IllegalArgumentException.class, () -> new SeriesTrainer(model, series, 64, 2, 1.0, own, 1),
                            "the training part has 64 values; windows of 64 need at least 65");
                    expect(IllegalArgumentException.class, () -> new SeriesTrainer(model, series, 8, 2, Double.NaN, own, 1), "clipNorm", "NaN");
                    double[] holed = series.clone();
                    holed[10] = Double.NaN;
                    expect(IllegalArgumentException.class, () -> new SeriesTrainer(model, holed, 8, 2, 1.0, own, 1), "training[10]", "NaN");
                    SeriesTrainer trainer = new SeriesTrainer(model, series, 8, 2, 1.0, own, 1);
                    ok(trainer::trainStep);
                    trainer.close();
                    expect(IllegalStateException.class, trainer::trainStep, "this SeriesTrainer is closed");
                }
            })
        );
    }
}
