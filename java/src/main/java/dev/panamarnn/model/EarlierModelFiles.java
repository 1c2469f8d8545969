package dev.panamarnn.model;

import dev.panamarnn.internal.io.Metadata;
import dev.panamarnn.RnnConfig;
import dev.panamarnn.data.CharVocabulary;
import dev.panamarnn.io.ModelFile;
import dev.panamarnn.io.ModelFileException;
import dev.panamarnn.io.SafeTensorsFile;
import java.util.List;

/**
 * Model files of the special-purpose models that came before {@link SequenceModel} (written by
 * `rnn train text`, `rnn demo` and `rnn train series` before they were rebuilt on it), read as
 * sequence models (their parameters already have the module's names):
 * <ul>
 *   <li>"char-lm" (a character model): token ids -> embedding -> unidirectional stack -> Linear(H, V) at
 *       every step: a language model whose token names are the vocabulary's characters.</li>
 *   <li>"series-forecaster" (a next-value forecaster): one feature normalised by series.mean / series.std ->
 *       stack -> Linear(H, 1) at every step: a per-step regressor. That model was trained to give
 *       the NEXT value in normalised units, z = (y_{t+1} - mean) / std, so it is read with target
 *       normalisation by the same (series.mean, series.std): its outputs are y_{t+1} = z * std + mean,
 *       in the series' units, as its forecasts were.</li>
 * </ul>
 * Their training state (optimizer moments, carried TBPTT state) stays in the file, unread; the
 * normalisation values come from the metadata, not from tensors.
 */
final class EarlierModelFiles {
    static final String CHAR_LM = "char-lm";
    static final String SERIES = "series-forecaster";

    private EarlierModelFiles() {}

    static boolean reads(String kind) {
        return CHAR_LM.equals(kind) || SERIES.equals(kind);
    }

    static SequenceModelFile.Declared declared(SafeTensorsFile f, String kind) throws ModelFileException {
        RnnConfig rnn = ModelFile.config(f, SequenceModel.RNN);
        long seed = Metadata.longValue(f, "seed", 0);
        try {
            if (CHAR_LM.equals(kind)) {
                CharVocabulary vocabulary = CharVocabulary.deserialise(Metadata.required(f, "vocabulary"));
                ModelSpec spec = new ModelSpec(0, null, null, vocabulary.size(), rnn.inputSize(), rnn.cell(), rnn.hiddenSize(),
                        rnn.numLayers(), rnn.bidirectional(), rnn.dropout(), 0, Task.LANGUAGE_MODEL, vocabulary.size(),
                        OutputMode.PER_STEP, seed, vocabulary.characters(), null, null);
                return new SequenceModelFile.Declared(spec, false, false, true);
            }
            float mean = (float) Metadata.finite(f, "series.mean");
            float std = (float) Metadata.finite(f, "series.std");
            ModelSpec spec = new ModelSpec(rnn.inputSize(), new float[] {mean}, new float[] {std}, 0, 0, rnn.cell(), rnn.hiddenSize(),
                    rnn.numLayers(), rnn.bidirectional(), rnn.dropout(), 0, Task.REGRESSION, 1, OutputMode.PER_STEP, seed, List.of(),
                    new float[] {mean}, new float[] {std});
            return new SequenceModelFile.Declared(spec, false, false, true);
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(f.path(), "describes no valid " + kind + " model: " + e.getMessage());
        }
    }


}
