package dev.panamarnn.model;

import dev.panamarnn.RnnConfig;
import dev.panamarnn.data.CharVocabulary;
import dev.panamarnn.io.ModelFile;
import dev.panamarnn.io.ModelFileException;
import dev.panamarnn.io.SafeTensors;
import dev.panamarnn.io.SafeTensorsFile;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.tensor.Slab;
import dev.panamarnn.tensor.Tensor;
import dev.panamarnn.train.Optimizer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Model files of the composite models (safetensors, written atomically): the parameters under
 * their module names ("embedding.weight", "rnn.weight_ih_l0", "head.weight", ...), the
 * architecture and what the model needs to be used (vocabulary, normalisation) in the metadata,
 * and for training checkpoints the optimizer state ("optimizer.<slot>.<parameter>") and the step.
 */
public final class Checkpoints {
    public static final String KIND = "panama_rnn.kind";
    static final String CHAR_LM = "char-lm";
    static final String SERIES = "series-forecaster";

    private Checkpoints() {}

    /** Writes a char model with its optimizer state and the trainer's position (for exact resume). */
    public static void saveCharModel(Path file, CharModel model, Optimizer optimizer, TextTrainer trainer) throws ModelFileException {
        Map<String, String> extra = new LinkedHashMap<>();
        extra.put(KIND, CHAR_LM);
        extra.put("embedding_dim", Integer.toString(model.config().embedding()));
        extra.put("vocabulary", model.vocabulary().serialise());
        extra.put("seed", Long.toString(model.config().seed()));
        Map<String, Tensor> tensors = new LinkedHashMap<>(model.parameters().tensors());
        if (trainer != null) {
            extra.put("train.step", Long.toString(trainer.step()));
            extra.put("train.position", Integer.toString(trainer.position()));
            tensors.putAll(trainer.carriedState());
        }
        if (optimizer != null) {
            extra.put("optimizer.step", Long.toString(optimizer.stepCount()));
            extra.put("optimizer.name", optimizer.name());
            for (String slot : optimizer.stateNames()) {
                for (Map.Entry<String, Tensor> t : optimizer.state(slot).tensors().entrySet()) {
                    tensors.put("optimizer." + slot + "." + t.getKey(), t.getValue());
                }
            }
        }
        SafeTensors.write(file, tensors, ModelFile.metadata(model.rnn().config(), CharModel.RNN, extra));
    }

    /** Reads a char model (parameters only) on {@code kernels}. */
    public static CharModel loadCharModel(Path file, Kernels kernels) throws ModelFileException {
        try (SafeTensorsFile f = SafeTensors.read(file)) {
            expectKind(f, CHAR_LM);
            RnnConfig rnn = ModelFile.config(f, CharModel.RNN);
            CharVocabulary vocabulary;
            try {
                vocabulary = CharVocabulary.deserialise(Metadata.required(f, "vocabulary"));
            } catch (IllegalArgumentException e) {
                throw new ModelFileException(file, "metadata 'vocabulary' is invalid: " + e.getMessage());
            }
            int embedding = Metadata.positive(f, "embedding_dim");
            if (embedding != rnn.inputSize()) {
                throw new ModelFileException(file, "embedding_dim " + embedding + " differs from rnn input_size " + rnn.inputSize());
            }
            CharModel.Config config = new CharModel.Config(rnn.cell(), embedding, rnn.hiddenSize(), rnn.numLayers(), rnn.dropout(),
                    Metadata.longValue(f, "seed", 0));
            CharModel model = new CharModel(config, vocabulary, kernels);
            try {
                copyAll(f, model.parameters());
                return model;
            } catch (ModelFileException | RuntimeException e) {
                model.close();
                throw e;
            }
        }
    }

