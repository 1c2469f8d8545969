package dev.panamarnn.infer;

import dev.panamarnn.cell.Cell;
import dev.panamarnn.cell.Products;
import dev.panamarnn.cell.ResetBeforeStep;
import dev.panamarnn.internal.checks.Finite;
import dev.panamarnn.internal.memory.ExclusiveLifetime;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.tensor.Slab;
import dev.panamarnn.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The state of one stream (one session, sensor, user...) of an {@link InferenceModel}: h of every
 * layer, and c for LSTM, off-heap, plus the scratch buffers of a step — all allocated here, once.
 * {@link #step(float[], float[])} consumes one input event x_t (I floats) and gives the top layer's
 * h_t (H floats). A step allocates nothing on the Java heap and makes, per layer, one matrix-vector
 * product (two for GRU; three, with a kernel after each of the last two, for the reset-before GRU)
 * and one fused cell kernel (see {@link ModelLayer} for the layout that makes
 * this possible). The products read the weights the model keeps packed where the kernels read
 * that copy faster ({@link dev.panamarnn.cell.Products}).
 *
 * <p>A stream of a whole model ({@link InferenceModel#of(dev.panamarnn.model.SequenceModel)}) also
 * runs the model's input stage — the event normalised, or a token id's embedding row gathered
 * ({@link #step(int, float[])}) — and its head: the output is the head applied to the top layer's h_t,
 * {@link #outputSize()} floats ({@link InputStage}, {@link StreamHead}).
 *
 * <p>One thread at a time: a second thread stepping, resetting, saving or restoring the same stream
 * while a call is in progress gets an {@link IllegalStateException} (never a corrupted state).
 * Streams of one model are independent and may run in parallel on any threads.
 *
 * <p>NaN and infinity are not checked: a NaN in an input propagates to the output and into the
 * state (every later output of the stream is NaN), exactly as the full-sequence forward does;
 * {@link #reset()} (or {@link #restore(byte[])}) recovers.
 *
 * <p>Closing frees the memory (at the end of the step in progress, if any); later calls throw
 * {@link IllegalStateException}, as do calls after the model was closed.
 */
public final class StreamState implements AutoCloseable {
    private static final ValueLayout.OfFloat F = Tensor.FLOAT;
    private static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final InferenceModel model;
    private final Kernels kernels;
    private final ModelLayer[] layers;
    private final InputStage stage;
    private final StreamHead head;            // null for a bare network
    private final int inputSize;
    private final int hidden;
    private final int outputSize;             // H, or the head's outputs
    private final boolean lstm;
    private final boolean gru;                // the recurrent product apart (Cell.separateRecurrentProduct)
    private final boolean resetBefore;        // the recurrent product in two parts (Cell.splitsRecurrentProduct)
    private final boolean quantized;          // int8 or bf16 weights: each product converts its vector (ModelLayer)
    private final Cell cell;                  // the cell's fused kernel
    private final Slab slab;
    private final ExclusiveLifetime lifetime;

    private final MemorySegment vector;       // (I + L*H) v = [x | h_0 | ... | h_{L-1}]
    private final MemorySegment input;        // (I) x_t, the head of v
    private final MemorySegment hiddenState;  // (L, H) h, the tail of v
    private final MemorySegment cellState;    // (L, H) c, LSTM only; null otherwise
    private final MemorySegment[] windows;    // [l] (In_l + H) [input of layer l | h_l], views of v
    private final MemorySegment[] inputs;     // [l] (In_l) input of layer l, views of v
    private final MemorySegment[] hiddens;    // [l] (H) h_l, views of v
    private final MemorySegment[] cells;      // [l] (H) c_l, LSTM
    private final MemorySegment gates;        // (G*H) the products without bias, then activations
    private final MemorySegment hiddenGates;  // (3H) GRU: h_{t-1} W_hh^T, then + b_hh
    private final MemorySegment cellPrevious; // (H) LSTM: c_{t-1} (the kernel may not update c in place)
    private final MemorySegment hiddenNext;   // (H) GRU: h_t before it replaces h_{t-1}
    private final MemorySegment hiddenRz;     // (2H) reset-before GRU: h_{t-1} W_h{r,z}^T, the head of hiddenGates
    private final MemorySegment hiddenN;      // (H) reset-before GRU: (r h_{t-1}) W_hn^T, the tail of hiddenGates
    private final MemorySegment resetHidden;  // (H) reset-before GRU: r h_{t-1}
    private final MemorySegment converted;    // (max(I, H)) int8 or bf16 model: the vector of a product, converted; else null
    private final MemorySegment quantScale;   // (1) int8 model: that vector's scale; else null
    private final MemorySegment headHidden;   // (K) the head's hidden activations; null without a hidden layer
    private final MemorySegment output;       // (outputs) the head's output; for a bare network h_{L-1} itself
    private final MemorySegment outputView;   // (outputs) read-only view of output

    /** Used by one {@link StreamBatcher} worker only: the batch this stream was last put in. */
    Object batchOwner;
    long batchMark;

    StreamState(InferenceModel model) {
        this.model = model;
        this.kernels = model.kernels();
        this.layers = model.layers();
        this.stage = model.input();
        this.head = model.head();
        this.inputSize = model.inputSize();
        this.hidden = model.hiddenSize();
        this.outputSize = model.outputSize();
        this.lstm = model.cell().hasCellState();
        this.cell = Cell.of(model.cell());
        this.gru = cell.separateRecurrentProduct();
        this.resetBefore = cell.splitsRecurrentProduct();
        this.quantized = model.precision() != Precision.FLOAT32;
        int count = layers.length, gw = model.cell().gates() * hidden;
        Slab.Layout.Builder layout = Slab.Layout.builder()
                .add("v", inputSize + count * hidden)     // (I + L*H)
                .add("gates", gw);                        // (G*H)
        if (lstm) {
            layout.add("c", count, hidden)                // (L, H)
                  .add("c_prev", hidden);                 // (H)
        }
        if (gru) {
            layout.add("hidden_gates", gw)                // (3H)
                  .add("h_next", hidden);                 // (H)
        }
        if (resetBefore) {
            layout.add("reset_hidden", hidden);           // (H)
        }
        if (quantized) {
            layout.add("x_q", QuantizedMatrix.slots(QuantizedMatrix.scratchBytes(1, Math.max(inputSize, hidden))))  // (max(I, H)) uint8 or bf16
                  .add("x_scale", 1);                     // (1)
        }
        if (head != null) {
            layout.add("head_out", head.outputs);         // (outputs)
            if (head.hidden > 0) {
                layout.add("head_hidden", head.hidden);   // (K)
            }
        }
        this.slab = Slab.allocate("stream state", layout.build());
        this.vector = slab.get("v").segment();
        this.input = vector.asSlice(0, (long) inputSize * Float.BYTES);
        this.hiddenState = vector.asSlice((long) inputSize * Float.BYTES);
        this.cellState = lstm ? slab.get("c").segment() : null;
        this.gates = slab.get("gates").segment();
        this.cellPrevious = lstm ? slab.get("c_prev").segment() : null;
        this.hiddenGates = gru ? slab.get("hidden_gates").segment() : null;
        this.hiddenNext = gru ? slab.get("h_next").segment() : null;
        long hBytes0 = (long) hidden * Float.BYTES;
        this.hiddenRz = resetBefore ? hiddenGates.asSlice(0, 2 * hBytes0) : null;
        this.hiddenN = resetBefore ? hiddenGates.asSlice(2 * hBytes0, hBytes0) : null;
        this.resetHidden = resetBefore ? slab.get("reset_hidden").segment() : null;
        this.windows = new MemorySegment[count];
        this.inputs = new MemorySegment[count];
        this.hiddens = new MemorySegment[count];
        this.cells = new MemorySegment[count];
        long hBytes = (long) hidden * Float.BYTES;
        for (int l = 0; l < count; l++) {
            ModelLayer p = layers[l];
            windows[l] = vector.asSlice(p.windowOffset * Float.BYTES, (long) p.rowLength * Float.BYTES);
            inputs[l] = vector.asSlice(p.windowOffset * Float.BYTES, (long) p.inputSize * Float.BYTES);
            hiddens[l] = vector.asSlice(p.hiddenOffset * Float.BYTES, hBytes);
            cells[l] = lstm ? cellState.asSlice(l * hBytes, hBytes) : null;
        }
        this.converted = quantized ? slab.get("x_q").segment() : null;
        this.quantScale = quantized ? slab.get("x_scale").segment() : null;
        this.headHidden = head != null && head.hidden > 0 ? slab.get("head_hidden").segment() : null;
        this.output = head != null ? slab.get("head_out").segment() : hiddens[count - 1];
        this.outputView = output.asReadOnly();
        this.lifetime = new ExclusiveLifetime(slab::close, "StreamState", "(a stream is stepped, reset, saved or restored by "
                + "one thread at a time; a step queued in a StreamBatcher counts while its batch runs)");
    }

    public InferenceModel model() {
        return model;
    }

    /** I: floats per input event (for a token model, the embedding width; its events are token ids). */
    public int inputSize() {
        return inputSize;
    }

    /** Floats per output: H (the top layer's h_t), or the head's outputs for a whole model. */
    public int outputSize() {
        return outputSize;
    }

    /**
     * One event: x_t (I floats) in, the top layer's h_t (H floats) written to {@code output} — for a
     * whole model, x_t normalised first if the model normalises, and the head's outputs written.
     * Allocates nothing. {@code output} may be {@code input} when the widths are equal.
     */
    public void step(float[] input, float[] output) {
        checkFloatEvents();
        checkLength("input", input, inputSize);
        checkLength("output", output, outputSize);
        enter("step");
        try {
            MemorySegment.copy(input, 0, this.input, F, 0, inputSize);
            stage.normalise(this.input, 0);
            advance();
            MemorySegment.copy(this.output, F, 0, output, 0, outputSize);
        } finally {
            exit();
        }
    }

    /** One event, returning a new array of {@link #outputSize()} floats (allocates it; use {@link #step(float[], float[])} in hot loops). */
    public float[] step(float[] input) {
        float[] output = new float[outputSize];
        step(input, output);
        return output;
    }

    /**
     * One token of a token model: x_t = its embedding row; the head's outputs (e.g. the next token's
     * logits) written to {@code output}. Allocates nothing. An id outside [0, V) is an
     * {@link IllegalArgumentException} naming it and V, and changes nothing.
     */
    public void step(int tokenId, float[] output) {
        checkTokenEvent(tokenId);
        checkLength("output", output, outputSize);
        enter("step");
        try {
            stage.gather(tokenId, this.input, 0);
            advance();
            MemorySegment.copy(this.output, F, 0, output, 0, outputSize);
        } finally {
            exit();
        }
    }

    /** {@link #step(int, float[])} into a segment of exactly {@link #outputSize()} floats (native byte order). */
    public void step(int tokenId, MemorySegment output) {
        checkTokenEvent(tokenId);
        checkSize("output", output, outputSize);
        if (output.isReadOnly()) {
            throw new IllegalArgumentException("output is a read-only segment");
        }
        enter("step");
        try {
            stage.gather(tokenId, this.input, 0);
            advance();
            MemorySegment.copy(this.output, 0, output, 0, (long) outputSize * Float.BYTES);
        } finally {
            exit();
        }
    }

    /**
     * One token; returns a read-only view of this stream's output ({@link #outputSize()} floats),
     * valid until its next step, reset or close. Allocates nothing and copies nothing out.
     */
    public MemorySegment step(int tokenId) {
        checkTokenEvent(tokenId);
        enter("step");
        try {
            stage.gather(tokenId, this.input, 0);
            advance();
            return outputView;
        } finally {
            exit();
        }
    }

    /**
     * One event from and to memory segments (heap or off-heap, native byte order):
     * {@code input} exactly I floats, {@code output} exactly {@link #outputSize()} floats. Allocates nothing.
     */
    public void step(MemorySegment input, MemorySegment output) {
        checkFloatEvents();
        checkSize("input", input, inputSize);
        checkSize("output", output, outputSize);
        if (output.isReadOnly()) {
            throw new IllegalArgumentException("output is a read-only segment");
        }
        enter("step");
        try {
            MemorySegment.copy(input, 0, this.input, 0, (long) inputSize * Float.BYTES);
            stage.normalise(this.input, 0);
            advance();
            MemorySegment.copy(this.output, 0, output, 0, (long) outputSize * Float.BYTES);
        } finally {
            exit();
        }
    }

    /**
     * One event; returns a read-only view of this stream's output (h_t, or the head's outputs:
     * {@link #outputSize()} floats), valid until its next step, reset or close. Allocates nothing
     * and copies nothing out.
     */
    public MemorySegment step(MemorySegment input) {
        checkFloatEvents();
        checkSize("input", input, inputSize);
        enter("step");
        try {
            MemorySegment.copy(input, 0, this.input, 0, (long) inputSize * Float.BYTES);
            stage.normalise(this.input, 0);
            advance();
            return outputView;
        } finally {
            exit();
        }
    }

    /** The step itself, on x_t already in the head of v, then the head if any; the caller holds both lifetimes. */
    private void advance() {
        Kernels k = kernels;
        int h = hidden;
        for (int l = 0; l < layers.length; l++) {
            ModelLayer p = layers[l];
            int gw = p.gateWidth;
            if (resetBefore) {
                // xg (3H) = W_ih (3H, In) x (In); then the two recurrent products and kernels; h_t beside h_{t-1}
                Products.timesTransposed(k, 1, gw, p.inputSize, inputs[l], p.inputSize, p.weights, p.weightStride, null, 0f, gates);
                ResetBeforeStep.forward(k, hiddenNext, gates, hiddenRz, resetHidden, hiddenN, p.bias, p.recurrentBias, hiddens[l],
                        p.resetBefore, 1, h);
                MemorySegment.copy(hiddenNext, 0, hiddens[l], 0, (long) h * Float.BYTES);     // h_l = h_t
                continue;
            }
            if (quantized) {
                // pre (G*H) = W_ih x_t, then += W_hh h_{t-1} (GRU: hg (3H) apart), int8 or bf16; each vector converted on its own
                p.inputQuantized.times(k, gates, gw, 0f, inputs[l], p.inputSize, 1, converted, quantScale);
                p.recurrentQuantized.times(k, gru ? hiddenGates : gates, gw, gru ? 0f : 1f, hiddens[l], h, 1, converted, quantScale);
            } else if (gru) {
                // xg (3H) = W_ih (3H, In) x (In);  hg (3H) = W_hh (3H, H) h_{t-1} (H); the kernel adds b_ih, b_hh
                Products.timesTransposed(k, 1, gw, p.inputSize, inputs[l], p.inputSize, p.weights, p.weightStride, null, p.packed, 0f,
                        gates);
                Products.timesTransposed(k, 1, gw, h, hiddens[l], h, p.recurrentWeights, p.recurrentStride, null, p.packedRecurrent, 0f,
                        hiddenGates);
            } else {
                // pre (G*H) = [W_ih | W_hh] (G*H, In+H) [x_t | h_{t-1}] (In+H); the kernel adds b_ih + b_hh
                Products.timesTransposed(k, 1, gw, p.rowLength, windows[l], p.rowLength, p.weights, p.rowLength, null, p.packed, 0f,
                        gates);
            }
            if (lstm) {
                MemorySegment.copy(cells[l], 0, cellPrevious, 0, (long) h * Float.BYTES);     // c_{t-1}
            }
            // GRU's kernel reads h_{t-1}, so its h_t goes beside it first; the others write h_l (and c_l) in place
            MemorySegment hNext = gru ? hiddenNext : hiddens[l];
            cell.forwardKernel(k, hNext, cells[l], gates, hiddenGates, p.bias, p.recurrentBias, hiddens[l], cellPrevious, 1, h);
            if (gru) {
                MemorySegment.copy(hiddenNext, 0, hiddens[l], 0, (long) h * Float.BYTES);     // h_l = h_t
            }
        }
        if (head != null) {
            head.forward(output, headHidden, hiddens[layers.length - 1], h, 1);               // y = head(h_{L-1})
        }
    }

    /** Zero state (h, and c for LSTM): the stream starts a new sequence. */
    public void reset() {
        enterStreamOnly("reset");
        try {
            vector.fill((byte) 0);
            if (cellState != null) {
                cellState.fill((byte) 0);
            }
        } finally {
            lifetime.exit();
        }
    }

    /**
     * Sets the state, as PyTorch's h_0 and c_0 for a batch of one.
     * @param hidden (L, H) layer-major, L*H floats
     * @param cell   (L, H) for LSTM; must be null for GRU and RNN; null for LSTM means zeros
     * @throws IllegalArgumentException for a wrong size or a NaN or infinite value (naming the
     *         element), leaving the state unchanged
     */
    public void setState(float[] hidden, float[] cell) {
        int n = checkNewState(hidden, cell);
        enterStreamOnly("set the state of");
        try {
            MemorySegment.copy(hidden, 0, hiddenState, F, 0, n);
            if (cellState != null) {
                if (cell == null) {
                    cellState.fill((byte) 0);
                } else {
                    MemorySegment.copy(cell, 0, cellState, F, 0, n);
                }
            }
        } finally {
            lifetime.exit();
        }
    }

    /** Checks h (L, H) and, for LSTM only, c (L, H) arrays to set: their sizes and finite values; returns L*H. */
    private int checkNewState(float[] hidden, float[] cell) {
        int n = checkStateArrays(hidden, cell);
        Finite.require(hidden, "hidden state (L, H)", "a state must be finite");
        if (cell != null) {
            Finite.require(cell, "cell state (L, H)", "a state must be finite");
        }
        return n;
    }

    /** Checks h (L, H) and, for LSTM only, c (L, H) arrays; returns L*H. */
    private int checkStateArrays(float[] hidden, float[] cell) {
        int n = layers.length * this.hidden;
        checkLength("hidden state (L, H)", hidden, n);
        if (cell != null) {
            if (!lstm) {
                throw new IllegalArgumentException("a cell state is only for LSTM; this model is " + model.cell().id());
            }
            checkLength("cell state (L, H)", cell, n);
        }
        return n;
    }

    /**
     * Copies the state out.
     * @param hidden receives h (L, H), L*H floats
     * @param cell   receives c (L, H) for LSTM, or null to skip; must be null for other cells
     */
    public void getState(float[] hidden, float[] cell) {
        int n = checkStateArrays(hidden, cell);
        enterStreamOnly("read the state of");
        try {
            MemorySegment.copy(hiddenState, F, 0, hidden, 0, n);
            if (cell != null) {
                MemorySegment.copy(cellState, F, 0, cell, 0, n);
            }
        } finally {
            lifetime.exit();
        }
    }

    /** Bytes of {@link #snapshot()}: 56 + 4*L*H (x2 for LSTM). */
    public int snapshotSize() {
        return Snapshot.size(layers.length, hidden, lstm ? 2 : 1);
    }

    /**
     * The state as bytes (format in docs/streaming.md), tied to the model's fingerprint: restore it
     * into a stream of the same model, in this process or another.
     */
    public byte[] snapshot() {
        enterStreamOnly("snapshot");
        try {
            int n = layers.length * hidden;
            ByteBuffer b = Snapshot.begin(model.rawFingerprint(), layers.length, hidden, lstm ? 2 : 1);
            MemorySegment out = MemorySegment.ofArray(b.array());
            MemorySegment.copy(hiddenState, F, 0, out, LE_FLOAT, b.position(), n);
            b.position(b.position() + n * Float.BYTES);
            if (lstm) {
                MemorySegment.copy(cellState, F, 0, out, LE_FLOAT, b.position(), n);
                b.position(b.position() + n * Float.BYTES);
            }
            return Snapshot.seal(b);
        } finally {
            lifetime.exit();
        }
    }

    /**
     * Replaces the state with a snapshot of a stream of the same model. A snapshot of another model
     * (other fingerprint), a truncated or corrupted one, or one with a NaN or infinite value (a
     * snapshot of a stream that a NaN input had reached) is an {@link IllegalArgumentException}
     * naming the problem, and leaves the state unchanged.
     */
    public void restore(byte[] snapshot) {
        ByteBuffer b = Snapshot.open(snapshot, model.rawFingerprint(), layers.length, hidden, lstm ? 2 : 1);
        enterStreamOnly("restore");
        try {
            int n = layers.length * hidden;
            MemorySegment in = MemorySegment.ofArray(snapshot);
            MemorySegment.copy(in, LE_FLOAT, b.position(), hiddenState, F, 0, n);
            if (lstm) {
                MemorySegment.copy(in, LE_FLOAT, b.position() + (long) n * Float.BYTES, cellState, F, 0, n);
            }
            input.fill((byte) 0);
        } finally {
            lifetime.exit();
        }
    }

    public boolean isOpen() {
        return lifetime.isOpen();
    }

    /** Frees the state (at the end of the call in progress, if any). Idempotent. */
    @Override
    public void close() {
        lifetime.close();
    }

    // ---- lifetimes ----

    /** Claims this stream and enters the model (a step needs both). */
    private void enter(String what) {
        lifetime.enter(what);
        if (!model.tryEnter()) {
            lifetime.exit();
            throw new IllegalStateException("cannot " + what + ": the InferenceModel of this stream is closed");
        }
    }

    private void exit() {
        model.exit();
        lifetime.exit();
    }

    /** Claims this stream for a call that does not read the model. */
    private void enterStreamOnly(String what) {
        lifetime.enter(what);
    }

    // ---- for StreamBatcher (same package) ----

    /** Claims this stream for a batch; IDLE on success, else the refusing state. */
    int tryClaim() {
        return lifetime.tryEnter();
    }

    void release() {
        lifetime.exit();
    }

    /** The exception for a claim refused in {@code state}. */
    IllegalStateException refusal(int state, String what) {
        return lifetime.refusal(state, what);
    }

    /** (L, H) h, the tail of v. Only while claimed. */
    MemorySegment hiddenState() {
        return hiddenState;
    }

    /** (L, H) c for LSTM, else null. Only while claimed. */
    MemorySegment cellState() {
        return cellState;
    }

    // ---- argument checks ----

    private void checkFloatEvents() {
        if (stage.tokens()) {
            throw new IllegalArgumentException("this model reads token ids in [0, " + stage.vocabulary
                    + "), not float events: use step(int tokenId, ...)");
        }
    }

    private void checkTokenEvent(int tokenId) {
        if (!stage.tokens()) {
            throw new IllegalArgumentException("this model reads " + inputSize + " floats per event, not token ids: use step(float[], ...)");
        }
        stage.checkToken(tokenId);
    }

    private static void checkLength(String name, float[] a, int expected) {
        if (a == null) {
            throw new IllegalArgumentException(name + " is null; expected " + expected + " floats");
        }
        if (a.length != expected) {
            throw new IllegalArgumentException(name + " must have " + expected + " floats, got " + a.length);
        }
    }

    private static void checkSize(String name, MemorySegment s, int expectedFloats) {
        if (s == null) {
            throw new IllegalArgumentException(name + " is null; expected a segment of " + expectedFloats + " floats");
        }
        if (s.byteSize() != (long) expectedFloats * Float.BYTES) {
            throw new IllegalArgumentException(name + " must be " + expectedFloats + " floats (" + (long) expectedFloats * Float.BYTES
                    + " bytes), got a segment of " + s.byteSize() + " bytes");
        }
        if (!s.scope().isAlive()) {
            throw new IllegalStateException(name + " is a segment whose arena is closed");
        }
    }
}
