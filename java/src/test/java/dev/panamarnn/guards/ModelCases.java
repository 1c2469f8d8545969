package dev.panamarnn.guards;

import static dev.panamarnn.guards.Guards.expect;
import static dev.panamarnn.guards.Guards.ok;

import dev.panamarnn.CellType;
import dev.panamarnn.data.CharVocabulary;
import dev.panamarnn.data.TextCorpus;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.model.CharModel;
import dev.panamarnn.infer.CharSampler;
import dev.panamarnn.model.SeriesModel;
import dev.panamarnn.model.SeriesTrainer;
import dev.panamarnn.model.TextTrainer;
import dev.panamarnn.train.Adam;
import dev.panamarnn.train.Optimizer;
import java.util.List;

/**
 * The models on top of the library: CharModel, CharSampler, TextTrainer, SeriesModel,
 * SeriesTrainer — missing arguments, an optimizer or corpus of another model, NaN in the data,
 * use after close.
 */
final class ModelCases {
    private ModelCases() {}

    static final String TEXT = "the quick brown fox jumps over the lazy dog. ".repeat(20);
    static final CharModel.Config CHAR = new CharModel.Config(CellType.GRU, 4, 8, 1, 0.0, 3);
    static final SeriesModel.Config SERIES = new SeriesModel.Config(CellType.LSTM, 6, 1, 5, 10, 2, 12);

    static List<GuardCase> all(Kernels k) {
        return List.of(
            new GuardCase("char model construction", () -> {
                CharVocabulary vocabulary = CharVocabulary.of(TEXT);
                expect(IllegalArgumentException.class, () -> new CharModel(null, vocabulary, k), "config", "null");
                expect(IllegalArgumentException.class, () -> new CharModel(CHAR, null, k), "vocabulary", "null");
                expect(IllegalArgumentException.class, () -> new CharModel(CHAR, vocabulary, null), "kernels", "null");
                expect(IllegalArgumentException.class, () -> new CharModel.Config(CellType.GRU, 0, 8, 1, 0, 3), "embedding >= 1");
                expect(IllegalArgumentException.class, () -> new CharModel.Config(CellType.GRU, 4, 8, 1, Double.NaN, 3), "dropout", "NaN");
            }),
            new GuardCase("char model use after close", () -> {
                CharModel model = new CharModel(CHAR, CharVocabulary.of(TEXT), k);
                model.close();
                expect(IllegalStateException.class, () -> model.embedding().forward(java.lang.foreign.MemorySegment.ofArray(new float[4]),
                        new int[] {1}, 0, 1), "embedding.", "closed");
                expect(IllegalStateException.class, () -> new CharSampler(model), "closed");
                expect(IllegalStateException.class, () -> new Adam(k, model.parameters(), model.gradients(), 0.1), "closed");
            }),
            new GuardCase("char sampler arguments", () -> {
                try (CharModel model = new CharModel(CHAR, CharVocabulary.of(TEXT), k)) {
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
            new GuardCase("text trainer mismatched pieces", () -> {
                TextCorpus corpus = TextCorpus.of(TEXT, 0.1);
                TextCorpus otherText = TextCorpus.of("abcdefghij".repeat(100), 0.1);
                TextTrainer.Settings settings = new TextTrainer.Settings(2, 8, 1.0, 3);
                try (CharModel model = new CharModel(CHAR, corpus.vocabulary(), k); CharModel other = new CharModel(CHAR, corpus.vocabulary(), k);
                     Optimizer own = new Adam(k, model.parameters(), model.gradients(), 0.01);
                     Optimizer foreign = new Adam(k, other.parameters(), other.gradients(), 0.01)) {
                    expect(IllegalArgumentException.class, () -> new TextTrainer(model, corpus, settings, foreign),
                            "the optimizer", "another model");
                    expect(IllegalArgumentException.class, () -> new TextTrainer(model, otherText, settings, own),
                            "the corpus's vocabulary (10 characters) is not the model's (" + corpus.vocabulary().size() + " characters)");
                    expect(IllegalArgumentException.class, () -> new TextTrainer(model, corpus, null, own), "settings", "null");
                    expect(IllegalArgumentException.class, () -> new TextTrainer.Settings(2, 8, Double.NaN, 3), "clipNorm", "NaN");
                    expect(IllegalArgumentException.class, () -> new TextTrainer.Settings(2, 8, -1, 3), "clipNorm", "-1.0");
                    expect(IllegalArgumentException.class, () -> new TextTrainer.Settings(2, 8, 1, -1), "maxNonFiniteInARow", "-1");
                    expect(IllegalArgumentException.class, () -> new TextTrainer.Settings(0, 8, 1, 3), "batch and window must be >= 1, got 0 and 8");
                    expect(IllegalArgumentException.class, () -> new TextTrainer(model, corpus, new TextTrainer.Settings(64, 64, 1, 3), own),
                            "is too short for 64 streams of windows of 64 characters");
                    TextTrainer trainer = new TextTrainer(model, corpus, settings, own);
                    ok(trainer::trainStep);
                    expect(IllegalArgumentException.class, () -> trainer.resumeAt(-1, 0), "step", "-1");
                    expect(IllegalArgumentException.class, () -> trainer.resumeAt(3, -8), "position", "-8");
                    expect(IllegalArgumentException.class, () -> trainer.resumeAt(3, Integer.MAX_VALUE), "position", "2147483647");
                    trainer.close();
                    expect(IllegalStateException.class, trainer::trainStep, "this TextTrainer is closed");
                    expect(IllegalStateException.class, () -> trainer.validationBitsPerCharacter(1000), "this TextTrainer is closed");
                }
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
