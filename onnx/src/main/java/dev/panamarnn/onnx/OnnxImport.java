package dev.panamarnn.onnx;

import dev.panamarnn.CellType;
import dev.panamarnn.Rnn;
import dev.panamarnn.io.ModelFile;
import dev.panamarnn.io.ModelFileException;
import dev.panamarnn.io.SafeTensorsFile;
import dev.panamarnn.model.SequenceModel;
import dev.panamarnn.model.SequenceModelFile;
import dev.panamarnn.onnx.GraphValues.HeadVal;
import dev.panamarnn.onnx.GraphValues.Label;
import dev.panamarnn.onnx.GraphValues.LastState;
import dev.panamarnn.onnx.GraphValues.Layer;
import dev.panamarnn.onnx.GraphValues.Seq;
import dev.panamarnn.onnx.GraphValues.States;
import dev.panamarnn.onnx.GraphValues.TargetScale;
import dev.panamarnn.onnx.GraphValues.Val;
import dev.panamarnn.onnx.proto.Onnx;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * ONNX import: reads an .onnx file that {@link OnnxExport} wrote (normalisations, initial-state
 * inputs and all), or that torch.onnx.export wrote for an nn.LSTM / nn.GRU / nn.RNN
 * (alone, or between an nn.Embedding or float features and an nn.Linear head), and gives the
 * panama-rnn model that computes the same function — an {@link Rnn} for a bare recurrent graph, a
 * {@link SequenceModel} for one with a head. Anything it cannot prove equal is refused by name
 * (a {@link ModelFileException} naming the file, the node and the attribute); never a wrong answer.
 *
 * <p>{@link #read} gives the model's tensors under the library's PyTorch names with the metadata
 * of its own model file, plus the graph's signature (which graph input is x, the lengths, h0, c0;
 * which output is y, h_n, c_n); the library's loaders then build the model through every check a
 * safetensors file gets. {@code SequenceModel.load(path)} and {@code ModelFile.load(path)} reach
 * this through {@link OnnxFormat} when this module is on the class path. See docs/onnx.md, "Import".
 */
public final class OnnxImport {
    /** The default-domain opsets whose LSTM/GRU/RNN and glue ops this importer knows. */
    public static final int MIN_OPSET = 9, MAX_OPSET = 21;

    /**
     * Metadata key of an imported graph with a head that reads initial states: its state graph
     * inputs (h0, then c0), comma-separated. The SequenceModel starts from zero states, i.e. it
     * equals the graph fed zeros there.
     */
    public static final String STATE_INPUTS_KEY = "onnx.state_inputs_as_zeros";

    /** What the graph is: a bare recurrent network or a model with a head. */
    public enum Kind { RNN, SEQUENCE_MODEL }

    /**
     * An imported graph.
     * @param kind        RNN (build with ModelFile.load) or SEQUENCE_MODEL (SequenceModelFile.load)
     * @param metadata    the metadata of the library's model file for it
     * @param tensors     the parameters under the library's names (PyTorch's state_dict names)
     * @param inputs      graph input name by role: "x" (float features) or "ids" (token ids), "lengths", "h0", "c0"
     * @param outputs     graph output name by role: "y" (the network's output or the head's), "h_n", "c_n"
     * @param batchFirst  the sequence input (and a per-step output) is batch-major [B, T, ...]
     */
    public record Imported(Path file, Kind kind, Map<String, String> metadata, Map<String, SafeTensorsFile.Values> tensors,
                           Map<String, String> inputs, Map<String, String> outputs, boolean batchFirst) {
        /** The tensors and metadata for the library's loaders (checked there); the caller closes it. */
        public SafeTensorsFile toFile() throws ModelFileException {
            return SafeTensorsFile.of(file, metadata, tensors);
        }
    }

    private OnnxImport() {}

    /** Reads and understands {@code file}; builds nothing. */
    public static Imported read(Path file) throws ModelFileException {
        return interpret(file, OnnxReader.parse(file));
    }

    /** The same for bytes already in memory ({@code file} names them in messages). */
    public static Imported read(Path file, byte[] bytes) throws ModelFileException {
        return interpret(file, OnnxReader.parse(file, bytes));
    }

