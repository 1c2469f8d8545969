package dev.panamarnn.model;

import dev.panamarnn.RnnConfig;
import dev.panamarnn.Workspace;
import dev.panamarnn.data.SequenceBatch;
import dev.panamarnn.internal.memory.OffHeap;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.tensor.Tensor;
import dev.panamarnn.train.CtcLoss;
import dev.panamarnn.train.MeanSquaredError;
import dev.panamarnn.train.SoftmaxCrossEntropy;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One forward and backward pass of a {@link SequenceModel} for batches of exactly T steps and B
 * rows: the recurrent workspace and every buffer around it, allocated once (DESIGN.md "Memory").
 * The pass reads as the model's floors:
 * <pre>
 *   forward   input stage (embedding gather | normalise) -> Workspace.forward -> head input
 *             (every step's output, or each row's final state) -> head -> y
 *   loss      softmax cross-entropy | mean squared error (against normalised targets when the model
 *             normalises targets), padded steps masked | CTC against each row's label sequence
 *   backward  head -> dL/d(output) or dL/dh_n -> Workspace.backward (BPTT) -> embedding scatter-add
 * </pre>
 * Parameter gradients are added into the model's gradient slab (the caller zeroes it). One thread.
 */
final class ModelPass implements AutoCloseable {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;
    private static final ValueLayout.OfInt I = ValueLayout.JAVA_INT;

    private final SequenceModel model;
    private final ModelSpec spec;
    private final Kernels kernels;
    private final int steps;
    private final int batch;
    private final int rows;              // rows through the head: T*B per step, B per sequence
    private final int headIn;            // D*H
    private final int outputs;
    private final boolean perStep;
    private final Workspace workspace;
    private final Arena arena = Arena.ofShared();
    private final Tensor x;              // (T, B, I) the stack's input: embedded tokens or normalised features
    private final MemorySegment ids;     // (T, B) int32 token ids (token models)
    private final MemorySegment gathered;// (B, 2H) both directions' final states (bidirectional, per sequence)
    private final MemorySegment hidden;  // (rows, K) the head's hidden activations
    private final MemorySegment dHidden; // (rows, K)
    private final MemorySegment y;       // (rows, outputs) logits or predictions
    private final MemorySegment dy;      // (rows, outputs)
    private final MemorySegment labels;  // (rows) int32 class ids
    private final MemorySegment targets; // (rows, outputs) regression targets, normalised when the model normalises targets
    private final MemorySegment targetMean; // (outputs) target normalisation, or null
    private final MemorySegment targetStd;  // (outputs) or null
    private final MemorySegment values;  // (rows, outputs) y in the targets' units (target normalisation), or null
    private final MemorySegment mask;    // (rows) 1 at real steps, 0 at padded ones (per step)
    private final Tensor dOutput;        // (T, B, D*H) dL/d(stack output): the head's dx per step, zeros per sequence
    private final MemorySegment dHeadIn; // (B, D*H) the head's dx per sequence
    private final Tensor dFinal;         // (L*D, B, H) dL/dh_n per sequence: the top layer's slices set
    private final int[] lengths;         // (B)
    private final CtcLoss ctc;           // CTC models' loss and its scratch, else null
    private int[][] labelSequences;      // (B) each (S_b) the loaded batch's label sequences (CTC)
    private boolean full;                // every row has T steps: no lengths passed down
    private MemorySegment headInput;     // (rows, D*H) what the head read in the last forward
    private boolean hasClasses;
    private boolean hasTargets;
    private boolean loaded;

