package dev.panamarnn.model;

import dev.panamarnn.RnnConfig;
import dev.panamarnn.io.ModelFile;
import dev.panamarnn.io.ModelFileException;
import dev.panamarnn.io.SafeTensors;
import dev.panamarnn.io.SafeTensorsFile;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.tensor.Slab;
import dev.panamarnn.tensor.Tensor;
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
    static final String SERIES = "series-forecaster";

    private Checkpoints() {}

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
