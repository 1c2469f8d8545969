package dev.panamarnn.examples.experiment;

import dev.panamarnn.CellType;
import dev.panamarnn.data.TextCorpus;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.model.CharModel;
import dev.panamarnn.infer.CharSampler;
import dev.panamarnn.model.TextTrainer;
import dev.panamarnn.model.TrainingStep;
import dev.panamarnn.train.AdamW;
import dev.panamarnn.train.LearningRateSchedule;
import java.util.ArrayList;
import java.util.List;

/**
 * One cell of the text experiment: a char model with its optimizer and trainer, a clock that runs
 * only while it trains (evaluation and sampling are not charged to it), and its held-out learning
 * curve. The experiment steps several of these in turn; this file knows nothing of the others.
 */
final class TextCellRun implements AutoCloseable {
    /** Held-out bits per character after {@code step} steps and {@code trainingSeconds} of training. */
    record Point(long step, double trainingSeconds, double bitsPerCharacter) {}

    /** Training settings every cell shares: only the cell and its hidden size differ. */
    record Settings(int embedding, int batch, int window, double learningRate, long warmupSteps, double clipNorm,
                    double weightDecay, long seed) {}

    private final CellType cell;
    private final int hidden;
    private final long parameters;
    private final CharModel model;
    private final AdamW optimizer;
    private final TextTrainer trainer;
    private final long charactersPerStep;      // T*B
    private final List<Point> curve = new ArrayList<>();
    private long trainingNanos;
    private long evaluationNanos;
    private long skippedSteps;

    TextCellRun(CellType cell, int hidden, TextCorpus corpus, Kernels kernels, Settings s) {
        this.cell = cell;
        this.hidden = hidden;
        CharModel.Config config = new CharModel.Config(cell, s.embedding(), hidden, 1, 0.0, s.seed());
        CharModel m = new CharModel(config, corpus.vocabulary(), kernels);
        AdamW o = null;
        try {
            o = new AdamW(kernels, m.parameters(), m.gradients(),
                    LearningRateSchedule.warmup(s.warmupSteps(), LearningRateSchedule.constant(s.learningRate())),
                    0.9, 0.999, 1e-8, s.weightDecay());
            this.trainer = new TextTrainer(m, corpus, new TextTrainer.Settings(s.batch(), s.window(), s.clipNorm(), 20), o);
        } catch (RuntimeException e) {
            if (o != null) {
                o.close();
            }
            m.close();
            throw e;
        }
        this.model = m;
        this.optimizer = o;
        this.parameters = TextSizing.parameterCount(cell, corpus.vocabulary().size(), s.embedding(), hidden, 1);
        this.charactersPerStep = (long) s.batch() * s.window();
    }

    CellType cell() {
        return cell;
    }

    int hidden() {
        return hidden;
    }

    long parameters() {
        return parameters;
    }

    long steps() {
        return trainer.step();
    }

    long skippedSteps() {
        return skippedSteps;
    }

    double trainingSeconds() {
        return trainingNanos / 1e9;
    }

    double evaluationSeconds() {
        return evaluationNanos / 1e9;
    }

    /** Training characters per second of training time (T*B per step). */
    double charactersPerSecond() {
        return trainingNanos == 0 ? 0 : steps() * charactersPerStep / (trainingNanos / 1e9);
    }

    List<Point> curve() {
        return List.copyOf(curve);
    }

    /** The last evaluation. */
    Point last() {
        if (curve.isEmpty()) {
            throw new IllegalStateException(cell.id() + " has not been evaluated yet");
        }
        return curve.getLast();
    }

    /** One training window (forward, backward, optimizer step), timed on this cell's clock. */
    void trainStep() {
        long start = System.nanoTime();
        TrainingStep step = trainer.trainStep();
        trainingNanos += System.nanoTime() - start;
        if (step.skipped()) {
            skippedSteps++;
        }
    }

    /** Scores the held-out slice now and adds the point to the curve (not charged to the training clock). */
    Point evaluate(TextHeldOut heldOut) {
        long start = System.nanoTime();
        double bpc = trainer.validationBitsPerCharacter(heldOut.characters());
        evaluationNanos += System.nanoTime() - start;
        Point point = new Point(steps(), trainingSeconds(), bpc);
        if (curve.isEmpty() || curve.getLast().step() != point.step()) {
            curve.add(point);
        }
        return point;
    }

    /** {@code prime} followed by {@code length} characters drawn at {@code temperature}. */
    String sample(String prime, int length, double temperature, long seed) {
        try (CharSampler sampler = new CharSampler(model)) {
            return sampler.sample(prime, length, temperature, seed);
        }
    }

    @Override
    public void close() {
        trainer.close();
        optimizer.close();
        model.close();
    }
}
