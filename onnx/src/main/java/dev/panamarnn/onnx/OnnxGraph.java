package dev.panamarnn.onnx;

import dev.panamarnn.io.ModelFileException;
import dev.panamarnn.onnx.GraphValues.Axis;
import dev.panamarnn.onnx.GraphValues.Floats;
import dev.panamarnn.onnx.GraphValues.GraphInput;
import dev.panamarnn.onnx.GraphValues.Ints;
import dev.panamarnn.onnx.GraphValues.Label;
import dev.panamarnn.onnx.GraphValues.Layer;
import dev.panamarnn.onnx.GraphValues.Seq;
import dev.panamarnn.onnx.GraphValues.Sym;
import dev.panamarnn.onnx.GraphValues.Val;
import dev.panamarnn.onnx.OnnxReader.Data;
import dev.panamarnn.onnx.proto.Onnx;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.panamarnn.onnx.GraphValues.describe;

/**
 * Understands an ONNX graph as a panama-rnn model, by abstract interpretation: every value of the
 * graph is given what it IS ({@link GraphValues}) — "layer k's Y in [T, D, B, H]", "the model input
 * with its axes in this order", "the constant [0, 0, -1]", "zeros of shape [D, B, H]", "the head's
 * output per step" — by the rules of the few ops the importer knows: {@link RecurrentRules} (LSTM,
 * GRU, RNN), {@link GlueRules} (the shape glue torch.onnx.export and our export write),
 * {@link SortRules} (unsorted lengths), {@link HeadRules} (Gemm, MatMul + Add, Relu) and
 * {@link NormalisationRules} (Sub, Div, Mul, Add of the library's normalisations). A graph is
 * accepted only when its outputs are, by these rules, what an {@code Rnn} or a
 * {@code SequenceModel} computes; the first node that fits no rule is refused by name. This class
 * holds what the interpretation has learnt (values, roles of the graph inputs, layers) and hands
 * each node to its rules. It is not the tensor reader ({@link OnnxReader}) and computes no values
 * of its own beyond small integer shape constants.
 */
final class OnnxGraph {
    final Path file;
    private final Map<String, Val> values = new HashMap<>();
    private final Map<String, String> roles = new LinkedHashMap<>();   // graph input -> x, ids, lengths, h0, c0
    final List<Layer> layers = new ArrayList<>();
    Label timeLabel;                   // which of the input's leading axes is time, once a recurrent node said it
    float[][] embedding;               // (V, E) when the input is token ids
    int features;                      // F of a float input
    float[] featureMean, featureStd;   // (F) the input normalisation (x - mean) / std, once Sub and Div were seen
    boolean rawInputRead;              // the float model input was read as it is (no normalisation may follow)
    int h0Reads, c0Reads;              // how many layers read their initial state from a graph input
    boolean sortedOnce;                // a TopK of the lengths was seen
    String node = "";                  // the node being interpreted, for messages

    // the rules of the ops, by what they are about
    final GlueRules glue = new GlueRules(this);
    final SortRules sort = new SortRules(this);
    final HeadRules head = new HeadRules(this);
    final NormalisationRules normalisation = new NormalisationRules(this);
    final RecurrentRules recurrent = new RecurrentRules(this);

    OnnxGraph(Path file) {
        this.file = file;
    }

    ModelFileException refuse(String problem) {
        return new ModelFileException(file, node + problem);
    }

    Map<String, String> roles() {
        return roles;
    }

    Val value(String name) throws ModelFileException {
        Val v = values.get(name);
        if (v == null) {
            throw refuse("reads '" + OnnxReader.printable(name) + "', which no node, initializer or graph input defines before it");
        }
        return v;
    }

    void define(String name, Val v) throws ModelFileException {
        if (name.isEmpty()) {
            return;
        }
        if (values.containsKey(name)) {
            throw refuse("defines '" + OnnxReader.printable(name) + "' a second time");
        }
        values.put(name, v);
    }

    void constant(String name, Data d) throws ModelFileException {
        if (d.isFloat()) {
            define(name, new Floats(d));
        } else if (d.rank() <= 1 && d.count() <= 64) {
            Sym[] s = new Sym[d.ints().length];
            for (int i = 0; i < s.length; i++) {
                s[i] = Sym.of(d.ints()[i]);
            }
            define(name, new Ints(s, d.rank() == 0));
        } else {
            throw refuse("integer tensor " + d + " is not a shape constant (rank <= 1, at most 64 elements)");
        }
    }

