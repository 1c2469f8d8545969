package dev.panamarnn;

import dev.panamarnn.internal.checks.Finite;
import dev.panamarnn.internal.memory.OffHeap;
import dev.panamarnn.kernels.KernelSelection;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.tensor.Slab;
import dev.panamarnn.tensor.Tensor;
import dev.panamarnn.unroll.Names;
import java.util.SplittableRandom;

/**
 * A recurrent network — a stack of RNN, LSTM or GRU layers, optionally bidirectional — with its
 * parameters and their gradients, each in one slab laid out with PyTorch's state_dict names and
 * shapes (weight_ih_l0 (G*H, I), weight_hh_l0 (G*H, H), bias_ih_l0 (G*H), bias_hh_l0 (G*H),
 * ..._reverse). Forward and backward run in a {@link Workspace} sized for (T, B):
 * <pre>{@code
 * try (Rnn rnn = Rnn.create(RnnConfig.builder(CellType.LSTM, 8, 32).layers(2).build());
 *      Workspace ws = rnn.workspace(100, 16)) {
 *     ws.forward(x, null, null, null, true);       // x (T, B, I)
 *     ws.backward(dOutput, null, null);           // gradients accumulate into rnn.gradients()
 * }
 * }</pre>
 * The parameters may be read by many threads; forward/backward of one workspace is single-threaded.
 */
public final class Rnn implements AutoCloseable {
    private final RnnConfig config;
    private final Kernels kernels;
    private final Slab parameters;
    private final Slab gradients;
    private final String prefix;      // name prefix inside the slabs ("" when the Rnn owns them)
    private final boolean ownsSlabs;

    private Rnn(RnnConfig config, Kernels kernels) {
        this.config = config;
        this.kernels = kernels;
        Slab.Layout layout = parameterLayout(config);
        // both slabs at once, so the message names the network and nothing is allocated for a size that cannot succeed
        OffHeap.check(2, layout.byteSize(), "the parameters and gradients of the network (" + config.cell().id() + ", I=" + config.inputSize() + ", H="
                + config.hiddenSize() + ", " + config.numLayers() + " layer(s) x " + config.directions() + " direction(s))", "the hidden size, the input size or the number of layers");
        this.parameters = Slab.allocate("parameters", layout);
        try {
            this.gradients = Slab.allocate("gradients", layout);
        } catch (RuntimeException e) {
            parameters.close();
            throw e;
        }
        this.prefix = "";
        this.ownsSlabs = true;
        initialise();
    }

    private Rnn(RnnConfig config, Kernels kernels, Slab parameters, Slab gradients, String prefix) {
        if (parameters == null || gradients == null) {
            throw new IllegalArgumentException("parameters and gradients slabs are required");
        }
        if (parameters == gradients) {
            throw new IllegalArgumentException("the gradient slab must be another slab than the parameters, got '"
                    + parameters.name() + "' for both");
        }
        this.config = config;
        this.kernels = kernels;
        this.parameters = parameters;
        this.gradients = gradients;
        this.prefix = prefix;
        this.ownsSlabs = false;
        for (Slab.Layout.Entry e : parameterLayout(config).entries()) {
            int[] shape = parameters.get(prefix + e.name()).shape();
            int[] gradientShape = gradients.get(prefix + e.name()).shape();
            if (!java.util.Arrays.equals(shape, e.shape())) {
                throw new IllegalArgumentException("parameter " + prefix + e.name() + " in slab '" + parameters.name()
                        + "' must have shape " + java.util.Arrays.toString(e.shape()) + ", got " + java.util.Arrays.toString(shape));
            }
            if (!java.util.Arrays.equals(gradientShape, e.shape())) {
                throw new IllegalArgumentException("gradient " + prefix + e.name() + " in slab '" + gradients.name()
                        + "' must have shape " + java.util.Arrays.toString(e.shape()) + ", got " + java.util.Arrays.toString(gradientShape));
            }
        }
        initialise();
    }

    /**
     * An Rnn whose parameters live in slabs owned by a larger model (embedding + Rnn + head in one
     * slab, so one optimizer loop covers all). The slabs must contain {@link #addParameters} entries
     * under {@code prefix}; the Rnn initialises them and does not close them.
     */
    public static Rnn inSlabs(RnnConfig config, Kernels kernels, Slab parameters, Slab gradients, String prefix) {
        return new Rnn(required(config), unchecked(kernels), parameters, gradients, prefix == null ? "" : prefix);
    }

    /** Adds this network's parameter entries to a layout, named {@code prefix + state_dict name}. */
    public static void addParameters(Slab.Layout.Builder layout, RnnConfig config, String prefix) {
        for (Slab.Layout.Entry e : parameterLayout(config).entries()) {
            layout.add(prefix + e.name(), e.shape());
        }
    }

