package dev.panamarnn.model;

import dev.panamarnn.CellType;
import dev.panamarnn.Rnn;
import dev.panamarnn.internal.checks.Finite;
import dev.panamarnn.internal.memory.ExclusiveLifetime;
import dev.panamarnn.internal.memory.OffHeap;
import dev.panamarnn.kernels.KernelSelection;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.data.SequenceDataset;
import dev.panamarnn.layers.Embedding;
import dev.panamarnn.tensor.Slab;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A whole recurrent model: an input stage (token ids through an embedding, or float features with
 * an optional per-feature normalisation stored in the model), a recurrent stack ({@link Rnn}: any
 * cell, layers, bidirectional, dropout between layers) and a {@link Head}, read at every step or
 * once per sequence ({@link ModelSpec} has the PyTorch module it mirrors). All parameters live in
 * one slab and all gradients in one slab of the same layout, under the module's state_dict names
 * ({@code embedding.weight}, {@code rnn.weight_ih_l0}, ..., {@code head.weight}), so one optimizer
 * loop covers the model and a PyTorch state_dict loads into it.
 * <pre>{@code
 * try (SequenceModel model = SequenceModel.builder().features(3).classify(4).cell(CellType.GRU).hidden(64).build();
 *      Trainer trainer = Trainer.builder(model).adam(1e-3).build()) {
 *     trainer.fit(train, Budget.epochs(10));
 *     model.save(Path.of("model.safetensors"));
 * }
 * }</pre>
 * Training, {@link #predict} and {@link #evaluate} run on one thread at a time: one of them called
 * while another thread's is in progress is an {@link IllegalStateException}. For concurrent serving
 * build an {@code InferenceModel} from it. Closing frees the parameters and every buffer (at the end
 * of the call in progress, if any).
 */
public final class SequenceModel implements AutoCloseable {
    public static final String EMBEDDING = "embedding.";
    public static final String RNN = "rnn.";
    public static final String HEAD = "head.";
    private static final int CACHED_PASSES = 8;

    private final ModelSpec spec;
    private final Kernels kernels;
    private final Slab parameters;
    private final Slab gradients;
    private final Embedding embedding;   // null for feature input
    private final Rnn rnn;
    private final Head head;
    private final float[] mean;          // (F) or null
    private final float[] std;           // (F) or null
    private final float[] targetMean;    // (K) or null
    private final float[] targetStd;     // (K) or null
    private final Map<Long, ModelPass> passes = new LinkedHashMap<>(16, 0.75f, true);   // by (T, B), least recently used first
    private final ExclusiveLifetime lifetime;   // one pass at a time; frees everything
    private long dropoutPass;                   // the number of the next training forward, which seeds its dropout masks

    /** A model with PyTorch's initialisation from {@code spec.seed()} on {@code kernels}. */
    public SequenceModel(ModelSpec spec, Kernels kernels) {
        if (spec == null || kernels == null) {
            throw new IllegalArgumentException("a sequence model needs a spec and kernels, got " + spec + ", " + kernels);
        }
        this.spec = spec;
        this.kernels = kernels;
        this.mean = spec.mean();
        this.std = spec.std();
        this.targetMean = spec.targetMean();
        this.targetStd = spec.targetStd();
        Slab.Layout layout = layout(spec);
        OffHeap.check(2, layout.byteSize(), "the parameters and gradients of the model (" + spec + ")",
                "the hidden size, the number of layers, the vocabulary or the embedding width");
        this.parameters = Slab.allocate("sequence-model parameters", layout);
        Slab grads = null;
        try {
            this.gradients = grads = Slab.allocate("sequence-model gradients", layout);
            this.embedding = spec.tokens() ? new Embedding(parameters, gradients, EMBEDDING, spec.vocabulary(), spec.embeddingDim(), spec.seed())
                    : null;
            this.rnn = Rnn.inSlabs(spec.rnn(), kernels, parameters, gradients, RNN);
            this.head = new Head(kernels, parameters, gradients, HEAD, spec.headInput(), spec.headHidden(), spec.outputs(), spec.seed() + 1);
            this.lifetime = new ExclusiveLifetime(this::free, "SequenceModel", "(training, predict and evaluate of one model run "
                    + "on one thread at a time; for concurrent serving build an InferenceModel from it)");
        } catch (RuntimeException | Error e) {
            parameters.close();
            if (grads != null) {
                grads.close();
            }
            throw e;
        }
    }

    /** The parameter sizes table: embedding.weight (V, E) if tokens; rnn.* (PyTorch names); head.*. */
    public static Slab.Layout layout(ModelSpec spec) {
        Slab.Layout.Builder layout = Slab.Layout.builder();
        if (spec.tokens()) {
            Embedding.addParameters(layout, EMBEDDING, spec.vocabulary(), spec.embeddingDim());
        }
        Rnn.addParameters(layout, spec.rnn(), RNN);
        Head.addParameters(layout, HEAD, spec.headInput(), spec.headHidden(), spec.outputs());
        return layout.build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * A builder that takes from {@code data} what it determines: features (with the data's
     * per-feature mean and std as the model's normalisation) or tokens (vocabulary; embedding width
     * 32 unless set), the task (classification with the data's classes and class names, or
     * regression with its values per target and the data's target mean and std as the model's
     * target normalisation) and the output mode (per step or per sequence).
     */
    public static Builder forData(SequenceDataset data) {
        if (data == null) {
            throw new IllegalArgumentException("the data set is null");
        }
        if (!data.hasTargets()) {
            throw new IllegalArgumentException("the data set has no targets (inputs only), so it determines no task: "
                    + "build from data with a label or targets, or use builder()");
        }
        Builder b = new Builder();
        if (data.tokens()) {
            b.tokens(data.vocabulary(), 32);
        } else {
            b.features(data.features()).normalise(data.featureMean(), data.featureStd());
        }
        switch (data.targets()) {
            case CLASS_PER_SEQUENCE, CLASS_PER_STEP -> b.classify(data.classes()).classNames(data.classNames());
            case LABEL_SEQUENCE -> {
                return b.ctc(data.classes()).classNames(data.classNames());
            }
            case VALUES_PER_SEQUENCE, VALUES_PER_STEP ->
                    b.regress(data.targetSize()).normaliseTargets(data.targetMean(), data.targetStd());
            case NONE -> throw new AssertionError("checked above");
        }
        return b.output(data.targets().perStep() ? OutputMode.PER_STEP : OutputMode.SEQUENCE);
    }

    public ModelSpec spec() {
        return spec;
    }

    public Kernels kernels() {
        return kernels;
    }

    /** Every parameter by state_dict name, in one slab. */
    public Slab parameters() {
        checkOpen();
        return parameters;
    }

    /** The gradients, same layout; backward adds into them. */
    public Slab gradients() {
        checkOpen();
        return gradients;
    }

    /**
     * Copies a parameter from row-major values by its state_dict name ({@code embedding.weight},
     * {@code rnn.weight_ih_l0}, {@code head.weight}...), e.g. from a PyTorch state_dict. A wrong
     * name or count, or a NaN or infinite value, is an {@link IllegalArgumentException} naming it,
     * and changes nothing.
     */
    public void setParameter(String name, float[] values) {
        enter("set a parameter of");
        try {
            dev.panamarnn.tensor.Tensor t = parameters.get(name);
            if (values != null && values.length == t.size()) {   // else copyFrom names the expected and actual count
                Finite.require(values, "parameter '" + name + "'", "parameters must be finite");
            }
            t.copyFrom(values);
        } finally {
            exit();
        }
    }

    /** The recurrent stack (its parameters are the "rnn." slices of the model's slabs). */
    public Rnn rnn() {
        return rnn;
    }

    /** The token embedding, or null for a model of float features. */
    public Embedding embedding() {
        return embedding;
    }

    public Head head() {
        return head;
    }

    /** (F) the normalisation mean used by the input stage (internal array: not to be modified). */
    float[] mean() {
        return mean;
    }

    float[] std() {
        return std;
    }

    /** (K) the target normalisation's mean, or null (internal array: not to be modified). */
    float[] targetMean() {
        return targetMean;
    }

    float[] targetStd() {
        return targetStd;
    }

    /** Writes the model file (safetensors, atomically): parameters, normalisation, architecture ({@link SequenceModelFile}). */
    public void save(java.nio.file.Path file) throws dev.panamarnn.io.ModelFileException {
        SequenceModelFile.save(file, this, Map.of());
    }

    /** Reads a model file written by {@link #save} or exported from PyTorch (safetensors, or {@code .onnx} with panama-rnn-onnx on the class path), on the JVM's selected kernels. */
    public static SequenceModel load(java.nio.file.Path file) throws dev.panamarnn.io.ModelFileException {
        return SequenceModelFile.load(file);
    }

    /**
     * The model's output for every sequence of {@code data}, in its order, batched: per sequence
     * (outputs) floats, or per step (T_i * outputs) floats, step-major — logits for a classifier or
     * language model, values for regression (in the targets' units when the model normalises
     * targets). The data set's targets are not read.
     */
    public float[][] predict(SequenceDataset data) {
        enter("predict");
        try {
            return Scoring.predict(this, data);
        } finally {
            exit();
        }
    }

    /** The arg-max class of each sequence (per-sequence classification): index into {@link ModelSpec#classNames()} when set. */
    public int[] predictClasses(SequenceDataset data) {
        if (!spec.task().hasClasses() || spec.outputMode() != OutputMode.SEQUENCE) {
            throw new IllegalStateException("predictClasses is for per-sequence classification; this model is " + spec.task().id() + ", "
                    + spec.outputMode().id());
        }
        float[][] logits = predict(data);
        int[] classes = new int[logits.length];
        for (int i = 0; i < logits.length; i++) {
            classes[i] = Scoring.argMax(java.lang.foreign.MemorySegment.ofArray(logits[i]), 0, logits[i].length);
        }
        return classes;
    }

    /**
     * Loss and the task's measures (accuracy, bits per token, MAE/RMSE) over {@code data}. With
     * target normalisation the loss is in normalised units (what training minimises) and MAE/RMSE
     * are in the targets' units.
     */
    public Metrics evaluate(SequenceDataset data) {
        enter("evaluate");
        try {
            return Scoring.evaluate(this, data);
        } finally {
            exit();
        }
    }

    /**
     * One training pass over a batch without an optimizer step: forward (with dropout), the task's
     * loss, and backpropagation through the head, the stack (BPTT) and the input stage. The
     * parameter gradients are ADDED into {@link #gradients()} (zero them first for one batch's
     * gradient; leave them to sum several batches, as a data-parallel worker does).
     * @return the batch's mean loss
     */
    public double accumulateGradients(dev.panamarnn.data.SequenceBatch batch) {
        if (batch == null) {
            throw new IllegalArgumentException("the batch is null");
        }
        enter("accumulate gradients");
        try {
            return accumulate(batch);
        } finally {
            exit();
        }
    }

    /** {@link #accumulateGradients} for a caller that has claimed the model. */
    double accumulate(dev.panamarnn.data.SequenceBatch batch) {
        ModelPass pass = pass(batch.steps(), batch.batch());
        pass.load(batch);
        pass.forward(true);
        return pass.lossAndBackward();
    }

    /**
     * The dropout masks of the next training forward are drawn from a stream seeded by the model's
     * seed and {@code pass} (each training forward after it counts on): a trainer sets its step
     * number here, so a resumed run draws the masks the uninterrupted run drew. A trainer outside
     * this package (a data-parallel worker) sets a number of its own per (step, worker) before
     * {@link #accumulateGradients}, so a task run again draws the same masks.
     */
    public void dropoutPass(long pass) {
        dropoutPass = pass;
    }

    /** The dropout seed of the next training forward: the model's seed and the pass number, one value per pair (the workspace mixes it). */
    long nextDropoutSeed() {
        return Long.rotateLeft(spec.seed(), 32) ^ dropoutPass++;
    }

    /** Claims the model for a call on this thread (its passes, buffers and parameters); {@link #exit()} releases it. */
    void enter(String what) {
        lifetime.enter(what);
    }

    void exit() {
        lifetime.exit();
    }

    /** Sets every gradient to zero (one fill of the gradient slab). */
    public void zeroGradients() {
        gradients().zero();
    }

    /** The pass for batches of (T, B), made on first use and kept (the least recently used of more than a few is freed). */
    ModelPass pass(int steps, int batch) {
        checkOpen();
        long key = ((long) steps << 32) | batch;
        ModelPass pass = passes.get(key);
        if (pass == null) {
            pass = new ModelPass(this, steps, batch);
            passes.put(key, pass);
            if (passes.size() > CACHED_PASSES) {
                var eldest = passes.entrySet().iterator().next();
                eldest.getValue().close();
                passes.remove(eldest.getKey());
            }
        }
        return pass;
    }

    public boolean isOpen() {
        return lifetime.isOpen();
    }

    void checkOpen() {
        if (!lifetime.isOpen()) {
            throw new IllegalStateException("this SequenceModel is closed");
        }
    }

    /** Frees the parameters and every buffer (at the end of the call in progress, if any). Idempotent. */
    @Override
    public void close() {
        lifetime.close();
    }

    private void free() {
        for (ModelPass pass : passes.values()) {
            pass.close();
        }
        passes.clear();
        rnn.close();
        parameters.close();
        gradients.close();
    }

    @Override
    public String toString() {
        return "SequenceModel(" + spec + ")";
    }

    /**
     * Fluent construction. Defaults: LSTM, H = 64, one layer, unidirectional, no dropout, a single
     * Linear head, seed 0; the output mode follows the task (per step for a language model, once
     * per sequence otherwise) unless set.
     */
    public static final class Builder {
        private int features;
        private float[] mean;
        private float[] std;
        private int vocabulary;
        private int embeddingDim;
        private CellType cell = CellType.LSTM;
        private int hidden = 64;
        private int layers = 1;
        private boolean bidirectional;
        private double dropout;
        private int headHidden;
        private Task task;
        private int outputs;
        private OutputMode outputMode;
        private long seed;
        private List<String> classNames = List.of();
        private float[] targetMean;
        private float[] targetStd;
        private Kernels kernels;

        private Builder() {}

        /** F float features per step. */
        public Builder features(int count) {
            this.features = count;
            return this;
        }

        /** Per-feature normalisation x' = (x - mean) / std, stored in the model. */
        public Builder normalise(float[] featureMean, float[] featureStd) {
            this.mean = featureMean;
            this.std = featureStd;
            return this;
        }

        /** Token ids in [0, V) through an embedding of width E. */
        public Builder tokens(int vocabularySize, int embeddingWidth) {
            this.vocabulary = vocabularySize;
            this.embeddingDim = embeddingWidth;
            return this;
        }

        /** The embedding's width E (token models). */
        public Builder embedding(int width) {
            this.embeddingDim = width;
            return this;
        }

        /** Multi-class classification into C classes (softmax cross-entropy). */
        public Builder classify(int classes) {
            this.task = Task.CLASSIFICATION;
            this.outputs = classes;
            return this;
        }

        /** Regression of K values (mean squared error). */
        public Builder regress(int values) {
            this.task = Task.REGRESSION;
            this.outputs = values;
            return this;
        }

        /**
         * Target normalisation of a regressor, stored in the model: it learns z = (t - mean) / std
         * per output and its outputs are y = z * std + mean, in the targets' units ({@link ModelSpec}).
         */
        public Builder normaliseTargets(float[] mean, float[] std) {
            this.targetMean = mean;
            this.targetStd = std;
            return this;
        }

        /**
         * Connectionist temporal classification into C classes, class 0 the blank: per-step logits
         * trained with the CTC loss against unaligned label sequences ({@link Task#CTC}).
         */
        public Builder ctc(int classes) {
            this.task = Task.CTC;
            this.outputs = classes;
            this.outputMode = OutputMode.PER_STEP;
            return this;
        }

        /** Next-token prediction at every step over the token vocabulary. */
        public Builder languageModel() {
            this.task = Task.LANGUAGE_MODEL;
            this.outputs = 0;
            return this;
        }

        public Builder output(OutputMode mode) {
            this.outputMode = mode;
            return this;
        }

        public Builder cell(CellType type) {
            this.cell = type;
            return this;
        }

        public Builder hidden(int size) {
            this.hidden = size;
            return this;
        }

        public Builder layers(int count) {
            this.layers = count;
            return this;
        }

        public Builder bidirectional(boolean value) {
            this.bidirectional = value;
            return this;
        }

        /** Dropout between recurrent layers, in training only. */
        public Builder dropout(double p) {
            this.dropout = p;
            return this;
        }

        /** A hidden ReLU layer of width K in the head (0: a single Linear). */
        public Builder headHidden(int width) {
            this.headHidden = width;
            return this;
        }

        public Builder classNames(List<String> names) {
            this.classNames = names;
            return this;
        }

        public Builder seed(long value) {
            this.seed = value;
            return this;
        }

        /** The kernels to compute with (default: the JVM's selected ones, native when present). */
        public Builder kernels(Kernels value) {
            this.kernels = value;
            return this;
        }

        public ModelSpec spec() {
            if (task == null) {
                throw new IllegalArgumentException("choose a task: classify(C), regress(K), languageModel() or ctc(C)");
            }
            OutputMode mode = outputMode != null ? outputMode
                    : task == Task.LANGUAGE_MODEL || task == Task.CTC ? OutputMode.PER_STEP : OutputMode.SEQUENCE;
            int out = task == Task.LANGUAGE_MODEL ? vocabulary : outputs;
            return new ModelSpec(features, mean, std, vocabulary, embeddingDim, cell, hidden, layers, bidirectional, dropout,
                    headHidden, task, out, mode, seed, classNames, targetMean, targetStd);
        }

        public SequenceModel build() {
            return new SequenceModel(spec(), kernels != null ? kernels : KernelSelection.selected());
        }
    }
}
