package dev.panamarnn.checkpoint;

import dev.panamarnn.CellType;
import dev.panamarnn.data.TextCorpus;
import dev.panamarnn.io.ModelFileException;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.model.CharModel;
import dev.panamarnn.model.Checkpoints;
import dev.panamarnn.model.TextTrainer;
import dev.panamarnn.train.AdamW;
import dev.panamarnn.train.LearningRateSchedule;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A small char-level training run (LSTM, 2 layers, AdamW, stateful truncated BPTT, dropout 0) that
 * the checkpoint tests and their child JVM build the same way: fresh from the seed, or resumed
 * from a checkpoint (parameters, optimizer moments and step, trainer position and the state
 * carried between windows). Resumed runs give the uninterrupted run's losses exactly.
 */
final class TrainingRun implements AutoCloseable {
    static final String TEXT = "in the beginning was the word, and the word was with the text. ".repeat(120);
    static final CharModel.Config CONFIG = new CharModel.Config(CellType.LSTM, 8, 24, 2, 0.0, 5);
    static final TextTrainer.Settings SETTINGS = new TextTrainer.Settings(4, 16, 1.0, 5);
    static final TextCorpus CORPUS = TextCorpus.of(TEXT, 0.1);

    final CharModel model;
    final AdamW optimizer;
    final TextTrainer trainer;

    private TrainingRun(CharModel model) {
        this.model = model;
        this.optimizer = new AdamW(model.kernels(), model.parameters(), model.gradients(), LearningRateSchedule.constant(1e-2),
                0.9, 0.999, 1e-8, 0.01);
        this.trainer = new TextTrainer(model, CORPUS, SETTINGS, optimizer);
    }

    /** A new run from the seed. */
    static TrainingRun fresh(Kernels kernels) {
        return new TrainingRun(new CharModel(CONFIG, CORPUS.vocabulary(), kernels));
    }

    /** A run resumed from a checkpoint written by {@link #save}. */
    static TrainingRun resume(Path checkpoint, Kernels kernels) throws ModelFileException {
        TrainingRun run = new TrainingRun(Checkpoints.loadCharModel(checkpoint, kernels));
        try {
            Checkpoints.restoreTraining(checkpoint, run.optimizer, run.trainer);
            return run;
        } catch (ModelFileException | RuntimeException e) {
            run.close();
            throw e;
        }
    }

    /** The losses of the next {@code steps} training steps. */
    List<Double> train(int steps) {
        List<Double> losses = new ArrayList<>();
        for (int i = 0; i < steps; i++) {
            losses.add(trainer.trainStep().loss());
        }
        return losses;
    }

    long step() {
        return trainer.step();
    }

    /** Model, optimizer state and trainer position, written atomically. */
    void save(Path checkpoint) throws ModelFileException {
        Checkpoints.saveCharModel(checkpoint, model, optimizer, trainer);
    }

    @Override
    public void close() {
        trainer.close();
        optimizer.close();
        model.close();
    }
}
