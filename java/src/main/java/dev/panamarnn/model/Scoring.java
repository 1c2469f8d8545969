package dev.panamarnn.model;

import dev.panamarnn.data.SequenceBatch;
import dev.panamarnn.data.SequenceDataset;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Batched prediction and evaluation of a {@link SequenceModel} (inference passes, no gradients). */
final class Scoring {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;
    static final int BATCH = 64;

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
            ModelPass pass = model.pass(b.steps(), b.batch());
            pass.load(b, false);                                                     // targets are not read
            pass.forward(false);
            MemorySegment y = pass.predictions();                                    // (rows, outputs) in target units
            for (int r = 0; r < b.batch(); r++) {
                int length = b.lengths()[r];
                float[] values = new float[perStep ? length * out : out];
                if (perStep) {
                    for (int t = 0; t < length; t++) {
                        MemorySegment.copy(y, F, ((long) t * b.batch() + r) * out * Float.BYTES, values, t * out, out);
                    }
                } else {
                    MemorySegment.copy(y, F, (long) r * out * Float.BYTES, values, 0, out);
                }
                result[b.rows()[r]] = values;
            }
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
        double lossSum = 0, absSum = 0, squareSum = 0;
        long rows = 0, correct = 0;
        for (SequenceBatch b : data.batches(BATCH, false, true, 0)) {
            ModelPass pass = model.pass(b.steps(), b.batch());
            pass.load(b);
            pass.forward(false);
            MemorySegment y = pass.predictions();                                    // (rows, outputs) in target units
            long scored = 0;
            for (int t = 0; t < (perStep ? b.steps() : 1); t++) {
                for (int r = 0; r < b.batch(); r++) {
                    if (perStep && t >= b.lengths()[r]) {
                        continue;
                    }
                    int row = perStep ? t * b.batch() + r : r;
                    scored++;
                    if (spec.task().hasClasses()) {
                        correct += argMax(y, row, out) == b.labels()[row] ? 1 : 0;
                    } else {
                        for (int k = 0; k < out; k++) {
                            double error = y.getAtIndex(F, (long) row * out + k) - b.targets()[row * out + k];
                            absSum += Math.abs(error);
                            squareSum += error * error;
                        }
                    }
                }
            }
            lossSum += pass.loss() * scored;                                         // the pass's loss is a mean over scored rows
            rows += scored;
        }
        double loss = lossSum / rows;
        return switch (spec.task()) {
            case CLASSIFICATION -> new Metrics(spec.task(), rows, loss, (double) correct / rows, Double.NaN, Double.NaN, Double.NaN);
            case LANGUAGE_MODEL -> new Metrics(spec.task(), rows, loss, (double) correct / rows, loss / Math.log(2), Double.NaN, Double.NaN);
            case REGRESSION -> new Metrics(spec.task(), rows, loss, Double.NaN, Double.NaN, absSum / ((double) rows * out),
                    Math.sqrt(squareSum / ((double) rows * out)), spec.targetsNormalised());
        };
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
