package dev.panamarnn.checkpoint;

import dev.panamarnn.CellType;
import dev.panamarnn.data.SequenceDataset;
import dev.panamarnn.data.TextCorpus;
import dev.panamarnn.infer.CharSampler;
import dev.panamarnn.io.ModelFileException;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.model.Budget;
import dev.panamarnn.model.SequenceModel;
import dev.panamarnn.model.SequenceModelFile;
import dev.panamarnn.model.Trainer;
import dev.panamarnn.model.TrainingListener;
import dev.panamarnn.model.TrainingStep;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A small char-level training run (LSTM, 2 layers, AdamW, the text read as 4 streams and trained
 * with stateful truncated BPTT in windows of 16, dropout 0) that the checkpoint tests and their
 * child JVM build the same way: fresh from the seed, or resumed from a checkpoint (parameters,
 * optimizer moments and step, the trainer's position and the state carried between windows).
 * Resumed runs give the uninterrupted run's losses exactly.
 */
final class TrainingRun implements AutoCloseable {
    static final String TEXT = "in the beginning was the word, and the word was with the text. ".repeat(120);
    static final TextCorpus CORPUS = TextCorpus.of(TEXT, 0.1);
    static final SequenceDataset STREAMS = SequenceDataset.languageModelStreams(Arrays.copyOf(CORPUS.tokens(), CORPUS.trainingLength()),
            CORPUS.vocabulary().size(), 4);

    final SequenceModel model;
    final Trainer trainer;
    private final List<Double> losses = new ArrayList<>();

    private TrainingRun(SequenceModel model) {
        this.model = model;
        try {
            this.trainer = Trainer.builder(model).adamW(1e-2, 0.01).batchSize(4).truncatedBptt(16).maxNonFiniteInARow(5)
                    .listener(new TrainingListener() {
                        @Override
                        public void onStep(TrainingStep step, int epoch) {
                            losses.add(step.loss());
                        }
                    }).build();
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /** A new run from the seed. */
    static TrainingRun fresh(Kernels kernels) {
        return new TrainingRun(CharSampler.languageModel(CORPUS.vocabulary(), 8).cell(CellType.LSTM).hidden(24).layers(2).seed(5)
                .kernels(kernels).build());
    }

    /** A run resumed from a checkpoint written by {@link #save}. */
    static TrainingRun resume(Path checkpoint, Kernels kernels) throws ModelFileException {
        TrainingRun run = new TrainingRun(SequenceModelFile.load(checkpoint, kernels));
        try {
            run.trainer.resume(checkpoint);
            return run;
        } catch (ModelFileException | RuntimeException e) {
            run.close();
            throw e;
        }
    }

    /** The losses of the next {@code steps} training steps (windows). */
    List<Double> train(int steps) {
        losses.clear();
        trainer.fit(STREAMS, Budget.steps(steps));
        return List.copyOf(losses);
    }

    long step() {
        return trainer.step();
    }

    /** Model, optimizer state, trainer position and carried state, written atomically. */
    void save(Path checkpoint) throws ModelFileException {
        try {
            trainer.checkpoint(checkpoint);
        } catch (UncheckedIOException e) {
            if (e.getCause().getCause() instanceof ModelFileException m) {
                throw m;
            }
            throw e;
        }
    }

    @Override
    public void close() {
        trainer.close();
        model.close();
    }
}
