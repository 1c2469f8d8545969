package dev.panamarnn.infer;

import dev.panamarnn.CellType;
import dev.panamarnn.Rnn;
import dev.panamarnn.RnnConfig;
import dev.panamarnn.cell.ResetBeforeWeights;
import dev.panamarnn.internal.kernels.Int8Packing;
import dev.panamarnn.internal.kernels.Int8Rows;
import dev.panamarnn.kernels.CheckedKernels;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.layers.Linear;
import dev.panamarnn.model.SequenceModel;
import dev.panamarnn.tensor.Matrices;
import dev.panamarnn.tensor.Slab;
import dev.panamarnn.tensor.Tensor;
import dev.panamarnn.unroll.Names;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A recurrent network ready for streaming inference: immutable, thread-safe, shared by any number
 * of {@link StreamState}s and {@link StreamBatcher}s on any threads (DESIGN.md "Streaming
 * inference"). It owns its own copy of the parameters in one off-heap slab, laid out for one
 * matrix-vector product per layer and step (see {@link ModelLayer}), so the network it was built
 * from may change or close afterwards.
 * <pre>{@code
 * try (InferenceModel model = InferenceModel.of(rnn);      // once per process
 *      StreamState stream = model.newStream()) {           // once per session / sensor / user
 *     stream.step(event, output);                          // per event: no allocation
 * }
 * }</pre>
 * Unidirectional networks only: a bidirectional layer's reverse direction reads the future.
 *
 * <p>A whole {@link SequenceModel} ({@link #of(SequenceModel)}) adds its input stage and its head:
 * a step then takes a feature event (normalised inside, if the model normalises) or a token id
 * (its embedding row is gathered) and gives the head applied to the top layer's h_t — logits or
 * regression values (in the targets' units when the model normalises targets), {@link #outputSize()}
 * floats. For a model that reads per sequence, that is its prediction for the sequence so far, as
 * if it ended at this step.
 *
 * <p>Precision: the factories without a {@link Precision} keep float32 weights. With
 * {@link Precision#INT8} or {@link Precision#BF16} ({@link #of(Rnn, Precision)},
 * {@link #of(SequenceModel, Precision)}) the recurrent weights are converted once, here, and every
 * step converts its vectors dynamically (docs/quantization.md); the state, the biases, the cell, the
 * input stage and the head stay float32, and the fingerprint is the float32 network's (a snapshot
 * moves between precisions).
 *
 * <p>Closing: {@link #close()} returns at once. Steps already running finish normally; every later
 * step of every stream throws {@link IllegalStateException}; the memory is freed when the last
 * running step has left (never while a kernel may read it).
 */
public final class InferenceModel implements AutoCloseable {
    private final RnnConfig config;
    private final Precision precision;
    private final Kernels kernels;
    private final Slab slab;
    private final ModelLayer[] layers;
    private final InputStage input;
    private final StreamHead head;         // null for a bare network: a step gives h_t
    private final byte[] fingerprint;
    private final SharedLifetime lifetime;

    /**
     * What a whole model adds to the stack, as its own (live) tensors; {@link #NONE} for a bare network.
     * @param embedding (V, I) or null;  mean, std (I) or null;  head the Linears (one, or two around a ReLU of width K) or null;
     *                  targetMean, targetStd (outputs) the target normalisation, or null
     */
    private record Parts(Tensor embedding, float[] mean, float[] std, Linear[] head, int headHidden, float[] targetMean,
                         float[] targetStd) {
        static final Parts NONE = new Parts(null, null, null, null, 0, null, null);
    }

    private InferenceModel(RnnConfig config, Map<String, Tensor> parameters, Kernels kernels, Parts parts, Precision precision) {
        if (precision == null) {
            throw new IllegalArgumentException("precision is required (FLOAT32 or INT8)");
        }
        if (precision != Precision.FLOAT32 && config.cell() == CellType.GRU_RESET_BEFORE) {
            throw new IllegalArgumentException(precision + " inference supports LSTM, GRU and RNN cells; this network is "
                    + config.cell().id() + ", whose recurrent product is split around the reset gate: use FLOAT32");
        }
        if (precision == Precision.INT8 && Math.max(config.inputSize(), config.hiddenSize()) > Int8Rows.MAX_LENGTH) {
            throw new IllegalArgumentException("int8 inference needs I and H at most " + Int8Rows.MAX_LENGTH
                    + " (an int32 sums their products exactly), got I=" + config.inputSize() + ", H=" + config.hiddenSize());
        }
        if (config.bidirectional()) {
            throw new IllegalArgumentException("streaming inference needs a unidirectional network: the reverse direction "
                    + "of a bidirectional layer reads the whole future sequence; this network is bidirectional ("
                    + config.numLayers() + " layers x 2 directions)");
        }
        // a stream's vector [x | h_0 .. h_{L-1}] and each layer's row [input | h] are indexed by int
        if (config.inputSize() + (long) config.numLayers() * config.hiddenSize() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("streaming needs I + L*H to fit an int (at most " + Integer.MAX_VALUE + "), got I="
                    + config.inputSize() + ", L=" + config.numLayers() + ", H=" + config.hiddenSize());
        }
        this.config = config;
        this.precision = precision;
        this.kernels = kernels instanceof CheckedKernels c ? c.inner() : kernels;
        List<String> names = stateDictNames(config);
        checkParameters(config, names, parameters);
        this.slab = Slab.allocate("inference model", layout(config, this.kernels, parts, precision));
        this.layers = new ModelLayer[config.numLayers()];
        try {
            for (int l = 0; l < layers.length; l++) {
                layers[l] = copyLayer(l, parameters);
            }
            this.input = copyInputStage(parts);
            this.head = copyHead(parts);
            this.fingerprint = parts == Parts.NONE ? Fingerprint.of(config, names, parameters) : wholeFingerprint(names, parameters);
        } catch (RuntimeException e) {
            slab.close();
            throw e;
        }
        this.lifetime = new SharedLifetime(slab::close);
    }

    /** A model with a copy of the network's parameters, computing with the network's kernels. */
    public static InferenceModel of(Rnn rnn) {
        if (rnn == null) {
            throw new IllegalArgumentException("rnn is required");
        }
        return of(rnn, rnn.kernels());
    }

    /** A model with a copy of the network's parameters in the given precision, computing with the network's kernels. */
    public static InferenceModel of(Rnn rnn, Precision precision) {
        if (rnn == null) {
            throw new IllegalArgumentException("rnn is required");
        }
        return of(rnn, rnn.kernels(), precision);
    }

    /** A model with a copy of the network's parameters, computing with the given kernels. */
    public static InferenceModel of(Rnn rnn, Kernels kernels) {
        return of(rnn, kernels, Precision.FLOAT32);
    }

    /** A model with a copy of the network's parameters in the given precision, computing with the given kernels. */
    public static InferenceModel of(Rnn rnn, Kernels kernels, Precision precision) {
        if (rnn == null) {
            throw new IllegalArgumentException("rnn is required");
        }
        return new InferenceModel(rnn.config(), stackParameters(rnn), kernels, Parts.NONE, precision);
    }

    /**
     * A whole model (input stage, stack, head) with a copy of its parameters and normalisation,
     * computing with the model's kernels. A step takes F feature floats (or a token id) and gives
     * the head's outputs; see the class comment.
     */
    public static InferenceModel of(SequenceModel model) {
        if (model == null) {
            throw new IllegalArgumentException("model is required");
        }
        return of(model, model.kernels());
    }

    /** {@link #of(SequenceModel)} with the stack's weights in the given precision (the input stage and head stay float32). */
    public static InferenceModel of(SequenceModel model, Precision precision) {
        if (model == null) {
            throw new IllegalArgumentException("model is required");
        }
        return of(model, model.kernels(), precision);
    }

    /** {@link #of(SequenceModel)} computing with the given kernels. */
    public static InferenceModel of(SequenceModel model, Kernels kernels) {
        return of(model, kernels, Precision.FLOAT32);
    }

    /** {@link #of(SequenceModel, Kernels)} with the stack's weights in the given precision. */
    public static InferenceModel of(SequenceModel model, Kernels kernels, Precision precision) {
        if (model == null || kernels == null) {
            throw new IllegalArgumentException("model and kernels are required");
        }
        if (!model.isOpen()) {
            throw new IllegalStateException("this SequenceModel is closed");
        }
        Parts parts = new Parts(model.embedding() == null ? null : model.embedding().weight(), model.spec().mean(), model.spec().std(),
                model.head().linears(), model.head().hidden(), model.spec().targetMean(), model.spec().targetStd());
        return new InferenceModel(model.rnn().config(), stackParameters(model.rnn()), kernels, parts, precision);
    }

    /** The stack's state_dict tensors by their names without the network's prefix ("rnn." in a whole model). */
    private static Map<String, Tensor> stackParameters(Rnn rnn) {
        Map<String, Tensor> parameters = new LinkedHashMap<>();
        for (String name : stateDictNames(rnn.config())) {
            parameters.put(name, rnn.parameter(name));
        }
        return parameters;
    }

    /**
     * A model from PyTorch state_dict tensors (e.g. read from a model file), copied:
     * weight_ih_l{k} (G*H, In_k), weight_hh_l{k} (G*H, H), bias_ih_l{k} (G*H), bias_hh_l{k} (G*H).
     * Every name must be present with exactly that shape; other entries are ignored.
     */
    public static InferenceModel of(RnnConfig config, Map<String, Tensor> parameters, Kernels kernels) {
        return of(config, parameters, kernels, Precision.FLOAT32);
    }

    /** {@link #of(RnnConfig, Map, Kernels)} with the weights in the given precision. */
    public static InferenceModel of(RnnConfig config, Map<String, Tensor> parameters, Kernels kernels, Precision precision) {
        if (config == null || parameters == null || kernels == null) {
            throw new IllegalArgumentException("config, parameters and kernels are required");
        }
        return new InferenceModel(config, parameters, kernels, Parts.NONE, precision);
    }

    /**
     * The model's slab: per layer the joined weights [W_ih | W_hh], the folded bias and GRU's b_hh;
     * and their transpose when batched steps of this layer run on the kernels' small-product path;
     * then a whole model's embedding or normalisation, its head and its target normalisation, under
     * their state_dict and model-file names. An int8 model keeps, instead of the float weights, W_ih
     * and W_hh quantized (four int8 values per float slot, packed for the product), with their row scales and corrections;
     * a bf16 model W_ih and W_hh in bf16 (two per float slot).
     */
    private static Slab.Layout layout(RnnConfig c, Kernels kernels, Parts parts, Precision precision) {
        Slab.Layout.Builder layout = Slab.Layout.builder();
        int gw = c.cell().gates() * c.hiddenSize();
        for (int l = 0; l < c.numLayers(); l++) {
            int rowLength = c.layerInputSize(l) + c.hiddenSize();
            if (precision == Precision.BF16) {
                layout.add("l" + l + ".w_ih.bf16", QuantizedMatrix.slots(2L * gw * c.layerInputSize(l)))  // (G*H, In) bf16
                      .add("l" + l + ".w_hh.bf16", QuantizedMatrix.slots(2L * gw * c.hiddenSize()))        // (G*H, H) bf16
                      .add("l" + l + ".bias", gw);                                               // (G*H)
                if (ModelLayer.separateRecurrentWeights(c.cell())) {
                    layout.add("l" + l + ".b_hh", gw);                                           // (3H)
                }
                continue;
            }
            if (precision == Precision.INT8) {
                layout.add("l" + l + ".w_ih.int8", QuantizedMatrix.slots(Int8Packing.packedBytes(gw, c.layerInputSize(l))))  // (G*H, In) int8 packed
                      .add("l" + l + ".w_ih.scale", gw)                                          // (G*H)
                      .add("l" + l + ".w_ih.comp", gw)                                           // (G*H) int32
                      .add("l" + l + ".w_hh.int8", QuantizedMatrix.slots(Int8Packing.packedBytes(gw, c.hiddenSize())))  // (G*H, H) int8 packed
                      .add("l" + l + ".w_hh.scale", gw)                                          // (G*H)
                      .add("l" + l + ".w_hh.comp", gw)                                           // (G*H) int32
                      .add("l" + l + ".bias", gw);                                               // (G*H)
                if (ModelLayer.separateRecurrentWeights(c.cell())) {
                    layout.add("l" + l + ".b_hh", gw);                                           // (3H)
                }
                continue;
            }
            layout.add("l" + l + ".weights", gw, rowLength)                               // (G*H, In+H)
                  .add("l" + l + ".bias", gw);                                            // (G*H)
            int panelRows = (int) (Kernels.packedFloats(gw, 1));                          // G*H rounded up to whole panels
            if (packedWeights(kernels, c.cell(), gw, rowLength)) {
                if (ModelLayer.separateRecurrentWeights(c.cell())) {
                    layout.add("l" + l + ".packed", panelRows, c.layerInputSize(l))        // W_ih packed: (G*H up, In)
                          .add("l" + l + ".packed_hh", panelRows, c.hiddenSize());        // W_hh packed: (G*H up, H)
                } else {
                    layout.add("l" + l + ".packed", panelRows, rowLength);                // [W_ih | W_hh] packed: (G*H up, In+H)
                }
            } else if (transposedWeights(kernels, gw, rowLength)) {
                layout.add("l" + l + ".weights_t", rowLength, gw);                        // (In+H, G*H)
            }
            if (ModelLayer.separateRecurrentWeights(c.cell())) {
                layout.add("l" + l + ".b_hh", gw);                                        // (3H)
            }
        }
        if (parts.embedding() != null) {
            layout.add(EMBEDDING, parts.embedding().shape());                            // (V, E)
        }
        if (parts.mean() != null) {
            layout.add(MEAN, c.inputSize())                                               // (F)
                  .add(STD, c.inputSize());                                               // (F)
        }
        if (parts.head() != null) {
            for (Linear linear : parts.head()) {
                layout.add(linear.prefix() + "weight", linear.out(), linear.in())          // (out, in)
                      .add(linear.prefix() + "bias", linear.out());                        // (out)
            }
        }
        if (parts.targetMean() != null) {
            layout.add(TARGET_MEAN, parts.targetMean().length)                            // (outputs)
                  .add(TARGET_STD, parts.targetStd().length);                             // (outputs)
        }
        return layout.build();
    }

    /**
     * Whether batches of two or more streams multiply by this layer's weights packed once
     * ({@link Kernels#fastPackedProduct}); not the reset-before GRU, whose recurrent product comes
     * in two parts (it keeps the transposed copy).
     */
    private static boolean packedWeights(Kernels kernels, CellType cell, int gateWidth, int rowLength) {
        return cell != CellType.GRU_RESET_BEFORE && kernels.fastPackedProduct(2, gateWidth, rowLength);
    }

    /** Whether a batch of two or more streams would run this layer's product on the small-product path. */
    private static boolean transposedWeights(Kernels kernels, int gateWidth, int rowLength) {
        return kernels.fastSmallProduct(2, gateWidth, rowLength);
    }

    private static List<String> stateDictNames(RnnConfig c) {
        List<String> names = new ArrayList<>();
        for (int l = 0; l < c.numLayers(); l++) {
            names.add(Names.weightIh(l, 0));
            names.add(Names.weightHh(l, 0));
            names.add(Names.biasIh(l, 0));
            names.add(Names.biasHh(l, 0));
        }
        return names;
    }

    private static void checkParameters(RnnConfig c, List<String> names, Map<String, Tensor> parameters) {
        int gw = c.cell().gates() * c.hiddenSize();
        for (int l = 0; l < c.numLayers(); l++) {
            int[][] shapes = {{gw, c.layerInputSize(l)}, {gw, c.hiddenSize()}, {gw}, {gw}};
            for (int p = 0; p < 4; p++) {
                String name = names.get(4 * l + p);
                Tensor t = parameters.get(name);
                if (t == null) {
                    throw new IllegalArgumentException("parameter '" + name + "' is missing; a " + c.cell().id() + " network with I="
                            + c.inputSize() + ", H=" + c.hiddenSize() + ", " + c.numLayers() + " layer(s) needs " + names);
                }
                if (!Arrays.equals(t.shape(), shapes[p])) {
                    throw new IllegalArgumentException("parameter '" + name + "' must have shape " + Arrays.toString(shapes[p])
                            + ", got " + Arrays.toString(t.shape()));
                }
                if (!t.isAlive()) {
                    throw new IllegalStateException("parameter '" + name + "' is a tensor whose memory was closed");
                }
            }
        }
    }

    /**
     * Copies layer l: weights[r] = [W_ih[r] | W_hh[r]] and bias = b_ih + b_hh (folded); for both GRUs
     * weights = W_ih then W_hh, each contiguous, and b_ih and b_hh apart (ModelLayer).
     */
    private ModelLayer copyLayer(int l, Map<String, Tensor> parameters) {
        int h = config.hiddenSize(), in = config.layerInputSize(l), gw = config.cell().gates() * h;
        MemorySegment wIh = parameters.get(Names.weightIh(l, 0)).segment();   // (G*H, In)
        MemorySegment wHh = parameters.get(Names.weightHh(l, 0)).segment();   // (G*H, H)
        MemorySegment bIh = parameters.get(Names.biasIh(l, 0)).segment();     // (G*H)
        MemorySegment bHh = parameters.get(Names.biasHh(l, 0)).segment();     // (G*H)
        boolean gru = ModelLayer.separateRecurrentWeights(config.cell());   // both GRUs
        MemorySegment bias = slab.get("l" + l + ".bias").segment();           // (G*H)
        MemorySegment recurrentBias = null;
        if (gru) {
            MemorySegment.copy(bIh, 0, bias, 0, (long) gw * Float.BYTES);
            recurrentBias = slab.get("l" + l + ".b_hh").segment();
            MemorySegment.copy(bHh, 0, recurrentBias, 0, (long) gw * Float.BYTES);
        } else {
            for (long j = 0; j < gw; j++) {                                     // b = b_ih + b_hh, as the unroller folds it
                bias.setAtIndex(Tensor.FLOAT, j, bIh.getAtIndex(Tensor.FLOAT, j) + bHh.getAtIndex(Tensor.FLOAT, j));
            }
        }
        if (precision == Precision.INT8) {
            Int8Matrix inputInt8 = quantized(l, "w_ih", wIh, gw, in);
            Int8Matrix recurrentInt8 = quantized(l, "w_hh", wHh, gw, h);
            return new ModelLayer(l, config.cell(), config.inputSize(), in, h, null, null, null, null, bias, recurrentBias,
                    inputInt8, recurrentInt8);
        }
        if (precision == Precision.BF16) {
            Bf16Matrix inputBf16 = Bf16Matrix.round(wIh, gw, in, slab.get("l" + l + ".w_ih.bf16").segment());
            Bf16Matrix recurrentBf16 = Bf16Matrix.round(wHh, gw, h, slab.get("l" + l + ".w_hh.bf16").segment());
            return new ModelLayer(l, config.cell(), config.inputSize(), in, h, null, null, null, null, bias, recurrentBias,
                    inputBf16, recurrentBf16);
        }
        MemorySegment weights = slab.get("l" + l + ".weights").segment();     // (G*H, In+H) floats
        long inBytes = (long) gw * in * Float.BYTES;                           // W_ih's size
        if (gru) {
            MemorySegment.copy(wIh, 0, weights, 0, inBytes);                   // W_ih (G*H, In)
            MemorySegment.copy(wHh, 0, weights, inBytes, (long) gw * h * Float.BYTES); // W_hh (G*H, H)
        } else {
            long rowBytes = (long) (in + h) * Float.BYTES;
            for (int r = 0; r < gw; r++) {
                MemorySegment.copy(wIh, (long) r * in * Float.BYTES, weights, r * rowBytes, (long) in * Float.BYTES);
                MemorySegment.copy(wHh, (long) r * h * Float.BYTES, weights, r * rowBytes + (long) in * Float.BYTES, (long) h * Float.BYTES);
            }
        }
        MemorySegment weightsT = null;                                         // (In+H, G*H) = [W_ih | W_hh]^T
        MemorySegment packed = null, packedRecurrent = null;                   // [W_ih | W_hh] or W_ih, and W_hh, packed
        if (packedWeights(kernels, config.cell(), gw, in + h)) {
            packed = slab.get("l" + l + ".packed").segment();
            if (gru) {
                packedRecurrent = slab.get("l" + l + ".packed_hh").segment();
                kernels.packWeights(packed, weights, in, gw, in);              // W_ih (G*H, In)
                kernels.packWeights(packedRecurrent, weights.asSlice(inBytes), h, gw, h);   // W_hh (G*H, H)
            } else {
                kernels.packWeights(packed, weights, in + h, gw, in + h);      // [W_ih | W_hh] (G*H, In+H)
            }
        } else if (transposedWeights(kernels, gw, in + h)) {
            weightsT = slab.get("l" + l + ".weights_t").segment();
            if (config.cell() == CellType.GRU_RESET_BEFORE) {                  // W_ih^T, then [W_h{r,z}^T | W_hn^T]
                Matrices.transpose(weights, gw, in, weightsT);
                ResetBeforeWeights.transpose(weights.asSlice(inBytes), h, weightsT.asSlice(inBytes));
            } else if (gru) {                                                  // rows 0..In-1: W_ih^T, then W_hh^T
                Matrices.transpose(weights, gw, in, weightsT);
                Matrices.transpose(weights.asSlice(inBytes), gw, h, weightsT.asSlice(inBytes));
            } else {
                Matrices.transpose(weights, gw, in + h, weightsT);
            }
        }
        return new ModelLayer(l, config.cell(), config.inputSize(), in, h, weights, weightsT, packed, packedRecurrent, bias,
                recurrentBias, null, null);
    }

    /** Layer l's W_ih or W_hh (rows, cols) quantized into the slab entries named {@code l<l>.<name>.*}. */
    private Int8Matrix quantized(int l, String name, MemorySegment w, int rows, int cols) {
        String prefix = "l" + l + "." + name;
        return Int8Matrix.quantize(w, rows, cols, slab.get(prefix + ".int8").segment(), slab.get(prefix + ".scale").segment(),
                slab.get(prefix + ".comp").segment());
    }

    private static final String EMBEDDING = "embedding.weight";
    private static final String MEAN = "normalise.mean";
    private static final String STD = "normalise.std";
    private static final String TARGET_MEAN = "normalise.target_mean";
    private static final String TARGET_STD = "normalise.target_std";

    /** The embedding table or the normalisation, copied into the slab; x_t = the event for a bare network. */
    private InputStage copyInputStage(Parts parts) {
        int width = config.inputSize();
        if (parts.embedding() != null) {
            Tensor table = slab.get(EMBEDDING);
            table.segment().copyFrom(parts.embedding().segment());
            return InputStage.tokens(table.segment(), table.dim(0), width);
        }
        if (parts.mean() != null) {
            return InputStage.normalised(slab.get(MEAN).copyFrom(parts.mean()).segment(), slab.get(STD).copyFrom(parts.std()).segment(), width);
        }
        return InputStage.floats(width);
    }

    /** The head's Linears and the target normalisation, copied into the slab; null for a bare network. */
    private StreamHead copyHead(Parts parts) {
        if (parts.head() == null) {
            return null;
        }
        MemorySegment[] copies = new MemorySegment[4];                         // weight, bias of each Linear
        for (int i = 0; i < parts.head().length; i++) {
            Linear linear = parts.head()[i];
            copies[2 * i] = slab.get(linear.prefix() + "weight").segment().copyFrom(linear.weight().segment());
            copies[2 * i + 1] = slab.get(linear.prefix() + "bias").segment().copyFrom(linear.bias().segment());
        }
        int outputs = parts.head()[parts.head().length - 1].out();
        MemorySegment targetMean = null, targetStd = null;                     // (outputs) each
        if (parts.targetMean() != null) {
            targetMean = slab.get(TARGET_MEAN).copyFrom(parts.targetMean()).segment();
            targetStd = slab.get(TARGET_STD).copyFrom(parts.targetStd()).segment();
        }
        return new StreamHead(kernels, parts.head()[0].in(), parts.headHidden(), outputs, copies[0], copies[1], copies[2], copies[3],
                targetMean, targetStd);
    }

    /**
     * A whole model's fingerprint: the stack's description and tensors, then the input stage and the
     * head — described and hashed from the copies in the slab. The output mode is not part of it: a
     * stream computes the same for a per-step and a per-sequence model.
     */
    private byte[] wholeFingerprint(List<String> stackNames, Map<String, Tensor> stackParameters) {
        Map<String, Tensor> all = new LinkedHashMap<>();
        for (String name : stackNames) {
            all.put(name, stackParameters.get(name));
        }
        for (Map.Entry<String, Tensor> e : slab.tensors().entrySet()) {
            String name = e.getKey();
            if (name.equals(EMBEDDING) || name.startsWith("normalise.") || name.startsWith("head.")) {
                all.put(name, e.getValue());
            }
        }
        String description = Fingerprint.describe(config) + ";input=" + (input.tokens() ? "tokens V=" + input.vocabulary
                : input.normalises() ? "normalised features" : "features") + ";head K=" + head.hidden + " outputs=" + head.outputs
                + (head.denormalises() ? " targets normalised" : "");
        return Fingerprint.of(description, List.copyOf(all.keySet()), all);
    }

    /** A new stream with zero state, owned by the caller (close it when the sequence ends). */
    public StreamState newStream() {
        enter();
        try {
            return new StreamState(this);
        } finally {
            exit();
        }
    }

    public RnnConfig config() {
        return config;
    }

    public CellType cell() {
        return config.cell();
    }

    /** The number format of the recurrent weights. */
    public Precision precision() {
        return precision;
    }

    /** Off-heap bytes this model holds: its parameter slab (weights in their precision, biases, input stage, head). */
    public long parameterBytes() {
        return slab.layout().byteSize();
    }

    /**
     * I: floats per input event — the stack's input width. For a token model this is the embedding
     * width E, and its events are token ids ({@link StreamState#step(int, float[])}).
     */
    public int inputSize() {
        return config.inputSize();
    }

    /** H: floats per layer of state; a bare network's output is the top layer's h_t (H floats). */
    public int hiddenSize() {
        return config.hiddenSize();
    }

    /** Floats per step's output: H for a bare network, the head's outputs for a whole model. */
    public int outputSize() {
        return head == null ? config.hiddenSize() : head.outputs;
    }

    /** True for a whole model with a head (built from a {@link SequenceModel}). */
    public boolean hasHead() {
        return head != null;
    }

    /** True when events are token ids through an embedding. */
    public boolean readsTokens() {
        return input.tokens();
    }

    /** V: token ids are in [0, V); 0 for a model of float events. */
    public int vocabularySize() {
        return input.vocabulary;
    }

    public int numLayers() {
        return config.numLayers();
    }

    /** The kernels every step of this model runs on. */
    public Kernels kernels() {
        return kernels;
    }

    /** SHA-256 over cell, sizes and parameters (a copy); snapshots carry it. */
    public byte[] fingerprint() {
        return fingerprint.clone();
    }

    /** The fingerprint in hex. */
    public String fingerprintHex() {
        return Fingerprint.hex(fingerprint);
    }

    public boolean isOpen() {
        return lifetime.isOpen();
    }

    /** Refuses every later step; frees the parameters once the steps in progress have finished. Idempotent. */
    @Override
    public void close() {
        lifetime.close();
    }

    @Override
    public String toString() {
        String whole = head == null ? "" : (input.tokens() ? " tokens V=" + input.vocabulary : input.normalises() ? " normalised" : "")
                + " head K=" + head.hidden + " outputs=" + head.outputs + (head.denormalises() ? " targets normalised" : "");
        return "InferenceModel[" + config.cell().id() + " I=" + inputSize() + " H=" + hiddenSize() + " L=" + numLayers() + whole
                + (precision == Precision.FLOAT32 ? "" : " " + precision) + " kernels=" + kernels.name() + " fingerprint=" + Fingerprint.shortHex(fingerprint) + (isOpen() ? "" : " closed") + "]";
    }

    // ---- for this package: layers, the raw fingerprint, the lifetime ----

    ModelLayer layer(int l) {
        return layers[l];
    }

    ModelLayer[] layers() {
        return layers;
    }

    InputStage input() {
        return input;
    }

    /** The head, or null for a bare network. */
    StreamHead head() {
        return head;
    }

    byte[] rawFingerprint() {
        return fingerprint;
    }

    /** Enters a step; throws when closed. Pair with {@link #exit()} in a finally block. */
    void enter() {
        if (!lifetime.tryEnter()) {
            throw new IllegalStateException("this InferenceModel is closed");
        }
    }

    boolean tryEnter() {
        return lifetime.tryEnter();
    }

    void exit() {
        lifetime.exit();
    }

    /** True once the parameters have been freed (for tests of the close race). */
    boolean isFreed() {
        return lifetime.isFreed();
    }
}