    void input(Onnx.ValueInfoProto in) throws ModelFileException {
        if (values.containsKey(in.getName())) {
            return;   // an initializer of the same name (IR < 4): a constant
        }
        if (!in.hasType() || !in.getType().hasTensorType()) {
            throw new ModelFileException(file, "graph input '" + OnnxReader.printable(in.getName()) + "' is not a tensor");
        }
        Onnx.TypeProto.Tensor t = in.getType().getTensorType();
        long[] dims = new long[t.getShape().getDimCount()];
        for (int i = 0; i < dims.length; i++) {
            Onnx.TensorShapeProto.Dimension d = t.getShape().getDim(i);
            dims[i] = d.hasDimValue() ? d.getDimValue() : -1;   // -1: symbolic
        }
        if (!t.hasShape()) {
            throw new ModelFileException(file, "graph input '" + OnnxReader.printable(in.getName()) + "' has no shape");
        }
        define(in.getName(), new GraphInput(in.getName(), t.getElemType(), dims, -1));
    }

    void role(GraphInput in, String role) throws ModelFileException {
        String before = roles.putIfAbsent(in.name(), role);
        if (before != null && !before.equals(role)) {
            throw refuse("uses graph input '" + OnnxReader.printable(in.name()) + "' as " + role + " after using it as " + before);
        }
        for (Map.Entry<String, String> e : roles.entrySet()) {
            if (e.getValue().equals(role) && !e.getKey().equals(in.name())) {
                throw refuse("uses graph input '" + OnnxReader.printable(in.name()) + "' as " + role + ", which graph input '"
                        + OnnxReader.printable(e.getKey()) + "' already is");
            }
        }
    }

    /**
     * The sequence a value is, making a float graph input of rank 3 the model input x. Reading x as it
     * is rules out a normalisation of x (Sub, Div) anywhere in the graph, and the other way round:
     * the network reads either the raw input or the normalised one, never both.
     */
    Seq seq(Val v, String what) throws ModelFileException {
        if (isFloatInput(v)) {
            if (featureMean != null) {
                throw refuse(what + " is the model input as it is, but the graph normalises it (Sub, Div); the network must read "
                        + "the normalised input");
            }
            rawInputRead = true;
            return inputSeq((GraphInput) v);
        }
        if (v instanceof Seq s) {
            return s;
        }
        throw refuse(what + " is " + describe(v) + ", not a sequence this importer can follow");
    }

    static boolean isFloatInput(Val v) {
        return v instanceof GraphInput in && in.elemType() == OnnxReader.FLOAT && in.dims().length == 3;
    }

    /** The float graph input {@code in} as the model input x [A0, A1, F] (its role becomes x). */
    Seq inputSeq(GraphInput in) throws ModelFileException {
        if (in.dims()[2] < 1) {
            throw refuse("reads graph input '" + OnnxReader.printable(in.name()) + "' whose last (feature) dimension is not a fixed size");
        }
        role(in, "x");
        if (embedding != null) {
            throw refuse("reads a float input beside token ids");
        }
        features = Math.toIntExact(Math.min(in.dims()[2], Integer.MAX_VALUE));
        if (in.permAxis() == 2) {
            throw refuse("reads the model input permuted on its feature axis");
        }
        return new Seq(-1, new Axis[] {new Axis(Label.A0, 0), new Axis(Label.A1, 0), new Axis(Label.F, in.dims()[2])},
                in.permAxis() < 0 ? null : in.permAxis() == 0 ? Label.A0 : Label.A1);
    }

