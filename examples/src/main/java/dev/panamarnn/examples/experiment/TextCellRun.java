package dev.panamarnn.examples.experiment;

import dev.panamarnn.CellType;
import dev.panamarnn.data.CharVocabulary;
import dev.panamarnn.data.SequenceDataset;
import dev.panamarnn.infer.CharSampler;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.model.Budget;
import dev.panamarnn.model.SequenceModel;
import dev.panamarnn.model.Trainer;
import dev.panamarnn.model.TrainingListener;
import dev.panamarnn.model.TrainingStep;
import dev.panamarnn.train.LearningRateSchedule;
import java.util.ArrayList;
import java.util.List;

/**
 * One cell of the text experiment: a character-level language model (one layer, no dropout) and
 * its {@link Trainer} (AdamW, stateful truncated BPTT over the training streams, one optimizer step
 * per window), a clock that runs only while it trains (evaluation and sampling are not charged to
 * it), and its held-out learning curve. The experiment steps several of these in turn; this file
 * knows nothing of the others.
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
    private final SequenceModel model;
    private final Trainer trainer;
    private final SequenceDataset train;        // B streams of the training split
    private final long charactersPerStep;      // T*B
    private final List<Point> curve = new ArrayList<>();
    private long trainingNanos;
    private long evaluationNanos;
    private long skippedSteps;

    /**
     * @param train the training split read as {@code s.batch()} streams ({@link TextHeldOut#training()}):
     *              one batch, trained window after window with the state carried
     */
    TextCellRun(CellType cell, int hidden, CharVocabulary vocabulary, SequenceDataset train, Kernels kernels, Settings s) {
        if (train.size() != s.batch()) {
            throw new IllegalArgumentException("the training data must be read as " + s.batch() + " streams (one batch), got "
                    + train.size() + " sequences");
        }
        this.cell = cell;
        this.hidden = hidden;
        this.train = train;
        SequenceModel m = CharSampler.languageModel(vocabulary, s.embedding()).cell(cell).hidden(hidden).layers(1).dropout(0)
                .seed(s.seed()).kernels(kernels).build();
        try {
            this.trainer = Trainer.builder(m).adamW(s.learningRate(), s.weightDecay())
                    .schedule(LearningRateSchedule.warmup(s.warmupSteps(), LearningRateSchedule.constant(s.learningRate())))
                    .clipNorm(s.clipNorm()).maxNonFiniteInARow(20).batchSize(s.batch()).truncatedBptt(s.window()).seed(s.seed())
                    .listener(new TrainingListener() {
                        @Override
                        public void onStep(TrainingStep step, int epoch) {
                            if (step.skipped()) {
                                skippedSteps++;
                            }
                        }
                    }).build();
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
        this.model = m;
        this.parameters = TextSizing.parameterCount(cell, vocabulary.size(), s.embedding(), hidden, 1);
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

    /**
     * One training window (forward, backward, optimizer step), timed on this cell's clock. The
     * first window of each epoch also cuts the epoch's batch from the streams (tens of ms, once per
     * ~L/T windows); the Trainer keeps it for the epoch's other windows.
     */
    void trainStep() {
        long start = System.nanoTime();
        trainer.fit(train, Budget.steps(1));          // the listener counts a skipped step
        trainingNanos += System.nanoTime() - start;
    }

    /** Scores the held-out slice now and adds the point to the curve (not charged to the training clock). */
    Point evaluate(TextHeldOut heldOut) {
        long start = System.nanoTime();
        double bpc = model.evaluate(heldOut.dataset()).bitsPerToken();
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
        model.close();
    }
}
