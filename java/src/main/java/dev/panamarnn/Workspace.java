package dev.panamarnn;

import dev.panamarnn.internal.memory.ExclusiveLifetime;
import dev.panamarnn.internal.memory.OffHeap;
import dev.panamarnn.tensor.Slab;
import dev.panamarnn.tensor.Tensor;
import dev.panamarnn.unroll.Stack;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * Everything a forward and backward pass of one {@link Rnn} needs for sequences of T steps in
 * batches of B rows: activations, saved values, gradients of activations, states — one slab,
 * allocated once and reused by every call (nothing is allocated inside the time loop).
 * One thread at a time: a pass (forward, infer, backward) started while another thread's pass on
 * the same workspace is in progress is an {@link IllegalStateException}, never mixed outputs; use
 * one workspace per thread. Closing it frees the memory (at the end of the pass in progress, if
 * any); later use throws {@link IllegalStateException}.
 *
 * <p>Shapes at this API (time-major; with {@code batchFirst} the first two axes of x, output,
 * dOutput and the input gradient are swapped): x (T, B, I); output (T, B, D*H); h0, c0, h_n, c_n
 * (L*D, B, H), index layer*D + direction, as PyTorch.
 */
public final class Workspace implements AutoCloseable {
    private final Rnn rnn;
    private final RnnConfig config;
    private final int steps;
    private final int batch;
    private final Slab slab;
    private final ExclusiveLifetime lifetime;   // one pass at a time; frees the slab
    private final Stack stack;
    private final StateCopies states;     // (L*D, B, H) state tensors <-> each direction's (B, H) state
    private final Tensor copiedOutput;    // the output's own buffer: (T, B, D*H) or (B, T, D*H) with batchFirst
    private final Tensor hiddenOutput;    // (T, B, H) the top layer's hidden states (unidirectional), or null
    private Tensor output;                // user view of the last pass's output: one of the two
    private final Tensor inputGradient;   // (T, B, I) or (B, T, I)
    private final Tensor finalHidden;     // (L*D, B, H)
    private final Tensor finalCell;       // (L*D, B, H) LSTM, else null
    private final Tensor hiddenGradient;  // (L*D, B, H) dL/dh0
    private final Tensor cellGradient;    // (L*D, B, H) dL/dc0, LSTM
    private final MemorySegment dOutputTimeMajor;   // (T, B, D*H) batch-first only
    private final int[] lengths;          // copy of the current batch's lengths
    private final int[] xShape;           // expected shapes at the API, made once
    private final int[] outShape;
    private final int[] stateShape;
    private boolean hasLengths;
    private boolean forwardDone;
    private boolean lastForwardTraining;
    private boolean lastPassWasInference;   // infer() may have read x in place: backward is refused