    void node(Onnx.NodeProto n) throws ModelFileException {
        node = "node '" + OnnxReader.printable(n.getName()) + "' (" + OnnxReader.printable(n.getOpType()) + "): ";
        if (!n.getDomain().isEmpty() && !n.getDomain().equals("ai.onnx")) {
            throw refuse("domain '" + OnnxReader.printable(n.getDomain()) + "' is not supported (only the default ONNX domain)");
        }
        Attrs a = new Attrs(n);
        switch (n.getOpType()) {
            case "LSTM", "GRU", "RNN" -> recurrent.recurrent(n, a);
            case "Constant" -> glue.constantNode(n, a);
            case "Identity" -> glue.identity(n, a);
            case "Cast" -> glue.cast(n, a);
            case "Shape" -> glue.shape(n, a);
            case "Gather" -> glue.gather(n, a);
            case "Unsqueeze" -> glue.unsqueeze(n, a);
            case "Squeeze" -> glue.squeeze(n, a);
            case "Concat" -> glue.concat(n, a);
            case "ConstantOfShape" -> glue.constantOfShape(n, a);
            case "Expand" -> glue.expand(n, a);
            case "Slice" -> glue.slice(n, a);
            case "Transpose" -> glue.transpose(n, a);
            case "Reshape" -> glue.reshape(n, a);
            case "Gemm" -> head.gemm(n, a);
            case "MatMul" -> head.matMul(n, a);
            case "Add" -> head.add(n, a);
            case "Sub" -> normalisation.sub(n, a);
            case "Div" -> normalisation.div(n, a);
            case "Mul" -> normalisation.mul(n, a);
            case "Relu" -> head.relu(n, a);
            case "TopK" -> sort.topK(n, a);
            case "ReduceProd" -> sort.reduceProd(n, a);
            case "Range" -> sort.range(n, a);
            case "ScatterElements" -> sort.scatterElements(n, a);
            case "Loop", "Scan", "If" -> throw refuse("control flow (" + n.getOpType() + ") is not supported: only graphs with one "
                    + "LSTM/GRU/RNN node per layer are imported");
            default -> throw refuse("op '" + OnnxReader.printable(n.getOpType()) + "' is not supported by the importer");
        }
    }

    int directions() throws ModelFileException {
        if (layers.isEmpty()) {
            throw refuse("reads final states before any recurrent node");
        }
        return layers.get(0).directions();
    }

    /** What the graph's output named {@code name} is. */
    Val output(String name) throws ModelFileException {
        node = "graph output '" + OnnxReader.printable(name) + "': ";
        return value(name);
    }

    /** A node's attributes by name, with the checks every node gets: no duplicates, no subgraphs, no references. */
    final class Attrs {
        private final Map<String, Onnx.AttributeProto> byName = new LinkedHashMap<>();

        Attrs(Onnx.NodeProto n) throws ModelFileException {
            for (Onnx.AttributeProto at : n.getAttributeList()) {
                String name = OnnxReader.printable(at.getName());
                if (at.hasG() || at.getGraphsCount() > 0) {
                    throw refuse("attribute '" + name + "' is a subgraph; subgraphs (Loop, Scan, If) are not supported");
                }
                if (at.hasRefAttrName()) {
                    throw refuse("attribute '" + name + "' refers to a function's attribute; functions are not supported");
                }
                if (byName.put(at.getName(), at) != null) {
                    throw refuse("attribute '" + name + "' is given twice");
                }
            }
        }

        void only(String... names) throws ModelFileException {
            Set<String> allowed = Set.of(names);
            for (String name : byName.keySet()) {
                if (!allowed.contains(name)) {
                    throw refuse("attribute '" + OnnxReader.printable(name) + "' is not supported");
                }
            }
        }

        boolean has(String name) {
            return byName.containsKey(name);
        }

        Onnx.AttributeProto get(String name) {
            return byName.get(name);
        }

        long i(String name, long otherwise) throws ModelFileException {
            Onnx.AttributeProto at = byName.get(name);
            if (at == null) {
                return otherwise;
            }
            if (!at.hasI()) {
                throw refuse("attribute '" + name + "' is not an integer");
            }
            return at.getI();
        }

        float f(String name, float otherwise) throws ModelFileException {
            Onnx.AttributeProto at = byName.get(name);
            if (at == null) {
                return otherwise;
            }
            if (!at.hasF()) {
                throw refuse("attribute '" + name + "' is not a float");
            }
            return at.getF();
        }

        String s(String name, String otherwise) throws ModelFileException {
            Onnx.AttributeProto at = byName.get(name);
            if (at == null) {
                return otherwise;
            }
            if (!at.hasS()) {
                throw refuse("attribute '" + name + "' is not a string");
            }
            return at.getS().toStringUtf8();
        }
    }
}
