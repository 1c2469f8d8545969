package dev.panamarnn.model;

import dev.panamarnn.data.SequenceBatch;
import dev.panamarnn.data.SequenceDataset;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Batched prediction and evaluation of a {@link SequenceModel} (inference passes, no gradients);
 * long sequences of per-step models run in windows, so any length fits in memory.
 */
final class Scoring {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;
    static final int BATCH = 64;
    /** Steps run at once when scoring long sequences of a per-step model (bounds the memory). */
    static final int WINDOW = 256;

    private Scoring() {}

    /**
     * The head's output for every sequence, in data set order: per sequence (outputs) floats, or per
     * step (T_i * outputs), step-major — logits for classes, values for regression (in the
     * targets' units under target normalisation).
     */
    static float[][] predict(SequenceModel model, SequenceDataset data) {
        DataFit.check(model.spec(), data, false);
        int out = model.spec().outputs();
        boolean perStep = model.spec().outputMode() == OutputMode.PER_STEP;
        float[][] result = new float[data.size()][];
        for (SequenceBatch b : data.batches(BATCH, false, true, 0)) {
            for (int r = 0; r < b.batch(); r++) {
                result[b.rows()[r]] = new float[perStep ? b.lengths()[r] * out : out];
            }
            forEachPiece(model, b, false, (y, from, steps) -> {                      // y (rows, outputs)
                for (int r = 0; r < b.batch(); r++) {
                    float[] values = result[b.rows()[r]];
                    if (!perStep) {
                        MemorySegment.copy(y, F, (long) r * out * Float.BYTES, values, 0, out);
                        continue;
                    }
                    for (int t = 0; t < steps && from + t < b.lengths()[r]; t++) {
                        MemorySegment.copy(y, F, ((long) t * b.batch() + r) * out * Float.BYTES, values, (from + t) * out, out);
                    }
                }
                return 0;
            });
        }
        return result;
    }

    /**
     * Loss and the task's measures over the whole data set. Under target normalisation the loss is
     * the normalised mean squared error training minimises, and MAE and RMSE compare the model's
     * outputs in target units with the raw targets.
     */
    static Metrics evaluate(SequenceModel model, SequenceDataset data) {
        DataFit.check(model.spec(), data, true);
        ModelSpec spec = model.spec();
        int out = spec.outputs();
        boolean perStep = spec.outputMode() == OutputMode.PER_STEP;
        double[] sums = new double[3];               // loss * rows, |error|, error^2
        long[] counts = new long[2];                 // scored rows, correct
        if (spec.task() == Task.CTC) {
            return evaluateCtc(model, data);
        }
        for (SequenceBatch b : data.batches(BATCH, false, true, 0)) {
            forEachPiece(model, b, true, (y, from, steps) -> {
                long scored = 0;
                for (int t = 0; t < (perStep ? steps : 1); t++) {
                    for (int r = 0; r < b.batch(); r++) {
                        if (perStep && from + t >= b.lengths()[r]) {
                            continue;
                        }
                        int row = perStep ? t * b.batch() + r : r;                  // in the piece
                        int label = perStep ? (from + t) * b.batch() + r : r;       // in the batch
                        scored++;
                        if (spec.task().hasClasses()) {
                            counts[1] += argMax(y, row, out) == b.labels()[label] ? 1 : 0;
                        } else {
                            for (int k = 0; k < out; k++) {
                                double error = y.getAtIndex(F, (long) row * out + k) - b.targets()[label * out + k];
                                sums[1] += Math.abs(error);
                                sums[2] += error * error;
                            }
                        }
                    }
                }
                counts[0] += scored;
                return scored;
            }, sums);
        }
        long rows = counts[0];
        double loss = sums[0] / rows;
        return switch (spec.task()) {
            case CLASSIFICATION -> new Metrics(spec.task(), rows, loss, (double) counts[1] / rows, Double.NaN, Double.NaN, Double.NaN);
            case LANGUAGE_MODEL -> new Metrics(spec.task(), rows, loss, (double) counts[1] / rows, loss / Math.log(2), Double.NaN, Double.NaN);
            case CTC -> throw new AssertionError("evaluated by evaluateCtc");
            case REGRESSION -> new Metrics(spec.task(), rows, loss, Double.NaN, Double.NaN, sums[1] / ((double) rows * out),
                    Math.sqrt(sums[2] / ((double) rows * out)), spec.targetsNormalised());
        };
    }