    /** The prefix of this network's names in its slabs ("" for a standalone Rnn). */
    public String prefix() {
        return prefix;
    }

    /** A network with PyTorch's initialisation from {@code config.seed()}, on the JVM's selected kernels. */
    public static Rnn create(RnnConfig config) {
        return new Rnn(required(config), KernelSelection.selected());
    }

    /** The same on explicitly chosen kernels (e.g. {@link KernelSelection#java()} for a pure-Java run). */
    public static Rnn create(RnnConfig config, Kernels kernels) {
        return new Rnn(required(config), unchecked(kernels));
    }

    private static RnnConfig required(RnnConfig config) {
        if (config == null) {
            throw new IllegalArgumentException("config is required");
        }
        return config;
    }

    /** The implementation under a CheckedKernels (the Workspace validates once, at entry). */
    private static Kernels unchecked(Kernels kernels) {
        if (kernels == null) {
            throw new IllegalArgumentException("kernels is required");
        }
        return kernels instanceof dev.panamarnn.kernels.CheckedKernels c ? c.inner() : kernels;
    }

    /** The parameter sizes table: per layer and direction W_ih, W_hh, b_ih, b_hh, in state_dict order. */
    public static Slab.Layout parameterLayout(RnnConfig c) {
        Slab.Layout.Builder layout = Slab.Layout.builder();
        int gw = c.cell().gates() * c.hiddenSize();
        for (int l = 0; l < c.numLayers(); l++) {
            for (int d = 0; d < c.directions(); d++) {
                layout.add(Names.weightIh(l, d), gw, c.layerInputSize(l))   // (G*H, In_l)
                      .add(Names.weightHh(l, d), gw, c.hiddenSize())        // (G*H, H)
                      .add(Names.biasIh(l, d), gw)                          // (G*H)
                      .add(Names.biasHh(l, d), gw);                         // (G*H)
            }
        }
        return layout.build();
    }

    /** Every parameter ~ U(-1/sqrt(H), 1/sqrt(H)), drawn in layout order from the seed (PyTorch's rule). */
    private void initialise() {
        SplittableRandom random = new SplittableRandom(config.seed());
        double bound = 1 / Math.sqrt(config.hiddenSize());
        for (Slab.Layout.Entry e : parameterLayout(config).entries()) {
            Tensor t = parameters.get(prefix + e.name());
            for (long i = 0; i < t.size(); i++) {
                t.set(i, (float) ((random.nextDouble() * 2 - 1) * bound));
            }
        }
    }

    public RnnConfig config() {
        return config;
    }

    /** The kernels this network computes with. */
    public Kernels kernels() {
        return kernels;
    }

    /** The parameters, by state_dict name. */
    public Slab parameters() {
        checkOpen();
        return parameters;
    }

    /** The gradients, same layout as the parameters; backward adds into them. */
    public Slab gradients() {
        checkOpen();
        return gradients;
    }

    /** Sets every gradient to zero (one fill of the gradient slab; in shared slabs, of the whole model). */
    public void zeroGradients() {
        gradients().zero();
    }

    /**
     * Copies a parameter from row-major values (e.g. a PyTorch state_dict entry), by state_dict name.
     * A NaN or infinite value is an {@link IllegalArgumentException} naming the parameter and the
     * element, and changes nothing.
     */
    public void setParameter(String name, float[] values) {
        Tensor t = parameters().get(prefix + name);
        if (values != null && values.length == t.size()) {   // else copyFrom names the expected and actual count
            Finite.require(values, "parameter '" + name + "'", "parameters must be finite");
        }
        t.copyFrom(values);
    }

    /** A parameter by its state_dict name (without the prefix). */
    public Tensor parameter(String name) {
        return parameters().get(prefix + name);
    }

    /** The gradient of a parameter by its state_dict name (without the prefix). */
    public Tensor gradient(String name) {
        return gradients().get(prefix + name);
    }

    /** A workspace for sequences of exactly T steps and batches of exactly B rows. */
    public Workspace workspace(int steps, int batch) {
        checkOpen();
        return new Workspace(this, steps, batch);
    }

    public boolean isOpen() {
        return parameters.isOpen();
    }

    void checkOpen() {
        if (!parameters.isOpen()) {
            throw new IllegalStateException("this Rnn is closed");
        }
    }

    /** Backward adds into the gradient slab: it must be open too (it may be closed apart from the parameters). */
    void checkGradientsOpen() {
        checkOpen();
        if (!gradients.isOpen()) {
            throw new IllegalStateException("the gradient slab '" + gradients.name() + "' of this Rnn is closed");
        }
    }

    @Override
    public void close() {
        if (ownsSlabs) {
            parameters.close();
            gradients.close();
        }
    }
}
