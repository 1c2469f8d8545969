package dev.panamarnn.examples.experiment;

import dev.panamarnn.CellType;
import dev.panamarnn.model.SequenceModel;
import dev.panamarnn.tensor.Slab;

/**
 * Hidden sizes that give RNN, LSTM and GRU models the same number of parameters, so a comparison
 * is between cells, not between model sizes. A one-layer model with I inputs, hidden size H and a
 * linear head to O outputs has
 * <pre>
 *   G (H I + H H + 2 H)   recurrent layer: W_ih (G H, I), W_hh (G H, H), b_ih, b_hh (G H)
 * + O H + O               head: weight (O, H), bias (O)
 * </pre>
 * parameters, with G = 1 (RNN), 3 (GRU), 4 (LSTM).
 */
public final class EqualBudget {
    private EqualBudget() {}

    /** Parameters of the model above. */
    public static long parameters(CellType cell, int inputs, int hidden, int outputs) {
        long h = hidden;
        return cell.gates() * (h * inputs + h * h + 2 * h) + (long) outputs * h + outputs;
    }

    /** The trainable values of a built model (the count {@link #parameters} predicts for the one above). */
    public static long parameters(SequenceModel model) {
        long n = 0;
        for (Slab.Layout.Entry e : model.parameters().layout().entries()) {
            n += e.elements();
        }
        return n;
    }

    /** The hidden size H >= 1 whose parameter count is closest to {@code target}. */
    public static int hiddenFor(CellType cell, int inputs, int outputs, long target) {
        if (target < 1) {
            throw new IllegalArgumentException("the parameter budget must be >= 1, got " + target);
        }
        int best = 1;
        for (int h = 1; parameters(cell, inputs, h, outputs) <= 2 * target + 16; h++) {
            if (Math.abs(parameters(cell, inputs, h, outputs) - target) < Math.abs(parameters(cell, inputs, best, outputs) - target)) {
                best = h;
            }
        }
        return best;
    }
}