    /** CTC: the mean loss over sequences, and the label error rate of greedy decoding (edit distance over label length). */
    private static Metrics evaluateCtc(SequenceModel model, SequenceDataset data) {
        int classes = model.spec().outputs();
        double[] lossSum = new double[1];
        long[] errors = new long[2];                                                  // edit distance, label length
        for (SequenceBatch b : data.batches(BATCH, false, true, 0)) {
            forEachPiece(model, b, true, (y, from, steps) -> {                         // y (T, B, C): the whole batch
                for (int r = 0; r < b.batch(); r++) {
                    int[] decoded = CtcDecoder.greedy(rowLogits(y, r, b.batch(), b.lengths()[r], classes), 0, b.lengths()[r], classes, 0).labels();
                    errors[0] += EditDistance.between(decoded, b.labelSequences()[r]);
                    errors[1] += b.labelSequences()[r].length;
                }
                return b.batch();
            }, lossSum);
        }
        long rows = data.size();
        return new Metrics(Task.CTC, rows, lossSum[0] / rows, Double.NaN, Double.NaN, Double.NaN, Double.NaN, false,
                (double) errors[0] / Math.max(1, errors[1]));
    }

    /** (T_r, C) row r's logits out of a time-major (T, B, C) output. */
    private static float[] rowLogits(MemorySegment y, int r, int batch, int steps, int classes) {
        float[] row = new float[steps * classes];
        for (int t = 0; t < steps; t++) {
            MemorySegment.copy(y, F, ((long) t * batch + r) * classes * Float.BYTES, row, t * classes, classes);
        }
        return row;
    }

    /**
     * What is done with one piece of a batch: its predictions y (rows, outputs), in target units,
     * for steps [from, from + steps); returns the rows it scored.
     */
    private interface Piece {
        long accept(MemorySegment y, int from, int steps);
    }

    private static void forEachPiece(SequenceModel model, SequenceBatch b, boolean withTargets, Piece piece) {
        forEachPiece(model, b, withTargets, piece, null);
    }

    /**
     * Runs the batch forward without dropout: whole, or for a per-step unidirectional model (not CTC, whose loss needs whole sequences) whose
     * batch is longer than {@link #WINDOW} steps, window after window from the carried state (the
     * same outputs, with the memory of one window). With {@code lossSum}, adds each piece's mean
     * loss times the rows it scored to lossSum[0].
     */
    private static void forEachPiece(SequenceModel model, SequenceBatch b, boolean withTargets, Piece piece, double[] lossSum) {
        ModelSpec spec = model.spec();
        if (spec.outputMode() != OutputMode.PER_STEP || spec.bidirectional() || b.steps() <= WINDOW || spec.task() == Task.CTC) {
            ModelPass pass = model.pass(b.steps(), b.batch());
            pass.load(b, withTargets);                                                // without targets, they are not read
            pass.forward(false);
            long scored = piece.accept(pass.predictions(), 0, b.steps());            // in target units
            if (lossSum != null) {
                lossSum[0] += pass.loss() * scored;                                   // the pass's loss is a mean over scored rows
            }
            return;
        }
        try (BpttWindows windows = new BpttWindows(model, WINDOW, b.batch())) {
            for (int w = 0; w < windows.count(b); w++) {
                ModelPass pass = windows.forward(model, b, w, false, withTargets);
                int from = windows.start(w);
                long scored = piece.accept(pass.predictions(), from, Math.min(WINDOW, b.steps() - from));
                if (lossSum != null) {
                    lossSum[0] += pass.loss() * scored;
                }
            }
        }
    }

    static int argMax(MemorySegment logits, int row, int classes) {
        int best = 0;
        float bestValue = logits.getAtIndex(F, (long) row * classes);
        for (int c = 1; c < classes; c++) {
            float v = logits.getAtIndex(F, (long) row * classes + c);
            if (v > bestValue) {
                best = c;
                bestValue = v;
            }
        }
        return best;
    }
}