    /**
     * Restores the optimizer state, the trainer's position and the state carried between windows
     * saved by {@link #saveCharModel}: continuing gives the losses the uninterrupted run would have
     * (with dropout 0; the dropout masks' random stream is not saved).
     */
    public static void restoreTraining(Path file, Optimizer optimizer, TextTrainer trainer) throws ModelFileException {
        try (SafeTensorsFile f = SafeTensors.read(file)) {
            String saved = f.metadata().get("optimizer.name");
            if (!optimizer.name().equals(saved)) {
                throw new ModelFileException(file, "holds the state of optimizer '" + saved + "', not " + optimizer.name());
            }
            Map<String, Tensor> state = new LinkedHashMap<>();
            for (String slot : optimizer.stateNames()) {
                for (Map.Entry<String, Tensor> t : optimizer.state(slot).tensors().entrySet()) {
                    state.put("optimizer." + slot + "." + t.getKey(), t.getValue());
                }
            }
            state.putAll(trainer.carriedState());
            long optimizerSteps = Metadata.longValue(f, "optimizer.step", 0);
            long trainerSteps = Metadata.longValue(f, "train.step", 0);
            long position = Metadata.longValue(f, "train.position", 0);
            // all or nothing: the counters are checked (by setting them) before any tensor is
            // copied, and put back if the copy fails, so a bad file leaves the run as it was
            long previousOptimizerSteps = optimizer.stepCount();
            long previousTrainerSteps = trainer.step();
            int previousPosition = trainer.position();
            try {
                if (position != (int) position) {
                    throw new IllegalArgumentException("position " + position + " does not fit an int");
                }
                trainer.resumeAt(trainerSteps, (int) position);
                optimizer.restoreStepCount(optimizerSteps);
            } catch (IllegalArgumentException e) {
                trainer.resumeAt(previousTrainerSteps, previousPosition);
                throw new ModelFileException(file, "metadata train.step / train.position / optimizer.step is invalid: "
                        + e.getMessage());
            }
            try {
                f.copyAllInto(state);
            } catch (ModelFileException | RuntimeException e) {
                trainer.resumeAt(previousTrainerSteps, previousPosition);
                optimizer.restoreStepCount(previousOptimizerSteps);
                throw e;
            }
        }
    }

    /** Writes a series model with its normalisation and where its data came from. */
    public static void saveSeriesModel(Path file, SeriesModel model, String source, String column, int holdout) throws ModelFileException {
        SeriesModel.Config c = model.config();
        Map<String, String> extra = new LinkedHashMap<>();
        extra.put(KIND, SERIES);
        extra.put("series.mean", Double.toString(c.mean()));
        extra.put("series.std", Double.toString(c.std()));
        extra.put("series.period", Integer.toString(c.period()));
        extra.put("series.source", source);
        extra.put("series.column", column);
        extra.put("series.holdout", Integer.toString(holdout));
        extra.put("seed", Long.toString(c.seed()));
        SafeTensors.write(file, model.parameters().tensors(), ModelFile.metadata(model.rnn().config(), SeriesModel.RNN, extra));
    }

    /** A loaded series model and the data it was trained on. */
    public record LoadedSeriesModel(SeriesModel model, String source, String column, int holdout) {}

    public static LoadedSeriesModel loadSeriesModel(Path file, Kernels kernels) throws ModelFileException {
        try (SafeTensorsFile f = SafeTensors.read(file)) {
            expectKind(f, SERIES);
            RnnConfig rnn = ModelFile.config(f, SeriesModel.RNN);
            if (rnn.inputSize() != 1 || rnn.bidirectional()) {
                throw new ModelFileException(file, "a series model has input_size 1 and one direction; this file has input_size "
                        + rnn.inputSize() + (rnn.bidirectional() ? ", bidirectional" : ""));
            }
            double mean = Metadata.finite(f, "series.mean"), std = Metadata.finite(f, "series.std");
            SeriesModel.Config config;
            try {
                config = new SeriesModel.Config(rnn.cell(), rnn.hiddenSize(), rnn.numLayers(), Metadata.longValue(f, "seed", 0), mean, std,
                        Metadata.positive(f, "series.period"));
            } catch (IllegalArgumentException e) {
                throw new ModelFileException(file, e.getMessage());
            }
            SeriesModel model = new SeriesModel(config, kernels);
            try {
                copyAll(f, model.parameters());
                return new LoadedSeriesModel(model, Metadata.required(f, "series.source"), Metadata.required(f, "series.column"), Metadata.positive(f, "series.holdout"));
            } catch (ModelFileException | RuntimeException e) {
                model.close();
                throw e;
            }
        }
    }

    /** Copies every tensor of the slab from the file, all or nothing (missing tensors and wrong shapes are named). */
    private static void copyAll(SafeTensorsFile f, Slab parameters) throws ModelFileException {
        f.copyAllInto(parameters.tensors());
    }

    private static void expectKind(SafeTensorsFile f, String kind) throws ModelFileException {
        String actual = f.metadata().get(KIND);
        if (!kind.equals(actual)) {
            throw new ModelFileException(f.path(), "is not a " + kind + " model (metadata " + KIND + " is "
                    + (actual == null ? "missing" : "'" + actual + "'") + ")");
        }
    }





}