    /** A SequenceModel from a graph with a head (on the JVM's selected kernels). */
    public static SequenceModel loadModel(Path file) throws ModelFileException {
        try (SafeTensorsFile f = require(read(file), Kind.SEQUENCE_MODEL).toFile()) {
            return SequenceModelFile.load(f, dev.panamarnn.kernels.KernelSelection.selected());
        }
    }

    /** An Rnn from a bare recurrent graph (on the JVM's selected kernels). */
    public static Rnn loadRnn(Path file) throws ModelFileException {
        try (SafeTensorsFile f = require(read(file), Kind.RNN).toFile()) {
            return ModelFile.load(f, "", dev.panamarnn.kernels.KernelSelection.selected());
        }
    }

    private static Imported require(Imported m, Kind kind) throws ModelFileException {
        if (m.kind() != kind) {
            throw new ModelFileException(m.file(), kind == Kind.RNN
                    ? "is a graph with a head (a sequence model); load it with SequenceModel.load"
                    : "is a bare recurrent graph (no head); load it as an Rnn with ModelFile.load");
        }
        return m;
    }

    static Imported interpret(Path file, Onnx.ModelProto model) throws ModelFileException {
        if (!model.hasGraph()) {
            throw new ModelFileException(file, "has no graph (not an ONNX model?)");
        }
        if (model.getTrainingInfoCount() > 0) {
            throw new ModelFileException(file, "has training_info; training graphs are not supported");
        }
        if (model.getFunctionsCount() > 0) {
            throw new ModelFileException(file, "defines functions; model-local functions are not supported");
        }
        long opset = -1;
        for (Onnx.OperatorSetIdProto o : model.getOpsetImportList()) {
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
                opset = o.getVersion();
            }
        }
        if (opset < MIN_OPSET || opset > MAX_OPSET) {
            throw new ModelFileException(file, "imports opset " + (opset < 0 ? "(none)" : opset) + " of the default domain; opsets "
                    + MIN_OPSET + ".." + MAX_OPSET + " are supported");
        }
        Onnx.GraphProto g = model.getGraph();
        if (g.getSparseInitializerCount() > 0) {
            throw new ModelFileException(file, "has sparse initializers; not supported");
        }
        OnnxGraph graph = new OnnxGraph(file);
        for (Onnx.TensorProto t : g.getInitializerList()) {
            String name = OnnxReader.printable(t.getName());
            graph.constant(t.getName(), OnnxReader.decode(file, t, "initializer '" + name + "'"));
        }
        for (Onnx.ValueInfoProto in : g.getInputList()) {
            graph.input(in);
        }
        for (Onnx.NodeProto n : g.getNodeList()) {
            graph.node(n);
        }
        if (graph.layers.isEmpty()) {
            throw new ModelFileException(file, "has no LSTM, GRU or RNN node");
        }
        if (g.getOutputCount() == 0) {
            throw new ModelFileException(file, "has no graph outputs");
        }
        Map<String, Val> outputs = new LinkedHashMap<>();
        for (Onnx.ValueInfoProto out : g.getOutputList()) {
            if (outputs.put(out.getName(), graph.output(out.getName())) != null) {
                throw new ModelFileException(file, "names graph output '" + OnnxReader.printable(out.getName()) + "' twice");
            }
        }
        Map<String, String> extra = new LinkedHashMap<>();
        extra.put("onnx.producer", OnnxReader.printable(model.getProducerName() + " " + model.getProducerVersion()).trim());
        extra.put("onnx.opset", Long.toString(opset));
        boolean head = outputs.values().stream().anyMatch(v -> v instanceof HeadVal || v instanceof TargetScale);
        return head ? sequenceModel(graph, outputs, extra, model) : rnn(graph, outputs, extra, model);
    }

    private static int layersOf(OnnxGraph g) {
        return g.layers.size();
    }

    /**
     * A recurrent node's Y as it is: [B, T, D, H] (layout=1) holds the values of the network's
     * batch-first output (B, T, D*H) in the same order; [T, D, B, H] those of (T, B, H) when D = 1.
     */
    private static boolean rawOutputInOrder(GraphValues.Axis[] axes, boolean batchFirst) {
        Label time = batchFirst ? Label.A1 : Label.A0, batch = batchFirst ? Label.A0 : Label.A1;
        return batchFirst
                ? axes[0].label() == batch && axes[1].label() == time && axes[2].label() == Label.D && axes[3].label() == Label.H
                : axes[0].label() == time && axes[1].label() == Label.D && axes[1].width() == 1 && axes[2].label() == batch
                        && axes[3].label() == Label.H;
    }

    private static Imported rnn(OnnxGraph g, Map<String, Val> outputs, Map<String, String> extra, Onnx.ModelProto model)
            throws ModelFileException {
        Path file = g.file;
        if (g.embedding != null) {
            throw new ModelFileException(file, "has an embedding but no head; only an embedding followed by a network and a head is imported");
        }
        boolean batchFirst = g.timeLabel == Label.A1;
        int top = layersOf(g) - 1;
        Map<String, String> roles = new LinkedHashMap<>();
        for (Map.Entry<String, Val> e : outputs.entrySet()) {
            String name = OnnxReader.printable(e.getKey());
            Val v = e.getValue();
            String role;
            if (v instanceof Seq s && s.layer() == top && s.axes().length == 3 && s.perm() == null && s.axes()[2].label() == Label.F
                    && s.axes()[0].label() == (batchFirst ? Label.A0 : g.timeLabel) && s.axes()[1].label() != s.axes()[0].label()) {
                role = "y";
            } else if (v instanceof Seq s && s.layer() == top && s.axes().length == 4 && s.perm() == null && rawOutputInOrder(s.axes(), batchFirst)) {
                role = "y";                                   // a node's own Y, whose values are in the order of the network's output
            } else if (v instanceof States s && s.from() == 0 && s.to() == top + 1 && !s.permuted()) {
                role = s.cell() ? "c_n" : "h_n";
            } else {
                throw new ModelFileException(file, "graph output '" + name + "' is " + GraphValues.describe(v) + "; a bare recurrent graph may"
                        + " output the top layer's output in its input's layout, h_n and c_n of all layers");
            }
            if (roles.put(role, e.getKey()) != null) {
                throw new ModelFileException(file, "graph output '" + name + "' is " + role + " a second time");
            }
        }
        Layer first = g.layers.get(0);
        checkStateInputs(g);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("panama_rnn.kind", "rnn");
        meta.put(ModelFile.CELL, first.cell().id());
        meta.put(ModelFile.INPUT_SIZE, Integer.toString(first.input()));
        meta.put(ModelFile.HIDDEN_SIZE, Integer.toString(first.hidden()));
        meta.put(ModelFile.NUM_LAYERS, Integer.toString(layersOf(g)));
        meta.put(ModelFile.BIDIRECTIONAL, Boolean.toString(first.directions() == 2));
        Map<String, String> props = props(model);
        requireAgreement(file, props, meta);   // panama_rnn.kind included: a sequence model's metadata on a graph without a head is refused
        // the graph's layout decides batch_first (our export is always time-major, whatever the Rnn's
        // batch_first); dropout changes no output and only the metadata can say it
        meta.put(ModelFile.BATCH_FIRST, Boolean.toString(batchFirst));
        meta.put(ModelFile.DROPOUT, props.getOrDefault(ModelFile.DROPOUT, "0.0"));
        meta.putAll(extra);
        carryUse(props, meta);
        Map<String, SafeTensorsFile.Values> tensors = new LinkedHashMap<>();
        rnnTensors(g, "", tensors);
        return new Imported(file, Kind.RNN, meta, tensors, inputRoles(g), roles, batchFirst);
    }

    private static void checkStateInputs(OnnxGraph g) throws ModelFileException {
        // every layer read its rows [kD, (k+1)D) of h0/c0 (checked per node); all rows must be read
        Layer first = g.layers.get(0);
        for (Map.Entry<String, String> e : g.roles().entrySet()) {
            if (e.getValue().equals("h0") || e.getValue().equals("c0")) {
                GraphValues.GraphInput in = (GraphValues.GraphInput) g.value(e.getKey());
                long rows = (long) layersOf(g) * first.directions();
                if (in.dims()[0] != rows) {
                    throw new ModelFileException(g.file, "graph input '" + OnnxReader.printable(e.getKey()) + "' has " + in.dims()[0]
                            + " rows; the " + layersOf(g) + " layers read " + rows);
                }
            }
        }
        if (g.roles().containsValue("c0") != g.roles().containsValue("h0") && first.cell() == CellType.LSTM) {
            throw new ModelFileException(g.file, "gives an LSTM's initial " + (g.roles().containsValue("h0") ? "hidden" : "cell")
                    + " state as a graph input but the other as zeros; not supported");
        }
        // every layer reads its rows of the state input, or none does: zeros for some layers and
        // rows of h0 for others is no (h0, c0) of an Rnn
        for (String role : new String[] {"h0", "c0"}) {
            int reads = role.equals("h0") ? g.h0Reads : g.c0Reads;
            if (g.roles().containsValue(role) && reads != layersOf(g)) {
                throw new ModelFileException(g.file, reads + " of the " + layersOf(g) + " layers read their initial state from graph input '"
                        + OnnxReader.printable(inputRoles(g).get(role)) + "' and the others start from zeros; not supported");
            }
        }
    }

    private static Map<String, String> inputRoles(OnnxGraph g) {
        Map<String, String> r = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : g.roles().entrySet()) {
            r.put(e.getValue(), e.getKey());
        }
        return r;
    }

    /**
     * A graph with a head. Beside the head's output it may output h_n/c_n (all layers' final states,
     * which the SequenceModel does not return) and read h0/c0 (every layer its rows): a SequenceModel
     * starts every sequence from zero states, so the imported model is the graph fed zero h0/c0;
     * {@link Imported#inputs} names those inputs (roles "h0", "c0") and the metadata key
     * {@value #STATE_INPUTS_KEY} lists them. The input normalisation (Sub, Div) and the target
     * de-normalisation (Mul, Add) become the model's own, with their values from the graph.
     */
    private static Imported sequenceModel(OnnxGraph g, Map<String, Val> outputs, Map<String, String> extra, Onnx.ModelProto model)
            throws ModelFileException {
        Path file = g.file;
        int top = layersOf(g) - 1;
        String outName = null;
        Map<String, String> outRoles = new LinkedHashMap<>();
        for (Map.Entry<String, Val> e : outputs.entrySet()) {
            Val v = e.getValue();
            String name = OnnxReader.printable(e.getKey());
            String role;
            if (v instanceof HeadVal || v instanceof TargetScale) {
                if (outName != null) {
                    throw new ModelFileException(file, "graph outputs '" + OnnxReader.printable(outName) + "' and '" + name
                            + "' are both a head's output; a sequence model has one");
                }
                outName = e.getKey();
                role = "y";
            } else if (v instanceof States st && st.from() == 0 && st.to() == top + 1 && !st.permuted()) {
                role = st.cell() ? "c_n" : "h_n";
            } else {
                throw new ModelFileException(file, "graph output '" + name + "' is " + GraphValues.describe(v) + "; a graph with a head may"
                        + " output the head's output and the final states h_n, c_n of all layers");
            }
            if (outRoles.put(role, e.getKey()) != null) {
                throw new ModelFileException(file, "graph output '" + name + "' is " + role + " a second time");
            }
        }
        Val y = outputs.get(outName);
        float[] targetMean = null, targetStd = null;
        if (y instanceof TargetScale t) {
            if (t.mean() == null) {
                throw new ModelFileException(file, "graph output '" + OnnxReader.printable(outName)
                        + "' is the head's output times the target std without the Add of the target mean");
            }
            targetMean = t.mean();
            targetStd = t.std();
            y = t.head();
        }
        HeadVal h = (HeadVal) y;
        if (h.biasPending()) {
            throw new ModelFileException(file, "graph output '" + OnnxReader.printable(outName) + "' is a head's MatMul without its bias Add");
        }
        if (h.relu()) {
            throw new ModelFileException(file, "graph output '" + OnnxReader.printable(outName) + "' ends in a Relu; the head must end in a Linear");
        }
        boolean perStep;
        if (h.source() instanceof LastState l) {
            perStep = false;
            if (l.layer() != top) {
                throw new ModelFileException(file, "the head reads the last state of layer " + l.layer() + ", not the top layer " + top);
            }
        } else {
            Seq s = (Seq) h.source();
            perStep = true;
            if (s.layer() != top) {
                throw new ModelFileException(file, "the head reads layer " + s.layer() + "'s output, not the top layer " + top + "'s");
            }
            if (h.axes()[0].label() == h.axes()[1].label() || h.axes()[2].label() != Label.F) {
                throw new ModelFileException(file, "the head's output has axes " + java.util.Arrays.toString(h.axes()));
            }
        }
        checkStateInputs(g);   // h0/c0, if any: every layer reads its own rows; imported as zeros (see above)
        if ((g.featureMean == null) != (g.featureStd == null)) {
            throw new ModelFileException(file, "subtracts a feature mean from the model input but does not divide by a std");
        }
        Layer first = g.layers.get(0);
        boolean tokens = g.embedding != null;
        int outputsCount = h.outputs();
        int headHidden = h.weights().size() == 2 ? h.weights().get(0).length : 0;
        Map<String, String> props = props(model);
        String task = props.getOrDefault("model.task",   // the head's raw outputs are a regression's, unless they are next-token logits
                tokens && perStep && outputsCount == g.embedding.length && targetMean == null ? "language_model" : "regression");
        // what the graph proves; the metadata of our own export must say the same
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(SequenceModelFile.KIND_KEY, SequenceModelFile.KIND);
        meta.put("model.task", task);
        meta.put("model.output_mode", perStep ? "per_step" : "sequence");
        meta.put("model.outputs", Integer.toString(outputsCount));
        meta.put("model.input", tokens ? "tokens" : "features");
        if (tokens) {
            meta.put("model.vocabulary", Integer.toString(g.embedding.length));
            meta.put("model.embedding_dim", Integer.toString(g.embedding[0].length));
        } else {
            meta.put("model.features", Integer.toString(g.features));
        }
        meta.put("model.normalise", Boolean.toString(g.featureMean != null));
        meta.put("model.normalise_targets", Boolean.toString(targetMean != null));
        meta.put("model.head_hidden", Integer.toString(headHidden));
        String p = SequenceModel.RNN;
        meta.put(p + ModelFile.CELL, first.cell().id());
        meta.put(p + ModelFile.INPUT_SIZE, Integer.toString(first.input()));
        meta.put(p + ModelFile.HIDDEN_SIZE, Integer.toString(first.hidden()));
        meta.put(p + ModelFile.NUM_LAYERS, Integer.toString(layersOf(g)));
        meta.put(p + ModelFile.BIDIRECTIONAL, Boolean.toString(first.directions() == 2));
        requireAgreement(file, props, meta);
        // what only the metadata can say (it does not change a prediction): class names, seed, dropout
        meta.put("model.seed", props.getOrDefault("model.seed", "0"));
        if (props.containsKey("model.class_names")) {
            meta.put("model.class_names", props.get("model.class_names"));
        }
        meta.put(p + ModelFile.BATCH_FIRST, "true");
        meta.put(p + ModelFile.DROPOUT, props.getOrDefault(p + ModelFile.DROPOUT, "0.0"));
        meta.putAll(extra);
        carryUse(props, meta);
        Map<String, String> inputRoles = inputRoles(g);
        String states = String.join(",", java.util.stream.Stream.of("h0", "c0").filter(inputRoles::containsKey).map(inputRoles::get)
                .map(OnnxReader::printable).toList());
        if (!states.isEmpty()) {
            meta.put(STATE_INPUTS_KEY, states);
        }
        Map<String, SafeTensorsFile.Values> tensors = new LinkedHashMap<>();
        if (g.featureMean != null) {
            tensors.put("normalise.mean", vector(g.featureMean));
            tensors.put("normalise.std", vector(g.featureStd));
        }
        if (targetMean != null) {
            tensors.put("normalise.target_mean", vector(targetMean));
            tensors.put("normalise.target_std", vector(targetStd));
        }
        if (tokens) {
            tensors.put(SequenceModel.EMBEDDING + "weight", flat(g.embedding));
        }
        rnnTensors(g, p, tensors);
        if (headHidden == 0) {
            tensors.put(SequenceModel.HEAD + "weight", flat(h.weights().get(0)));
            tensors.put(SequenceModel.HEAD + "bias", vector(h.biases().get(0)));
        } else {
            for (int i = 0; i < 2; i++) {
                tensors.put(SequenceModel.HEAD + (2 * i) + ".weight", flat(h.weights().get(i)));
                tensors.put(SequenceModel.HEAD + (2 * i) + ".bias", vector(h.biases().get(i)));
            }
        }
        boolean batchFirst = g.timeLabel == Label.A1;
        return new Imported(file, Kind.SEQUENCE_MODEL, meta, tensors, inputRoles, outRoles, batchFirst);
    }

    /**
     * Every key of {@code derived} (what the graph computes) that the file's metadata_props also
     * carry must have the same value there: the metadata of our own export describes the graph, and
     * a file whose metadata says otherwise is refused rather than guessed at.
     */
    private static void requireAgreement(Path file, Map<String, String> props, Map<String, String> derived) throws ModelFileException {
        for (Map.Entry<String, String> e : derived.entrySet()) {
            String said = props.get(e.getKey());
            if (said != null && !said.equals(e.getValue())) {
                throw new ModelFileException(file, "metadata '" + OnnxReader.printable(e.getKey()) + "' is '" + OnnxReader.printable(said)
                        + "' but the graph computes '" + e.getValue() + "'");
            }
        }
    }

    /**
     * The metadata_props that describe a model's use rather than what it computes (the CSV columns it
     * was trained on, a series' name): carried into the model file's metadata as they are; the
     * architecture's own keys (model.*, rnn.*, panama_rnn.*) and a training run's (train.*,
     * optimizer.*) are not. Their readers (the CLI) check them as they check a safetensors file's.
     */
    private static void carryUse(Map<String, String> props, Map<String, String> meta) {
        props.forEach((key, value) -> {
            boolean reserved = key.startsWith("model.") || key.startsWith("rnn.") || key.startsWith("panama_rnn.") || key.startsWith("train.")
                    || key.startsWith("optimizer.") || key.startsWith("onnx.");
            if (!reserved && !meta.containsKey(key)) {
                meta.put(key, value);
            }
        });
    }

    private static Map<String, String> props(Onnx.ModelProto model) {
        Map<String, String> props = new LinkedHashMap<>();
        for (Onnx.StringStringEntryProto p : model.getMetadataPropsList()) {
            props.put(p.getKey(), p.getValue());
        }
        return props;
    }

    private static void rnnTensors(OnnxGraph g, String prefix, Map<String, SafeTensorsFile.Values> tensors) {
        for (int k = 0; k < g.layers.size(); k++) {
            Layer l = g.layers.get(k);
            int[] order = GateOrder.pyTorchFromOnnx(l.cell());
            int gh = order.length * l.hidden();
            for (int d = 0; d < l.directions(); d++) {
                String suffix = "_l" + k + (d == 1 ? "_reverse" : "");
                tensors.put(prefix + "weight_ih" + suffix, new SafeTensorsFile.Values(new int[] {gh, l.input()},
                        GateOrder.permuteBlocks(l.w()[d], 0, order, l.hidden(), l.input())));
                tensors.put(prefix + "weight_hh" + suffix, new SafeTensorsFile.Values(new int[] {gh, l.hidden()},
                        GateOrder.permuteBlocks(l.r()[d], 0, order, l.hidden(), l.hidden())));
                tensors.put(prefix + "bias_ih" + suffix, new SafeTensorsFile.Values(new int[] {gh},
                        GateOrder.permuteBlocks(l.b()[d], 0, order, l.hidden(), 1)));
                tensors.put(prefix + "bias_hh" + suffix, new SafeTensorsFile.Values(new int[] {gh},
                        GateOrder.permuteBlocks(l.b()[d], gh, order, l.hidden(), 1)));
            }
        }
    }

    private static SafeTensorsFile.Values flat(float[][] m) {
        int rows = m.length, cols = m[0].length;
        float[] v = new float[rows * cols];
        for (int i = 0; i < rows; i++) {
            System.arraycopy(m[i], 0, v, i * cols, cols);
        }
        return new SafeTensorsFile.Values(new int[] {rows, cols}, v);
    }

    private static SafeTensorsFile.Values vector(float[] v) {
        return new SafeTensorsFile.Values(new int[] {v.length}, v.clone());
    }
}