    Workspace(Rnn rnn, int steps, int batch) {
        if (steps < 1 || batch < 1) {
            throw new IllegalArgumentException("a workspace needs T >= 1 and B >= 1, got T=" + steps + ", B=" + batch);
        }
        // the T*B rows are a GEMM's m (an int), the saved states (T+1)*B rows: refused before anything is allocated
        if ((steps + 1L) * batch > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a workspace's (T+1)*B rows must fit an int (at most " + Integer.MAX_VALUE
                    + "), got T=" + steps + ", B=" + batch + ": (T+1)*B = " + (steps + 1L) * batch);
        }
        // one step's state (B, H) is a BLAS vector length (an int) in backward
        if ((long) batch * rnn.config().hiddenSize() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a workspace's B*H must fit an int (at most " + Integer.MAX_VALUE + "), got B="
                    + batch + ", H=" + rnn.config().hiddenSize() + ": B*H = " + (long) batch * rnn.config().hiddenSize());
        }
        this.rnn = rnn;
        this.config = rnn.config();
        this.steps = steps;
        this.batch = batch;
        int states = config.numLayers() * config.directions(), h = config.hiddenSize();
        Slab.Layout.Builder layout = Slab.Layout.builder();
        boolean packed = Stack.packedWeights(rnn.kernels(), config, batch);
        boolean transposed = !packed && Stack.transposedRecurrentWeights(rnn.kernels(), config, batch);
        long atbScratch = Stack.atbScratchFloats(rnn.kernels(), config, steps, batch);
        Stack.addBuffers(layout, config, steps, batch, transposed, packed, atbScratch);
        layout.add("h_n", states, batch, h).add("d_h0", states, batch, h);
        if (config.cell().hasCellState()) {
            layout.add("c_n", states, batch, h).add("d_c0", states, batch, h);
        }
        if (config.batchFirst()) {
            layout.add("output_bf", batch, steps, config.outputSize())
                  .add("d_input_bf", batch, steps, config.inputSize())
                  .add("d_output_tm", steps, batch, config.outputSize());
        }
        Slab.Layout built = layout.build();
        OffHeap.check(built.byteSize(), "the workspace (T=" + steps + ", B=" + batch + ", H=" + h + ", " + config.numLayers()
                + " layer(s) x " + config.directions() + " direction(s))", "T or B (or use TruncatedBptt for long sequences)");
        this.slab = Slab.allocate("workspace", built);
        try {
            this.stack = new Stack(config, steps, batch, slab, rnn.parameters(), rnn.gradients(), rnn.prefix(), transposed, packed,
                    atbScratch);
            this.states = new StateCopies(stack, config, batch);
        } catch (RuntimeException e) {
            slab.close();
            throw e;
        }
        Tensor topOutput = Tensor.of(stack.output(), steps, batch, config.outputSize());
        Tensor dInput = Tensor.of(stack.inputGradient(), steps, batch, config.inputSize());
        this.copiedOutput = config.batchFirst() ? slab.get("output_bf") : topOutput;
        this.hiddenOutput = config.bidirectional() ? null
                : Tensor.of(stack.topHiddenStates(), steps, batch, config.hiddenSize());
        this.output = copiedOutput;
        this.inputGradient = config.batchFirst() ? slab.get("d_input_bf") : dInput;
        this.dOutputTimeMajor = config.batchFirst() ? slab.get("d_output_tm").segment() : null;
        this.finalHidden = slab.get("h_n");
        this.hiddenGradient = slab.get("d_h0");
        this.finalCell = config.cell().hasCellState() ? slab.get("c_n") : null;
        this.cellGradient = config.cell().hasCellState() ? slab.get("d_c0") : null;
        this.lengths = new int[batch];
        this.xShape = config.batchFirst() ? new int[] {batch, steps, config.inputSize()} : new int[] {steps, batch, config.inputSize()};
        this.outShape = config.batchFirst() ? new int[] {batch, steps, config.outputSize()} : new int[] {steps, batch, config.outputSize()};
        this.stateShape = new int[] {states, batch, h};
        this.lifetime = new ExclusiveLifetime(slab::close, "workspace", "(forward, infer and backward of one workspace run on "
                + "one thread at a time; use one workspace per thread)");
    }

    public int steps() {
        return steps;
    }

    public int batch() {
        return batch;
    }

    /**
     * Makes the dropout masks of the next training {@link #forward} a function of {@code seed}
     * alone (a SplitMix64 stream started from its mix; the forwards after it continue the stream). Without
     * it, each training forward continues the stream this workspace started at the config's seed.
     * A trainer that reseeds before every step from its step number draws the same masks when a
     * resumed run repeats the step.
     */
    public void reseedDropout(long seed) {
        lifetime.enter("reseed dropout");
        try {
            stack.reseedDropout(seed);
        } finally {
            lifetime.exit();
        }
    }

    /**
     * Runs the network over x.
     * @param x        (T, B, I) or (B, T, I) with batchFirst
     * @param lengths  per-row sequence lengths in [1, T], any order; null: every row has T steps
     * @param h0       (L*D, B, H) initial hidden state, or null for zeros
     * @param c0       (L*D, B, H) initial cell state (LSTM only), or null for zeros
     * @param training apply dropout between layers (when configured)
     * @return the output tensor (a view into this workspace, valid until the next call)
     */
    public Tensor forward(Tensor x, int[] lengths, Tensor h0, Tensor c0, boolean training) {
        return run(x, lengths, h0, c0, training, false);
    }

    /**
     * An inference pass: the same output as {@code forward(x, lengths, h0, c0, false)}, bit for bit,
     * without two copies: x (T*B*I floats) is read where it is when it can be (no lengths,
     * time-major, off-heap memory outside this workspace), and a unidirectional network's output
     * (T*B*H) is the top layer's hidden states themselves. Nothing is kept for backward: {@link #backward} refuses to run until the next
     * {@link #forward}.
     * @return the output tensor (a view into this workspace, valid until the next call)
     */
    public Tensor infer(Tensor x, int[] lengths, Tensor h0, Tensor c0) {
        return run(x, lengths, h0, c0, false, true);
    }

    /** A pass: check -> copy in -> stack -> copy out. */
    private Tensor run(Tensor x, int[] lengths, Tensor h0, Tensor c0, boolean training, boolean inference) {
        lifetime.enter(inference ? "infer" : "run forward");
        try {
            rnn.checkOpen();
            return pass(x, lengths, h0, c0, training, inference);
        } finally {
            lifetime.exit();
        }
    }

    private Tensor pass(Tensor x, int[] lengths, Tensor h0, Tensor c0, boolean training, boolean inference) {
        checkForward(x, lengths, h0, c0);
        forwardDone = false;   // until this pass completes: a pass that throws leaves nothing for backward
        MemorySegment input = copyInput(x, inference);
        states.copyInitialStates(h0, c0);
        // infer() may return the top layer's hidden states as they are (nothing else reads them
        // afterwards); a forward copies them, so that writing into its output cannot touch
        // what backward reads
        MemorySegment top = stack.forward(rnn.kernels(), input, hasLengths ? this.lengths : null, training, inference);
        states.copyFinalStates(finalHidden, finalCell);
        output = copyOutput(top);
        forwardDone = true;
        lastForwardTraining = training;
        lastPassWasInference = inference;
        return output;
    }

    /**
     * Backpropagation through time over the whole sequence of the last forward pass. Parameter
     * gradients are added to {@link Rnn#gradients()}; the gradients w.r.t. x, h0 and c0 are in
     * {@link #inputGradient()}, {@link #initialHiddenGradient()}, {@link #initialCellGradient()}.
     * @param dOutput (T, B, D*H) (or (B, T, D*H)) dL/d output; values at padded steps are ignored
     * @param dhN     (L*D, B, H) dL/dh_n, or null for zeros
     * @param dcN     (L*D, B, H) dL/dc_n (LSTM), or null for zeros
     */
    public void backward(Tensor dOutput, Tensor dhN, Tensor dcN) {
        backwardThroughLast(steps, dOutput, dhN, dcN);
    }

    /**
     * Truncated backpropagation: gradient flows only through the last {@code depth} steps
     * (1 <= depth <= T); earlier steps get no gradient, nor do h0 and c0 unless depth = T.
     * Unidirectional networks only.
     */
    public void backwardThroughLast(int depth, Tensor dOutput, Tensor dhN, Tensor dcN) {
        lifetime.enter("run backward");
        try {
            rnn.checkOpen();
            checkBackward(depth, dOutput, dhN, dcN);
            states.copyFinalStateGradients(dhN, dcN);
            MemorySegment dy = timeMajorOutputGradient(dOutput);
            stack.backward(rnn.kernels(), dy, hasLengths ? lengths : null, depth, lastForwardTraining);
            // dL/dh0 (and dL/dc0) reach the initial state only through a full-depth backward
            states.copyInitialStateGradients(depth == steps, hiddenGradient, cellGradient);
            copyInputGradient();
        } finally {
            lifetime.exit();
        }
    }

    // ---- forward: check, copy in, copy out ----

    /** Shapes of x, h0, c0 and the lengths (which it keeps for the pass). */
    private void checkForward(Tensor x, int[] lengths, Tensor h0, Tensor c0) {
        expectShape("x", x, xShape, config.batchFirst() ? "(B, T, I)" : "(T, B, I)");
        setLengths(lengths);
        if (h0 != null) {
            expectShape("h0", h0, stateShape, "(L*D, B, H)");
        }
        if (c0 != null) {
            if (!config.cell().hasCellState()) {
                throw new IllegalArgumentException("c0 is only for LSTM; this network is " + config.cell().id());
            }
            expectShape("c0", c0, stateShape, "(L*D, B, H)");
        }
    }

    /**
     * The stack's input (T, B, I), time-major, padded steps zero: x copied (or transposed) into
     * the stack's input buffer, or x itself for an inference pass that can read it in place.
     */
    private MemorySegment copyInput(Tensor x, boolean inference) {
        MemorySegment input = stack.input();                     // (T, B, I) time-major
        if (config.batchFirst()) {
            swapFirstTwoAxes(x.segment(), input, batch, steps, config.inputSize());
        } else if (inference && readsInputInPlace(x)) {
            input = x.segment();
        } else {
            MemorySegment.copy(x.segment(), 0, input, 0, x.segment().byteSize());
        }
        if (hasLengths) {
            zeroPaddedInputs();
        }
        return input;
    }

    /** The output tensor for the stack's top output (T, B, D*H): transposed for batchFirst, else a view. */
    private Tensor copyOutput(MemorySegment top) {
        if (config.batchFirst()) {
            swapFirstTwoAxes(top, copiedOutput.segment(), steps, batch, config.outputSize());
            return copiedOutput;
        }
        return top == stack.output() ? copiedOutput : hiddenOutput;   // the same segment objects each pass
    }

    // ---- backward: check, copy in, copy out ----

    /** A forward pass to go back through, the depth, and the shapes of dOutput, dhN and dcN. */
    private void checkBackward(int depth, Tensor dOutput, Tensor dhN, Tensor dcN) {
        if (!forwardDone) {
            throw new IllegalStateException("backward needs a forward pass on this workspace first");
        }
        if (lastPassWasInference) {
            throw new IllegalStateException("backward needs a forward pass; the last pass on this workspace was infer(),"
                    + " which keeps nothing for backward");
        }
        if (depth < 1 || depth > steps) {
            throw new IllegalArgumentException("backward depth must be in [1, T=" + steps + "], got " + depth);
        }
        if (depth < steps && config.bidirectional()) {
            throw new IllegalArgumentException("truncated backpropagation (depth " + depth + " < T " + steps
                    + ") is for unidirectional networks; this one is bidirectional");
        }
        expectShape("dOutput", dOutput, outShape, config.batchFirst() ? "(B, T, D*H)" : "(T, B, D*H)");
        if (dhN != null) {
            expectShape("dhN", dhN, stateShape, "(L*D, B, H)");
        }
        if (dcN != null) {
            if (!config.cell().hasCellState()) {
                throw new IllegalArgumentException("dcN is only for LSTM; this network is " + config.cell().id());
            }
            expectShape("dcN", dcN, stateShape, "(L*D, B, H)");
        }
        rnn.checkGradientsOpen();
    }

    /** dOutput as (T, B, D*H): itself, or transposed from batch-first into a buffer of this workspace. */
    private MemorySegment timeMajorOutputGradient(Tensor dOutput) {
        if (!config.batchFirst()) {
            return dOutput.segment();
        }
        swapFirstTwoAxes(dOutput.segment(), dOutputTimeMajor, batch, steps, config.outputSize());
        return dOutputTimeMajor;
    }

    /** dL/dx of a batch-first network: the stack's (T, B, I) transposed (a time-major network's is the stack's own). */
    private void copyInputGradient() {
        if (config.batchFirst()) {
            swapFirstTwoAxes(stack.inputGradient(), inputGradient.segment(), steps, batch, config.inputSize());
        }
    }

    /** Output of the last forward pass: (T, B, D*H), or (B, T, D*H) with batchFirst; zeros at padded steps. */
    public Tensor output() {
        checkOpen();
        return output;
    }

    /** h_n of the last forward pass: (L*D, B, H); for each row the state at its own last step. */
    public Tensor finalHidden() {
        checkOpen();
        return finalHidden;
    }

    /** c_n of the last forward pass (LSTM): (L*D, B, H); null for other cells. */
    public Tensor finalCell() {
        checkOpen();
        return finalCell;
    }

    /** dL/dx of the last backward pass, same shape as x. */
    public Tensor inputGradient() {
        checkOpen();
        return inputGradient;
    }

    /** dL/dh0 of the last backward pass: (L*D, B, H). */
    public Tensor initialHiddenGradient() {
        checkOpen();
        return hiddenGradient;
    }

    /** dL/dc0 of the last backward pass (LSTM): (L*D, B, H); null for other cells. */
    public Tensor initialCellGradient() {
        checkOpen();
        return cellGradient;
    }

    /**
     * Whether {@link #infer} can read x where it is: no padded step needs zeroing, native code can
     * read it, and it is not this workspace's own memory (a bidirectional layer writes its output
     * before its reverse direction projects x).
     */
    private boolean readsInputInPlace(Tensor x) {
        MemorySegment xs = x.segment();
        return !hasLengths && xs.isNative() && xs.asOverlappingSlice(slab.all()).isEmpty();
    }

    /**
     * Padded steps (t >= length) of the input copy become zeros, so whatever the caller left there
     * (even NaN) reaches neither the input projection nor dW_ih = dG^T X.
     */
    private void zeroPaddedInputs() {
        MemorySegment input = stack.input();
        int features = config.inputSize();
        for (int t = 0; t < steps; t++) {
            for (int b = 0; b < batch; b++) {
                if (t >= lengths[b]) {
                    long row = ((long) t * batch + b) * features;
                    for (int i = 0; i < features; i++) {
                        input.setAtIndex(Tensor.FLOAT, row + i, 0f);
                    }
                }
            }
        }
    }

    private void setLengths(int[] given) {
        if (given == null) {
            hasLengths = false;
            return;
        }
        if (given.length != batch) {
            throw new IllegalArgumentException("lengths must have one entry per batch row: expected " + batch + ", got " + given.length);
        }
        boolean full = true;
        for (int b = 0; b < batch; b++) {
            if (given[b] < 1 || given[b] > steps) {
                throw new IllegalArgumentException("lengths[" + b + "] must be in [1, T=" + steps + "], got " + given[b]);
            }
            full &= given[b] == steps;
        }
        System.arraycopy(given, 0, lengths, 0, batch);
        hasLengths = !full;
    }

    private static void expectShape(String name, Tensor t, int[] expected, String meaning) {
        if (t == null) {
            throw new IllegalArgumentException(name + " is required, expected shape " + Arrays.toString(expected) + " " + meaning);
        }
        if (!t.hasShape(expected)) {
            throw new IllegalArgumentException(name + " must have shape " + Arrays.toString(expected) + " " + meaning
                    + ", got " + Arrays.toString(t.shape()));
        }
        if (!t.isAlive()) {
            throw new IllegalStateException(name + " is a tensor whose memory was closed");
        }
    }

    /** dst (b, a, f) = src (a, b, f). */
    private static void swapFirstTwoAxes(MemorySegment src, MemorySegment dst, int a, int b, int f) {
        long rowBytes = (long) f * Float.BYTES;
        for (int i = 0; i < a; i++) {
            for (int j = 0; j < b; j++) {
                MemorySegment.copy(src, ((long) i * b + j) * rowBytes, dst, ((long) j * a + i) * rowBytes, rowBytes);
            }
        }
    }

    private void checkOpen() {
        if (!lifetime.isOpen()) {
            throw new IllegalStateException("this workspace is closed");
        }
        rnn.checkOpen();
    }

    /** Frees the memory (at the end of the pass in progress, if any). Idempotent. */
    @Override
    public void close() {
        lifetime.close();
    }
}
