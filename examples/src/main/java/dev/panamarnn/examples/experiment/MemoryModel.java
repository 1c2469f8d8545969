package dev.panamarnn.examples.experiment;

import dev.panamarnn.CellType;
import dev.panamarnn.Rnn;
import dev.panamarnn.RnnConfig;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.layers.Linear;
import dev.panamarnn.tensor.Slab;

/**
 * The model of the memory experiments: one recurrent layer (I -> H) and a linear head (H -> O)
 * read at the last steps of a sequence, parameters "rnn.*" and "head.*" in one slab so one
 * optimizer loop and one clipping norm cover both. Initialised as PyTorch does, from the seed.
 */
public final class MemoryModel implements AutoCloseable {
    private final CellType cell;
    private final int inputs;
    private final int hidden;
    private final int outputs;
    private final Kernels kernels;
    private final Slab parameters;
    private final Slab gradients;
    private final Rnn rnn;
    private final Linear head;

    public MemoryModel(CellType cell, int inputs, int hidden, int outputs, long seed, Kernels kernels) {
        this.cell = cell;
        this.inputs = inputs;
        this.hidden = hidden;
        this.outputs = outputs;
        this.kernels = kernels;
        RnnConfig config = RnnConfig.builder(cell, inputs, hidden).seed(seed).build();
        Slab.Layout.Builder layout = Slab.Layout.builder();
        Rnn.addParameters(layout, config, "rnn.");
        Linear.addParameters(layout, "head.", hidden, outputs);
        this.parameters = Slab.allocate("memory-model parameters", layout.build());
        this.gradients = Slab.allocate("memory-model gradients", parameters.layout());
        this.rnn = Rnn.inSlabs(config, kernels, parameters, gradients, "rnn.");
        this.head = new Linear(kernels, parameters, gradients, "head.", hidden, outputs, seed + 1);
    }

    public CellType cell() {
        return cell;
    }

    public int inputs() {
        return inputs;
    }

    public int hidden() {
        return hidden;
    }

    public int outputs() {
        return outputs;
    }

    public Kernels kernels() {
        return kernels;
    }

    public Rnn rnn() {
        return rnn;
    }

    public Linear head() {
        return head;
    }

    public Slab parameters() {
        return parameters;
    }

    public Slab gradients() {
        return gradients;
    }

    /** Number of trainable values (the same count {@link EqualBudget#parameters} gives). */
    public long parameterCount() {
        long n = 0;
        for (Slab.Layout.Entry e : parameters.layout().entries()) {
            n += e.elements();
        }
        return n;
    }

    /**
     * Multiplies W_hh (G*H, H) by a factor so that, for the vanilla RNN, its spectral radius
     * becomes {@code radius} (the exploding-gradient setting of the gradient experiment).
     * @return the radius before scaling
     */
    public double scaleRecurrentRadius(double radius) {
        if (cell.gates() != 1) {
            throw new IllegalArgumentException("only the vanilla RNN's W_hh is a single (H, H) matrix; this model is " + cell.id());
        }
        var w = rnn.parameter("weight_hh_l0");                 // (H, H)
        float[] values = w.toArray();
        double before = SpectralRadius.of(values, hidden);
        double factor = radius / before;
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (values[i] * factor);
        }
        w.copyFrom(values);
        return before;
    }

    @Override
    public void close() {
        rnn.close();
        parameters.close();
        gradients.close();
    }
}