    ModelPass(SequenceModel model, int steps, int batch) {
        this.model = model;
        this.spec = model.spec();
        this.kernels = model.kernels();
        this.steps = steps;
        this.batch = batch;
        this.perStep = spec.outputMode() == OutputMode.PER_STEP;
        this.headIn = spec.headInput();
        this.outputs = spec.outputs();
        RnnConfig rc = model.rnn().config();
        int k = Math.max(spec.headHidden(), 1);
        this.workspace = model.rnn().workspace(steps, batch);   // checks T and B first: T*B fits an int
        this.rows = perStep ? steps * batch : batch;
        try {
            this.x = Tensor.allocate(arena, steps, batch, rc.inputSize());
            this.ids = buffer((long) steps * batch * Integer.BYTES);
            this.gathered = buffer((long) batch * headIn * Float.BYTES);
            this.hidden = buffer((long) rows * k * Float.BYTES);
            this.dHidden = buffer((long) rows * k * Float.BYTES);
            this.y = buffer((long) rows * outputs * Float.BYTES);
            this.dy = buffer((long) rows * outputs * Float.BYTES);
            this.labels = buffer((long) rows * Integer.BYTES);
            this.targets = buffer((long) rows * outputs * Float.BYTES);
            boolean denormalise = spec.targetsNormalised();
            this.targetMean = denormalise ? arena.allocateFrom(F, model.targetMean()) : null;
            this.targetStd = denormalise ? arena.allocateFrom(F, model.targetStd()) : null;
            this.values = denormalise ? buffer((long) rows * outputs * Float.BYTES) : null;
            this.mask = buffer((long) rows * Float.BYTES);
            this.dOutput = Tensor.allocate(arena, steps, batch, headIn);
            this.dHeadIn = buffer((long) batch * headIn * Float.BYTES);
            this.dFinal = Tensor.allocate(arena, rc.numLayers() * rc.directions(), batch, rc.hiddenSize());
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
        this.lengths = new int[batch];
        this.ctc = spec.task() == Task.CTC ? new CtcLoss(kernels, outputs, 0) : null;
    }

    /** One zeroed buffer of this pass in its arena; a size that cannot succeed is an IllegalArgumentException naming T and B. */
    private MemorySegment buffer(long bytes) {
        return OffHeap.allocate(arena, bytes, 64, "a model pass (T=" + steps + ", B=" + batch + ")", "T or B");
    }

    /** (rows, outputs) the head's output of the last forward: logits or predictions (normalised units under target normalisation). */
    MemorySegment output() {
        return y;
    }

    /**
     * (rows, outputs) the model's output of the last forward in the targets' units: y = z * targetStd
     * + targetMean under target normalisation (into a buffer of its own; the head's output stays),
     * else the head's output itself.
     */
    MemorySegment predictions() {
        if (values == null) {
            return y;
        }
        Head.denormalise(values, y, targetMean, targetStd, rows, outputs);
        return values;
    }

    /** Copies a batch in: the stack's input (embedded or normalised, zero at padded steps), lengths, targets. */
    void load(SequenceBatch b) {
        load(b, true);
    }

    /** Copies a batch in; without targets (prediction) its labels and targets are neither checked nor read. */
    void load(SequenceBatch b, boolean withTargets) {
        if (b.steps() != steps) {
            throw new IllegalArgumentException("batch is (T=" + b.steps() + ", B=" + b.batch() + "), this pass is for (T=" + steps
                    + ", B=" + batch + ")");
        }
        load(b, 0, b.lengths(), withTargets);
    }

    /**
     * Copies steps [from, from + T) of a longer batch in, read in place (a truncated-BPTT window):
     * each row's length within the window is {@code windowLengths[r]} in [1, T].
     */
    void load(SequenceBatch b, int from, int[] windowLengths, boolean withTargets) {
        if (b.batch() != batch || from < 0 || from + steps > b.steps()) {
            throw new IllegalArgumentException("batch is (T=" + b.steps() + ", B=" + b.batch() + "); steps [" + from + ", "
                    + (from + steps) + ") of it do not fit this pass for (T=" + steps + ", B=" + batch + ")");
        }
        checkArrays(b, from, windowLengths, withTargets);
        full = true;
        for (int r = 0; r < batch; r++) {
            lengths[r] = windowLengths[r];
            full &= lengths[r] == steps;
        }
        int offset = from * batch;                                                 // (from, 0) in the time-major (T', B) arrays
        if (spec.tokens()) {
            MemorySegment.copy(b.tokens(), offset, ids, I, 0, steps * batch);
            model.embedding().forward(x.segment(), ids, steps * batch);             // x[t, b] = E[ids[t, b]]
        } else {
            loadFeatures(b.features(), offset * spec.features());
        }
        hasClasses = withTargets && b.labels() != null;
        hasTargets = hasClasses || (withTargets && b.targets() != null);
        if (ctc != null) {
            labelSequences = withTargets ? b.labelSequences() : null;
            hasTargets = labelSequences != null;
        }
        int targetOffset = perStep ? offset : 0;
        if (ctc == null && hasClasses) {                                           // (CTC's label sequences are read where they are)
            MemorySegment.copy(b.labels(), targetOffset, labels, I, 0, rows);
        } else if (ctc == null && hasTargets) {
            loadTargets(b.targets(), targetOffset * outputs);
        }
        if (perStep) {
            for (int t = 0; t < steps; t++) {
                for (int r = 0; r < batch; r++) {
                    mask.setAtIndex(F, (long) t * batch + r, t < lengths[r] ? 1f : 0f);
                }
            }
        }
        loaded = true;
    }

    /** Each array of the batch (of T' >= T steps) has the size the model needs (values are checked where they are used). */
    private void checkArrays(SequenceBatch b, int from, int[] windowLengths, boolean withTargets) {
        require("lengths", windowLengths, batch, "(B)");
        for (int r = 0; r < batch; r++) {
            if (windowLengths[r] < 1 || windowLengths[r] > steps) {
                throw new IllegalArgumentException("lengths[" + r + "] must be in [1, T=" + steps + "], got " + windowLengths[r]);
            }
        }
        long all = (long) b.steps() * batch;
        long targetRows = perStep ? all : batch;
        if (spec.tokens()) {
            require("tokens", b.tokens(), all, "(T, B)");
        } else {
            require("features", b.features(), all * spec.features(), "(T, B, F)");
        }
        if (!withTargets) {
            return;
        }
        if (ctc != null) {
            if (from != 0 || steps != b.steps()) {
                throw new IllegalArgumentException("a CTC model's loss aligns whole sequences; steps [" + from + ", " + (from + steps)
                        + ") are a window of a batch of " + b.steps());
            }
            if (b.labelSequences() != null) {
                require("label sequences", b.labelSequences(), batch, "(B)");
            } else if (b.labels() != null || b.targets() != null) {
                throw new IllegalArgumentException("a CTC model needs label sequences, the batch has " + (b.labels() != null ? "class labels" : "float targets"));
            }
            return;
        }
        if (b.labels() != null) {
            if (!spec.task().hasClasses()) {
                throw new IllegalArgumentException("a regression model needs float targets, the batch has class labels");
            }
            require("labels", b.labels(), targetRows, perStep ? "(T, B)" : "(B)");
        } else if (b.targets() != null) {
            if (spec.task().hasClasses()) {
                throw new IllegalArgumentException("a " + spec.task().id() + " model needs class labels, the batch has float targets");
            }
            require("targets", b.targets(), targetRows * outputs, perStep ? "(T, B, K)" : "(B, K)");
        }
    }

    private static void require(String name, Object array, long expected, String shape) {
        int length = array == null ? -1 : java.lang.reflect.Array.getLength(array);
        if (length != expected) {
            throw new IllegalArgumentException("batch " + name + " " + shape + " must have " + expected + " elements, got "
                    + (array == null ? "null" : length));
        }
    }

    /** x' = (x - mean) / std per feature (PyTorch's float32 arithmetic), 0 at padded steps; features read from {@code offset}. */
    private void loadFeatures(float[] features, int offset) {
        int f = spec.features();
        MemorySegment xs = x.segment();
        if (!spec.normalised()) {
            MemorySegment.copy(features, offset, xs, F, 0, steps * batch * f);
            return;
        }
        float[] mean = model.mean(), std = model.std();
        for (int t = 0; t < steps; t++) {
            for (int r = 0; r < batch; r++) {
                long at = ((long) t * batch + r) * f;
                boolean real = t < lengths[r];
                for (int j = 0; j < f; j++) {
                    xs.setAtIndex(F, at + j, real ? (features[offset + (int) at + j] - mean[j]) / std[j] : 0f);
                }
            }
        }
    }

    /** t' = (t - targetMean) / targetStd per output k under target normalisation, else t as it is; read from {@code offset}. */
    private void loadTargets(float[] t, int offset) {
        if (!spec.targetsNormalised()) {
            MemorySegment.copy(t, offset, targets, F, 0, rows * outputs);
            return;
        }
        float[] mean = model.targetMean(), std = model.targetStd();
        for (int i = 0; i < rows * outputs; i++) {
            int k = i % outputs;
            targets.setAtIndex(F, i, (t[offset + i] - mean[k]) / std[k]);
        }
    }

    /**
     * Rows that take no part in the loss (a truncated-BPTT window after a row's sequence ended):
     * their mask is 0 at every step. Per-step models only; call after {@link #load}.
     */
    void deactivate(boolean[] inactive) {
        for (int r = 0; r < batch; r++) {
            if (inactive[r]) {
                full = false;
                for (int t = 0; t < steps; t++) {
                    mask.setAtIndex(F, (long) t * batch + r, 0f);
                }
            }
        }
    }

    /** The network and the head over the loaded batch; returns y (rows, outputs). */
    MemorySegment forward(boolean training) {
        return forward(training, null, null);
    }

    /**
     * The same from initial states (a truncated-BPTT window continuing the previous one).
     * @param h0 (L*D, B, H) or null for zeros
     * @param c0 (L*D, B, H) LSTM, or null
     */
    MemorySegment forward(boolean training, Tensor h0, Tensor c0) {
        if (!loaded) {
            throw new IllegalStateException("forward needs a loaded batch");
        }
        int[] given = full ? null : lengths;
        if (training && model.spec().dropout() > 0) {
            workspace.reseedDropout(model.nextDropoutSeed());
        }
        Tensor out = training ? workspace.forward(x, given, h0, c0, true) : workspace.infer(x, given, h0, c0);
        headInput = perStep ? out.segment() : finalStates();
        model.head().forward(y, hidden, headInput, rows);
        return y;
    }

    /** (B, D*H) each row's final state of the top layer; both directions' side by side when bidirectional. */
    private MemorySegment finalStates() {
        RnnConfig rc = model.rnn().config();
        Tensor hn = workspace.finalHidden();                                       // (L*D, B, H)
        int top = (rc.numLayers() - 1) * rc.directions();
        if (rc.directions() == 1) {
            return hn.slice(top).segment();
        }
        long hBytes = (long) rc.hiddenSize() * Float.BYTES;
        MemorySegment forward = hn.slice(top).segment(), reverse = hn.slice(top + 1).segment();
        for (long r = 0; r < batch; r++) {                                         // [h_n[-2] | h_n[-1]]
            MemorySegment.copy(forward, r * hBytes, gathered, 2 * r * hBytes, hBytes);
            MemorySegment.copy(reverse, r * hBytes, gathered, (2 * r + 1) * hBytes, hBytes);
        }
        return gathered;
    }

    /** The mean loss of the last forward (no gradient). */
    double loss() {
        return loss(false);
    }

    /** The mean loss of the last forward and its gradient, back through head, stack and embedding. */
    double lossAndBackward() {
        double loss = loss(true);
        backward();
        return loss;
    }

    private double loss(boolean gradient) {
        if (!hasTargets) {
            throw new IllegalArgumentException("the batch has no labels or targets: a loss needs them (prediction does not)");
        }
        if (ctc != null) {                                                         // y (T, B, C) time-major
            return ctc.forwardBackward(y, steps, batch, lengths, labelSequences, gradient ? dy : null, null);
        }
        MemorySegment m = perStep && !full ? mask : MemorySegment.NULL;
        if (hasClasses) {
            return gradient ? SoftmaxCrossEntropy.forwardBackward(kernels, dy, y, labels, m, rows, outputs)
                    : SoftmaxCrossEntropy.forward(kernels, y, labels, m, rows, outputs);
        }
        return gradient ? MeanSquaredError.forwardBackward(dy, y, targets, m, rows, outputs)
                : MeanSquaredError.forward(y, targets, m, rows, outputs);
    }

    private void backward() {
        if (perStep) {
            model.head().backward(dOutput.segment(), dy, dHidden, hidden, headInput, rows);   // dL/d(output_t) per step
            workspace.backward(dOutput, null, null);
        } else {
            model.head().backward(dHeadIn, dy, dHidden, hidden, headInput, rows);              // dL/d(final states)
            scatterFinalGradient();
            workspace.backward(dOutput, dFinal, null);                                      // dOutput stays zero
        }
        if (spec.tokens()) {
            model.embedding().backward(workspace.inputGradient().segment(), ids, steps * batch);   // dE[ids] += dx
        }
    }

    /** dFinal's top-layer slices = the head's dx (split between the directions); the rest stays zero. */
    private void scatterFinalGradient() {
        RnnConfig rc = model.rnn().config();
        int top = (rc.numLayers() - 1) * rc.directions();
        if (rc.directions() == 1) {
            MemorySegment.copy(dHeadIn, 0, dFinal.slice(top).segment(), 0, (long) batch * headIn * Float.BYTES);
            return;
        }
        long hBytes = (long) rc.hiddenSize() * Float.BYTES;
        MemorySegment forward = dFinal.slice(top).segment(), reverse = dFinal.slice(top + 1).segment();
        for (long r = 0; r < batch; r++) {
            MemorySegment.copy(dHeadIn, 2 * r * hBytes, forward, r * hBytes, hBytes);
            MemorySegment.copy(dHeadIn, (2 * r + 1) * hBytes, reverse, r * hBytes, hBytes);
        }
    }

    /** h_n (L*D, B, H) of the last forward: each row's state at its own last step. */
    Tensor finalHidden() {
        return workspace.finalHidden();
    }

    /** c_n (L*D, B, H) of the last forward (LSTM), else null. */
    Tensor finalCell() {
        return workspace.finalCell();
    }

    @Override
    public void close() {
        if (workspace != null) {
            workspace.close();
        }
        if (ctc != null) {
            ctc.close();
        }
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }

    @Override
    public String toString() {
        return "ModelPass(T=" + steps + ", B=" + batch + ", rows=" + rows + ", D*H=" + headIn + ", outputs=" + outputs + ")";
    }
}
