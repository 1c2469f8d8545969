package dev.panamarnn.onnx;

import dev.panamarnn.CellType;
import dev.panamarnn.io.ModelFileException;
import dev.panamarnn.onnx.OnnxReader.Data;
import dev.panamarnn.onnx.proto.Onnx;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Understands an ONNX graph as a panama-rnn model, by abstract interpretation: every value of the
 * graph is given what it IS — "layer k's Y in [T, D, B, H]", "the model input with its axes in
 * this order", "the constant [0, 0, -1]", "zeros of shape [D, B, H]", "the head's output per step"
 * — by the rules of the few ops the importer knows (the recurrent ops and the
 * Transpose/Squeeze/Unsqueeze/Reshape/Concat/Slice/Gather/Shape/Constant/ConstantOfShape/Expand/
 * Cast glue torch.onnx.export writes around them, the Gather of an embedding, Gemm / MatMul+Add and
 * Relu of a head). A graph is accepted only when its outputs are, by these rules, what an
 * {@code Rnn} or a {@code SequenceModel} computes; the first node that fits no rule is refused by
 * name. It is not the tensor reader ({@link OnnxReader}) and computes no values of its own beyond
 * small integer shape constants.
 */
final class OnnxGraph {
    /** The axes of the graph's sequence input (x or token ids): its first two, one is time and one is batch. */
    enum Label { A0, A1, D, H, F, N }   // N: the length of the lengths vector (ONNX makes it the batch)

    /** One axis of a sequence value: a label and, for D, H, F, its width. */
    record Axis(Label label, long width) {
        @Override
        public String toString() {
            return label == Label.A0 || label == Label.A1 ? label.name() : label + "=" + width;
        }
    }

    /** A dimension in an integer (shape) value: a constant or one of the input's two leading axes. */
    record Sym(long value, Label axis) {
        static Sym of(long v) {
            return new Sym(v, null);
        }

        boolean constant() {
            return axis == null;
        }
    }

    sealed interface Val permits Ints, Floats, Zeros, GraphInput, Seq, Lengths, StateIn, States, StateRow, LastState, HeadVal,
            SortedLengths, Perm, InvPerm, Arange, IntZeros, Centred, StatesBatchMajor, TargetScale {}

    /** Integers (shape arithmetic): a scalar or a vector of symbols. */
    record Ints(Sym[] elems, boolean scalar) implements Val {}

    /** A float constant (an initializer or a Constant). */
    record Floats(Data data) implements Val {}

    /** Float zeros of a shape (ConstantOfShape, Expand of zeros, a slice of those). */
    record Zeros(Sym[] shape) implements Val {}

    /** A graph input whose role is decided by its first use; {@code permAxis} >= 0: its rows gathered by the sort permutation on that axis. */
    record GraphInput(String name, int elemType, long[] dims, int permAxis) implements Val {}

    /** A float sequence: stage -1 is the model input after its input stage, k >= 0 layer k's output. */
    record Seq(int layer, Axis[] axes, Label perm) implements Val {}   // perm: the axis in sorted order (by the lengths' sort), or null

    /** The per-row lengths (graph input 'lengths', through Casts). */
    record Lengths(String name) implements Val {}

    /** Rows [from, to) of an initial-state graph input. */
    record StateIn(String name, long from, long to, boolean permuted) implements Val {}

    /** Final states (Y_h: hidden, Y_c: cell) of layers [from, to), stacked [n*D, B, H]. */
    record States(boolean cell, int from, int to, boolean permuted) implements Val {}

    /*
     * pack_padded_sequence(enforce_sorted=False): the export sorts the rows by length (TopK gives the
     * sorted lengths and the permutation P), runs the layers on rows in P's order, and puts the rows
     * back with Q = ScatterElements(zeros, P, Range(0, N)), P's inverse. Rows of a recurrent layer
     * never interact, so any permutation P with the lengths permuted alike and undone by its inverse
     * computes the same function as the unsorted batch: that is what these values prove.
     */
    /** The lengths in P's order (TopK's values). */
    record SortedLengths(String name) implements Val {}

    /** The sort permutation P (TopK's indices). */
    record Perm() implements Val {}

    /** P's inverse. */
    record InvPerm() implements Val {}

    /** 0, 1, ..., N-1. */
    record Arange() implements Val {}

    /** N integer zeros. */
    record IntZeros() implements Val {}

    /** The final state of one layer and direction, [B, H]. */
    record StateRow(boolean cell, int layer, int direction) implements Val {}

    /** The last hidden state of a layer as the head reads it, [B, D*H] (directions concatenated in order). */
    record LastState(int layer) implements Val {}

    /** The model input minus the feature mean (Sub), [A0, A1, F]: only the Div by the std may read it. */
    record Centred(Axis[] axes) implements Val {}

    /** One layer's final hidden states Transposed from [D, B, H] to [B, D, H] (on the way to [B, D*H]). */
    record StatesBatchMajor(int layer) implements Val {}

    /** The head's output de-normalised: z * std (Mul), then + mean (Add; null until then), per output. */
    record TargetScale(HeadVal head, float[] std, float[] mean) implements Val {}

    /** The head: its input (per step or last state), its linear layers so far, relu after the first. */
    record HeadVal(Val source, Axis[] axes, List<float[][]> weights, List<float[]> biases, boolean biasPending, boolean relu,
                   int outputs) implements Val {}

    /** One recurrent node, as a layer of the stack. */
    record Layer(String node, CellType cell, int directions, int hidden, int input, float[][] w, float[][] r, float[][] b,
                 boolean lengths) {}

    final Path file;
    private final Map<String, Val> values = new HashMap<>();
    private final Map<String, String> roles = new LinkedHashMap<>();   // graph input -> x, ids, lengths, h0, c0
    final List<Layer> layers = new ArrayList<>();
    Label timeLabel;              // which of the input's leading axes is time, once a recurrent node said it
    float[][] embedding;          // (V, E) when the input is token ids
    int features;                 // F of a float input
    float[] featureMean, featureStd;   // (F) the input normalisation (x - mean) / std, once Sub and Div were seen
    private boolean rawInputRead;      // the float model input was read as it is (no normalisation may follow)
    int h0Reads, c0Reads;         // how many layers read their initial state from a graph input
    private boolean sortedOnce;   // a TopK of the lengths was seen
    private String node = "";     // the node being interpreted, for messages

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

    private void role(GraphInput in, String role) throws ModelFileException {
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
    private Seq seq(Val v, String what) throws ModelFileException {
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

    private static boolean isFloatInput(Val v) {
        return v instanceof GraphInput in && in.elemType() == OnnxReader.FLOAT && in.dims().length == 3;
    }

    /** The float graph input {@code in} as the model input x [A0, A1, F] (its role becomes x). */
    private Seq inputSeq(GraphInput in) throws ModelFileException {
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

    static String describe(Val v) {
        return switch (v) {
            case Ints i -> "the integers " + Arrays.toString(i.elems());
            case Floats f -> "the constant " + f.data();
            case Zeros z -> "zeros " + Arrays.toString(z.shape());
            case GraphInput g -> "graph input '" + OnnxReader.printable(g.name()) + "'";
            case Seq s -> (s.layer() < 0 ? "the model input" : "layer " + s.layer() + "'s output") + " " + Arrays.toString(s.axes())
                    + (s.perm() == null ? "" : " sorted by length on " + s.perm());
            case Lengths l -> "the lengths";
            case StateIn s -> "rows [" + s.from() + ", " + s.to() + ") of initial state '" + OnnxReader.printable(s.name()) + "'";
            case States s -> "final " + (s.cell() ? "cell" : "hidden") + " states of layers [" + s.from() + ", " + s.to() + ")";
            case StateRow r -> "the final " + (r.cell() ? "cell" : "hidden") + " state of layer " + r.layer() + " direction " + r.direction();
            case LastState l -> "the last hidden state of layer " + l.layer();
            case HeadVal h -> "the head's output";
            case SortedLengths l -> "the lengths sorted";
            case Perm p -> "the sort permutation of the lengths";
            case InvPerm p -> "the inverse of the sort permutation";
            case Arange r -> "0..N-1";
            case IntZeros z -> "N integer zeros";
            case Centred c -> "the model input minus the feature mean";
            case StatesBatchMajor s -> "the final hidden states of layer " + s.layer() + " as [B, D, H]";
            case TargetScale t -> t.mean() == null ? "the head's output times the target std" : "the head's output de-normalised";
        };
    }

    // ---- nodes ----

    void node(Onnx.NodeProto n) throws ModelFileException {
        node = "node '" + OnnxReader.printable(n.getName()) + "' (" + OnnxReader.printable(n.getOpType()) + "): ";
        if (!n.getDomain().isEmpty() && !n.getDomain().equals("ai.onnx")) {
            throw refuse("domain '" + OnnxReader.printable(n.getDomain()) + "' is not supported (only the default ONNX domain)");
        }
        Attrs a = new Attrs(n);
        switch (n.getOpType()) {
            case "LSTM", "GRU", "RNN" -> recurrent(n, a);
            case "Constant" -> {
                a.only("value", "value_int", "value_ints");
                out(n, 1);
                if (a.has("value")) {
                    constant(n.getOutput(0), OnnxReader.decode(file, a.get("value").getT(), node + "attribute 'value'"));
                } else if (a.has("value_int")) {
                    define(n.getOutput(0), new Ints(new Sym[] {Sym.of(a.get("value_int").getI())}, true));
                } else if (a.has("value_ints")) {
                    List<Long> l = a.get("value_ints").getIntsList();
                    if (l.size() > 64) {
                        throw refuse("attribute 'value_ints' has " + l.size() + " elements; at most 64");
                    }
                    define(n.getOutput(0), new Ints(l.stream().map(Sym::of).toArray(Sym[]::new), false));
                } else {
                    throw refuse("has no attribute 'value'");
                }
            }
            case "Identity" -> {
                a.only();
                in(n, 1, 1);
                out(n, 1);
                define(n.getOutput(0), value(n.getInput(0)));
            }
            case "Cast" -> cast(n, a);
            case "Shape" -> shape(n, a);
            case "Gather" -> gather(n, a);
            case "Unsqueeze" -> unsqueeze(n, a);
            case "Squeeze" -> squeeze(n, a);
            case "Concat" -> concat(n, a);
            case "ConstantOfShape" -> constantOfShape(n, a);
            case "Expand" -> expand(n, a);
            case "Slice" -> slice(n, a);
            case "Transpose" -> transpose(n, a);
            case "Reshape" -> reshape(n, a);
            case "Gemm" -> gemm(n, a);
            case "MatMul" -> matMul(n, a);
            case "Add" -> add(n, a);
            case "Sub" -> sub(n, a);
            case "Div" -> div(n, a);
            case "Mul" -> mul(n, a);
            case "Relu" -> relu(n, a);
            case "TopK" -> topK(n, a);
            case "ReduceProd" -> reduceProd(n, a);
            case "Range" -> range(n, a);
            case "ScatterElements" -> scatterElements(n, a);
            case "Loop", "Scan", "If" -> throw refuse("control flow (" + n.getOpType() + ") is not supported: only graphs with one "
                    + "LSTM/GRU/RNN node per layer are imported");
            default -> throw refuse("op '" + OnnxReader.printable(n.getOpType()) + "' is not supported by the importer");
        }
    }

    private void in(Onnx.NodeProto n, int min, int max) throws ModelFileException {
        if (n.getInputCount() < min || n.getInputCount() > max) {
            throw refuse("has " + n.getInputCount() + " inputs; expected " + (min == max ? "" + min : min + ".." + max));
        }
    }

    private void out(Onnx.NodeProto n, int count) throws ModelFileException {
        if (n.getOutputCount() != count) {
            throw refuse("has " + n.getOutputCount() + " outputs; expected " + count);
        }
    }

    private Ints ints(String name, String what) throws ModelFileException {
        Val v = value(name);
        if (v instanceof Ints i) {
            return i;
        }
        throw refuse(what + " is " + describe(v) + ", expected integer constants");
    }

    private long constantInt(Sym s, String what) throws ModelFileException {
        if (!s.constant()) {
            throw refuse(what + " is not a constant");
        }
        return s.value();
    }

    private long[] constants(Ints i, String what) throws ModelFileException {
        long[] r = new long[i.elems().length];
        for (int k = 0; k < r.length; k++) {
            r[k] = constantInt(i.elems()[k], what);
        }
        return r;
    }

    private static int axis(long a, int rank) {
        long r = a < 0 ? a + rank : a;
        return r < 0 || r >= rank ? -1 : (int) r;
    }

    private int axisOf(long a, int rank, String what) throws ModelFileException {
        int r = axis(a, rank);
        if (r < 0) {
            throw refuse(what + " " + a + " is out of range for rank " + rank);
        }
        return r;
    }

    private void cast(Onnx.NodeProto n, Attrs a) throws ModelFileException {
        a.only("to", "saturate");
        in(n, 1, 1);
        out(n, 1);
        long to = a.i("to", -1);
        if (to != OnnxReader.INT64 && to != OnnxReader.INT32) {
            throw refuse("attribute 'to' is " + to + "; only casts of integers to INT64 or INT32 are followed");
        }
        Val v = value(n.getInput(0));
        if (v instanceof GraphInput in && (in.elemType() == OnnxReader.INT64 || in.elemType() == OnnxReader.INT32) && in.dims().length == 1) {
            role(in, "lengths");
            v = new Lengths(in.name());
        }
        if (!(v instanceof Lengths) && !(v instanceof Ints) && !(v instanceof SortedLengths) && !(v instanceof Perm)) {
            throw refuse("casts " + describe(v) + "; only the lengths and shape integers are cast");
        }
        define(n.getOutput(0), v);
    }

    private void shape(Onnx.NodeProto n, Attrs a) throws ModelFileException {
        a.only();
        in(n, 1, 1);
        out(n, 1);
        Val v = value(n.getInput(0));
        Sym[] dims;
        if (v instanceof Ints i) {
            dims = new Sym[] {Sym.of(i.scalar() ? 0 : i.elems().length)};
            dims = i.scalar() ? new Sym[0] : dims;
        } else if (v instanceof Lengths || v instanceof Perm || v instanceof SortedLengths) {
            dims = new Sym[] {new Sym(0, Label.N)};
        } else if (v instanceof GraphInput in && (in.elemType() == OnnxReader.INT64 || in.elemType() == OnnxReader.INT32) && in.dims().length == 2) {
            dims = new Sym[] {new Sym(0, Label.A0), new Sym(0, Label.A1)};
            throw refuse("reads the shape of the token ids; not supported");
        } else {
            Seq s = isFloatInput(v) ? inputSeq((GraphInput) v) : seq(v, "its input");   // x's shape is its normalised form's
            dims = new Sym[s.axes().length];
            for (int k = 0; k < dims.length; k++) {
                Axis ax = s.axes()[k];
                dims[k] = ax.label() == Label.A0 || ax.label() == Label.A1 ? new Sym(0, ax.label()) : Sym.of(ax.width());
            }
        }
        define(n.getOutput(0), new Ints(dims, false));
    }

    private void gather(Onnx.NodeProto n, Attrs a) throws ModelFileException {
        a.only("axis");
        in(n, 2, 2);
        out(n, 1);
        long axisAttr = a.i("axis", 0);
        Val data = value(n.getInput(0));
        Val idx = value(n.getInput(1));
        if (data instanceof Floats f && idx instanceof GraphInput in && axisAttr == 0) {   // nn.Embedding
            if (in.elemType() != OnnxReader.INT64 && in.elemType() != OnnxReader.INT32 || in.dims().length != 2) {
                throw refuse("indexes the embedding with graph input '" + OnnxReader.printable(in.name()) + "', expected token ids of rank 2");
            }
            if (f.data().rank() != 2 || f.data().dims()[0] < 1 || f.data().dims()[1] < 1) {
                throw refuse("the embedding " + f.data() + " is not (V, E)");
            }
            role(in, "ids");
            if (embedding != null || features > 0) {
                throw refuse("a second input stage is not supported");
            }
            embedding = matrix(f.data(), (int) f.data().dims()[0], (int) f.data().dims()[1]);
            define(n.getOutput(0), new Seq(-1, new Axis[] {new Axis(Label.A0, 0), new Axis(Label.A1, 0), new Axis(Label.F, f.data().dims()[1])}, null));
            return;
        }
        if (idx instanceof Perm || idx instanceof InvPerm) {
            gatherRows(n, data, idx instanceof Perm, axisAttr);
            return;
        }
        if (idx instanceof Ints i && !i.scalar() && i.elems().length == 1 && data instanceof Ints d && !d.scalar() && axisAttr == 0) {
            int k = axisOf(constantInt(i.elems()[0], "the index"), d.elems().length, "index");   // Gather(Shape, [-1]): a 1-vector
            define(n.getOutput(0), new Ints(new Sym[] {d.elems()[k]}, false));
            return;
        }
        if (!(idx instanceof Ints i) || !i.scalar()) {
            throw refuse("gathers with " + describe(idx) + "; only a scalar constant index is followed");
        }
        long index = constantInt(i.elems()[0], "the index");
        if (data instanceof Ints d && !d.scalar() && axisAttr == 0) {
            int k = axisOf(index, d.elems().length, "index");
            define(n.getOutput(0), new Ints(new Sym[] {d.elems()[k]}, true));
        } else if (data instanceof States s && axis(axisAttr, 3) == 0 && !s.permuted()) {
            int d = directions();
            int rows = (s.to() - s.from()) * d;
            int k = axisOf(index, rows, "index");
            define(n.getOutput(0), new StateRow(s.cell(), s.from() + k / d, k % d));
        } else {
            throw refuse("gathers from " + describe(data) + " on axis " + axisAttr + "; not a pattern the importer follows");
        }
    }

    /** Rows put in sorted order (P) or back in the batch's order (P's inverse) on {@code axisAttr}. */
    private void gatherRows(Onnx.NodeProto n, Val data, boolean sort, long axisAttr) throws ModelFileException {
        if (data instanceof GraphInput in && in.elemType() == OnnxReader.FLOAT && in.dims().length == 3 && sort && in.permAxis() < 0) {
            int k = axisOf(axisAttr, 3, "axis");
            define(n.getOutput(0), new GraphInput(in.name(), in.elemType(), in.dims(), k));   // x or an initial state, by its use
            return;
        }
        if (data instanceof Seq s) {
            int k = axisOf(axisAttr, s.axes().length, "axis");
            Label label = s.axes()[k].label();
            if (!isSeqAxis(s.axes()[k])) {
                throw refuse("permutes axis " + k + " (" + s.axes()[k] + ") of " + describe(s) + "; only the batch axis");
            }
            if (sort && s.perm() == null) {
                define(n.getOutput(0), new Seq(s.layer(), s.axes(), label));
                return;
            }
            if (!sort && s.perm() == label) {
                define(n.getOutput(0), new Seq(s.layer(), s.axes(), null));
                return;
            }
        }
        if (data instanceof States s && !sort && s.permuted() && axis(axisAttr, 3) == 1) {
            define(n.getOutput(0), new States(s.cell(), s.from(), s.to(), false));
            return;
        }
        throw refuse("gathers " + describe(data) + " on axis " + axisAttr + " by " + (sort ? "the sort permutation" : "its inverse")
                + "; only the batch rows of the input, the initial states and the outputs are permuted and put back");
    }

    private void topK(Onnx.NodeProto n, Attrs a) throws ModelFileException {
        a.only("axis", "largest", "sorted");
        in(n, 2, 2);
        if (n.getOutputCount() != 2) {
            throw refuse("has " + n.getOutputCount() + " outputs; expected 2");
        }
        Val v = value(n.getInput(0));
        Ints k = ints(n.getInput(1), "input 'K'");
        long axisAttr = a.i("axis", -1);
        if (!(v instanceof Lengths l) || axis(axisAttr, 1) != 0 || k.elems().length != 1 || k.elems()[0].axis() != Label.N) {
            throw refuse("sorts " + describe(v) + " (K " + Arrays.toString(k.elems()) + ", axis " + axisAttr
                    + "); only all the lengths are sorted (pack_padded_sequence with enforce_sorted=False)");
        }
        if (sortedOnce) {
            throw refuse("sorts the lengths a second time; one sort permutation per graph is followed");
        }
        sortedOnce = true;   // so every Perm, InvPerm and SortedLengths of the graph is of this one sort
        define(n.getOutput(0), new SortedLengths(l.name()));
        define(n.getOutput(1), new Perm());
    }

    private void reduceProd(Onnx.NodeProto n, Attrs a) throws ModelFileException {
        a.only("keepdims");
        in(n, 1, 1);
        out(n, 1);
        Ints v = ints(n.getInput(0), "its input");
        if (v.scalar() || v.elems().length != 1) {
            throw refuse("multiplies " + describe(v) + "; only a one-element shape is followed");
        }
        define(n.getOutput(0), new Ints(v.elems(), a.i("keepdims", 1) == 0));
    }

    private void range(Onnx.NodeProto n, Attrs a) throws ModelFileException {
        a.only();
        in(n, 3, 3);
        out(n, 1);
        Ints start = ints(n.getInput(0), "input 'start'"), limit = ints(n.getInput(1), "input 'limit'"), delta = ints(n.getInput(2), "input 'delta'");
        if (start.elems().length != 1 || !start.elems()[0].constant() || start.elems()[0].value() != 0 || delta.elems().length != 1
                || !delta.elems()[0].constant() || delta.elems()[0].value() != 1 || limit.elems().length != 1 || limit.elems()[0].axis() != Label.N) {
            throw refuse("is not Range(0, N, 1) over the lengths");
        }
        define(n.getOutput(0), new Arange());
    }

    private void scatterElements(Onnx.NodeProto n, Attrs a) throws ModelFileException {
        a.only("axis", "reduction");
        in(n, 3, 3);
        out(n, 1);
        if (!a.s("reduction", "none").equals("none") || a.i("axis", 0) != 0 || !(value(n.getInput(0)) instanceof IntZeros)
                || !(value(n.getInput(1)) instanceof Perm) || !(value(n.getInput(2)) instanceof Arange)) {
            throw refuse("is not ScatterElements(zeros, P, Range(0, N)) on axis 0 (the inverse of the sort permutation)");
        }
        define(n.getOutput(0), new InvPerm());
    }

    private int directions() throws ModelFileException {
        if (layers.isEmpty()) {
            throw refuse("reads final states before any recurrent node");
        }
        return layers.get(0).directions();
    }

    private long[] axesInputOrAttr(Onnx.NodeProto n, Attrs a) throws ModelFileException {
        if (n.getInputCount() >= 2 && !n.getInput(1).isEmpty()) {
            return constants(ints(n.getInput(1), "input 'axes'"), "input 'axes'");
        }
        if (a.has("axes")) {
            return a.get("axes").getIntsList().stream().mapToLong(Long::longValue).toArray();
        }
        return null;
    }

    private void unsqueeze(Onnx.NodeProto n, Attrs a) throws ModelFileException {
        a.only("axes");
        in(n, 1, 2);
        out(n, 1);
        long[] axes = axesInputOrAttr(n, a);
        Val v = value(n.getInput(0));
        if (v instanceof Ints i && i.scalar() && axes != null && axes.length == 1 && (axes[0] == 0 || axes[0] == -1)) {
            define(n.getOutput(0), new Ints(i.elems(), false));
            return;
        }
        throw refuse("unsqueezes " + describe(v) + "; only a scalar shape integer to a vector is followed");
    }

    private void squeeze(Onnx.NodeProto n, Attrs a) throws ModelFileException {
        a.only("axes");
        in(n, 1, 2);
        out(n, 1);
        long[] axes = axesInputOrAttr(n, a);
        Val v = value(n.getInput(0));
        if (v instanceof States st) {   // Y_h [1, B, H] of a unidirectional top layer -> [B, H], what a per-sequence head reads
            if (axes == null || axes.length != 1 || axis(axes[0], 3) != 0 || st.cell() || st.permuted() || st.to() - st.from() != 1
                    || directions() != 1) {
                throw refuse("squeezes " + describe(st) + " on axes " + (axes == null ? "(none)" : Arrays.toString(axes))
                        + "; only axis 0 of one unidirectional layer's final hidden state [1, B, H] is followed");
            }
            define(n.getOutput(0), new LastState(st.from()));
            return;
        }
        Seq s = seq(v, "its input");
        if (axes == null || axes.length != 1) {
            throw refuse("squeezes without exactly one axis; only the direction axis of a unidirectional layer's Y is followed");
        }
        int k = axisOf(axes[0], s.axes().length, "axis");
        Axis ax = s.axes()[k];
        if (ax.label() != Label.D || ax.width() != 1) {
            throw refuse("squeezes axis " + k + " (" + ax + ") of " + describe(s) + "; only a direction axis of size 1 can be squeezed");
        }
        List<Axis> rest = new ArrayList<>();
        for (int j = 0; j < s.axes().length; j++) {
            if (j != k) {
                Axis x = s.axes()[j];
                rest.add(x.label() == Label.H ? new Axis(Label.F, x.width()) : x);
            }
        }
        define(n.getOutput(0), new Seq(s.layer(), rest.toArray(Axis[]::new), s.perm()));
    }

    private void concat(Onnx.NodeProto n, Attrs a) throws ModelFileException {
        a.only("axis");
        in(n, 1, 64);
        out(n, 1);
        long axisAttr = a.i("axis", Long.MIN_VALUE);
        List<Val> vs = new ArrayList<>();
        for (String s : n.getInputList()) {
            vs.add(value(s));
        }
        if (vs.stream().allMatch(v -> v instanceof Ints i && !i.scalar()) && (axisAttr == 0 || axisAttr == -1)) {
            List<Sym> all = new ArrayList<>();
            for (Val v : vs) {
                all.addAll(Arrays.asList(((Ints) v).elems()));
            }
            define(n.getOutput(0), new Ints(all.toArray(Sym[]::new), false));
            return;
        }
        if (vs.stream().allMatch(v -> v instanceof States) && axisAttr == 0) {
            States first = (States) vs.get(0);
            int to = first.to();
            for (Val v : vs.subList(1, vs.size())) {
                States s = (States) v;
                if (s.cell() != first.cell() || s.from() != to || s.permuted() != first.permuted()) {
                    throw refuse("concatenates final states out of layer order or of hidden and cell states together");
                }
                to = s.to();
            }
            define(n.getOutput(0), new States(first.cell(), first.from(), to, first.permuted()));
            return;
        }
        if (vs.stream().allMatch(v -> v instanceof StateRow) && (axisAttr == 1 || axisAttr == -1) && vs.size() == 2) {
            StateRow r0 = (StateRow) vs.get(0), r1 = (StateRow) vs.get(1);
            if (r0.cell() || r1.cell() || r0.layer() != r1.layer() || r0.direction() != 0 || r1.direction() != 1 || directions() != 2) {
                throw refuse("concatenates " + describe(r0) + " and " + describe(r1)
                        + "; only a layer's forward then backward final hidden states (torch.cat([h_n[-2], h_n[-1]], 1)) are followed");
            }
            define(n.getOutput(0), new LastState(r0.layer()));
            return;
        }
        throw refuse("concatenates " + vs.stream().map(OnnxGraph::describe).toList() + " on axis " + axisAttr + "; not a pattern the importer follows");
    }

    private void constantOfShape(Onnx.NodeProto n, Attrs a) throws ModelFileException {
        a.only("value");
        in(n, 1, 1);
        out(n, 1);
        if (a.has("value")) {
            Data d = OnnxReader.decode(file, a.get("value").getT(), node + "attribute 'value'");
            if (d.count() != 1 || !d.allZero()) {
                throw refuse("attribute 'value' is not a single zero; only zeros (an initial state) are followed");
            }
            if (!d.isFloat()) {
                Sym[] shape = ints(n.getInput(0), "the shape").elems();
                if (shape.length != 1 || shape[0].axis() != Label.N) {
                    throw refuse("integer zeros of shape " + Arrays.toString(shape) + "; only N zeros (to invert the sort permutation) are followed");
                }
                define(n.getOutput(0), new IntZeros());
                return;
            }
        }
        define(n.getOutput(0), new Zeros(ints(n.getInput(0), "the shape").elems()));
    }

    private void expand(Onnx.NodeProto n, Attrs a) throws ModelFileException {
        a.only();
        in(n, 2, 2);
        out(n, 1);
        Val v = value(n.getInput(0));
        Ints shape = ints(n.getInput(1), "the shape");
        boolean zeros = v instanceof Zeros || v instanceof Floats f && f.data().allZero();
        if (!zeros) {
            throw refuse("expands " + describe(v) + "; only zeros (an initial state) are followed");
        }
        define(n.getOutput(0), new Zeros(shape.elems()));
    }

    private void slice(Onnx.NodeProto n, Attrs a) throws ModelFileException {
        a.only();
        in(n, 3, 5);
        out(n, 1);
        long[] starts = constants(ints(n.getInput(1), "input 'starts'"), "input 'starts'");
        long[] ends = constants(ints(n.getInput(2), "input 'ends'"), "input 'ends'");
        long[] axes = n.getInputCount() > 3 && !n.getInput(3).isEmpty() ? constants(ints(n.getInput(3), "input 'axes'"), "input 'axes'") : new long[] {0};
        long[] steps = n.getInputCount() > 4 && !n.getInput(4).isEmpty() ? constants(ints(n.getInput(4), "input 'steps'"), "input 'steps'") : new long[] {1};
        if (starts.length != 1 || ends.length != 1 || axes.length != 1 || steps.length != 1 || axes[0] != 0 || steps[0] != 1
                || starts[0] < 0 || ends[0] < starts[0]) {
            throw refuse("slices " + Arrays.toString(starts) + ".." + Arrays.toString(ends) + " on axes " + Arrays.toString(axes)
                    + "; only a forward range of rows of axis 0 (a layer's initial state) is followed");
        }
        Val v = value(n.getInput(0));
        if (v instanceof Zeros z && z.shape().length == 3) {
            long rows = constantInt(z.shape()[0], "the rows of the zeros");
            long to = Math.min(ends[0], rows);
            Sym[] shape = z.shape().clone();
            shape[0] = Sym.of(Math.max(0, to - starts[0]));
            define(n.getOutput(0), new Zeros(shape));
        } else if (v instanceof StateIn st && st.from() == 0) {
            throw refuse("slices an initial state twice");
        } else if (v instanceof GraphInput in && in.elemType() == OnnxReader.FLOAT && in.dims().length == 3) {
            long rows = in.dims()[0];
            if (rows < 1) {
                throw refuse("slices initial state '" + OnnxReader.printable(in.name()) + "' whose first dimension is not a fixed size");
            }
            if (in.permAxis() != -1 && in.permAxis() != 1) {
                throw refuse("slices initial state '" + OnnxReader.printable(in.name()) + "' permuted on axis " + in.permAxis());
            }
            define(n.getOutput(0), new StateIn(in.name(), starts[0], Math.min(ends[0], rows), in.permAxis() == 1));
        } else {
            throw refuse("slices " + describe(v) + "; only an initial state is sliced");
        }
    }

    private void transpose(Onnx.NodeProto n, Attrs a) throws ModelFileException {
        a.only("perm");
        in(n, 1, 1);
        out(n, 1);
        Val v = value(n.getInput(0));
        if (v instanceof States st) {   // Y_h [D, B, H] -> [B, D, H], then Reshape [0, -1]: torch.cat([h_n[-2], h_n[-1]], 1)
            List<Long> perm = a.has("perm") ? a.get("perm").getIntsList() : List.of();
            if (!perm.equals(List.of(1L, 0L, 2L)) || st.cell() || st.permuted() || st.to() - st.from() != 1) {
                throw refuse("transposes " + describe(st) + " by " + perm + "; only one layer's final hidden states by [1, 0, 2] are followed");
            }
            define(n.getOutput(0), new StatesBatchMajor(st.from()));
            return;
        }
        Axis[] axes;
        if (v instanceof HeadVal h && h.axes() != null) {
            axes = h.axes();
        } else {
            axes = seq(v, "its input").axes();
        }
        if (!a.has("perm")) {
            throw refuse("has no attribute 'perm'");
        }
        List<Long> perm = a.get("perm").getIntsList();
        if (perm.size() != axes.length) {
            throw refuse("attribute 'perm' " + perm + " does not match rank " + axes.length);
        }
        Axis[] out = new Axis[axes.length];
        boolean[] seen = new boolean[axes.length];
        for (int k = 0; k < out.length; k++) {
            long p = perm.get(k);
            if (p < 0 || p >= axes.length || seen[(int) p]) {
                throw refuse("attribute 'perm' " + perm + " is not a permutation");
            }
            seen[(int) p] = true;
            out[k] = axes[(int) p];
        }
        if (v instanceof HeadVal h && h.axes() != null) {
            define(n.getOutput(0), new HeadVal(h.source(), out, h.weights(), h.biases(), h.biasPending(), h.relu(), h.outputs()));
        } else {
            Seq s = v instanceof Seq q ? q : seq(v, "its input");
            define(n.getOutput(0), new Seq(s.layer(), out, s.perm()));
        }
    }

    private void reshape(Onnx.NodeProto n, Attrs a) throws ModelFileException {
        a.only("allowzero");
        in(n, 2, 2);
        out(n, 1);
        if (a.i("allowzero", 0) != 0) {
            throw refuse("attribute 'allowzero' is " + a.i("allowzero", 0) + "; only 0 is followed");
        }
        Val v = value(n.getInput(0));
        if (v instanceof StatesBatchMajor st) {   // [B, D, H] -> [B, D*H]: both directions side by side, forward first
            long[] shape = constants(ints(n.getInput(1), "the shape"), "the shape");
            long width = (long) directions() * layers.get(0).hidden();
            if (shape.length != 2 || shape[0] != 0 || shape[1] != -1 && shape[1] != width) {
                throw refuse("reshapes " + describe(st) + " to " + Arrays.toString(shape) + "; only [0, -1] (or [0, " + width + "]) is followed");
            }
            define(n.getOutput(0), new LastState(st.layer()));
            return;
        }
        Seq s = seq(v, "its input");
        long[] shape = constants(ints(n.getInput(1), "the shape"), "the shape");
        Axis[] axes = s.axes();
        // [0, 0, -1] (or [0, 0, D*H]) on [A, A', D, H]: merge the directions into features, forward first
        if (axes.length == 4 && shape.length == 3 && shape[0] == 0 && shape[1] == 0 && isSeqAxis(axes[0]) && isSeqAxis(axes[1])
                && axes[2].label() == Label.D && axes[3].label() == Label.H
                && (shape[2] == -1 || shape[2] == axes[2].width() * axes[3].width())) {
            define(n.getOutput(0), new Seq(s.layer(), new Axis[] {axes[0], axes[1], new Axis(Label.F, axes[2].width() * axes[3].width())}, s.perm()));
            return;
        }
        if (axes.length == 3 && shape.length == 3 && shape[0] == 0 && shape[1] == 0 && isSeqAxis(axes[0]) && isSeqAxis(axes[1])
                && axes[2].label() == Label.F && (shape[2] == -1 || shape[2] == axes[2].width())) {
            define(n.getOutput(0), s);
            return;
        }
        throw refuse("reshapes " + describe(s) + " to " + Arrays.toString(shape)
                + "; only [0, 0, -1] merging a layer's (directions, hidden) axes is followed");
    }

    private static boolean isSeqAxis(Axis a) {
        return a.label() == Label.A0 || a.label() == Label.A1;
    }

    // ---- the head ----

    private void gemm(Onnx.NodeProto n, Attrs a) throws ModelFileException {
        a.only("alpha", "beta", "transA", "transB");
        in(n, 2, 3);
        out(n, 1);
        if (a.f("alpha", 1f) != 1f || a.f("beta", 1f) != 1f || a.i("transA", 0) != 0) {
            throw refuse("attributes alpha, beta, transA are " + a.f("alpha", 1f) + ", " + a.f("beta", 1f) + ", " + a.i("transA", 0)
                    + "; only nn.Linear's 1, 1, 0 are followed");
        }
        boolean transB = a.i("transB", 0) != 0;
        HeadVal h = linear(value(n.getInput(0)), value(n.getInput(1)), transB, 2);
        if (n.getInputCount() == 3 && !n.getInput(2).isEmpty()) {
            h = bias(h, value(n.getInput(2)));
        } else {
            h = bias(h, null);
        }
        define(n.getOutput(0), h);
    }

    private void matMul(Onnx.NodeProto n, Attrs a) throws ModelFileException {
        a.only();
        in(n, 2, 2);
        out(n, 1);
        define(n.getOutput(0), linear(value(n.getInput(0)), value(n.getInput(1)), false, -1));
    }

    private void add(Onnx.NodeProto n, Attrs a) throws ModelFileException {
        a.only();
        in(n, 2, 2);
        out(n, 1);
        Val x = value(n.getInput(0)), y = value(n.getInput(1));
        if (x instanceof Floats && (y instanceof HeadVal || y instanceof TargetScale)) {   // float addition commutes, bit for bit
            Val t = x;
            x = y;
            y = t;
        }
        if (x instanceof HeadVal h && h.biasPending() && y instanceof Floats) {
            define(n.getOutput(0), bias(h, y));
            return;
        }
        if (x instanceof TargetScale t && t.mean() == null) {   // z * std + mean: the target mean, after the Mul
            define(n.getOutput(0), new TargetScale(t.head(), t.std(), perOutput(y, t.head().outputs(), "the target mean")));
            return;
        }
        throw refuse("adds " + describe(x) + " and " + describe(y) + "; only the bias of a head's MatMul and the target mean after "
                + "the target std's Mul are followed");
    }

    // ---- the normalisations: (x - mean) / std of the input, z * std + mean of a regressor's output ----

    /** Sub(x, mean): the model input minus a constant mean per feature. */
    private void sub(Onnx.NodeProto n, Attrs a) throws ModelFileException {
        a.only();
        in(n, 2, 2);
        out(n, 1);
        Val x = value(n.getInput(0)), m = value(n.getInput(1));
        if (!(isFloatInput(x) && x instanceof GraphInput in && in.permAxis() < 0)) {
            throw refuse("subtracts " + describe(m) + " from " + describe(x) + "; only a constant mean per feature from the model input "
                    + "(x - mean) is followed");
        }
        if (featureMean != null || rawInputRead) {
            throw refuse(featureMean != null ? "subtracts a second mean from the model input; one normalisation is followed"
                    : "normalises the model input after the graph read it as it is; the network must read one or the other");
        }
        Seq s = inputSeq(in);
        featureMean = perFeature(m, s, "the mean");
        define(n.getOutput(0), new Centred(s.axes()));
    }

    /** Div(x - mean, std): the normalised model input, what the first layer reads. */
    private void div(Onnx.NodeProto n, Attrs a) throws ModelFileException {
        a.only();
        in(n, 2, 2);
        out(n, 1);
        Val x = value(n.getInput(0)), d = value(n.getInput(1));
        if (!(x instanceof Centred c)) {
            throw refuse("divides " + describe(x) + " by " + describe(d) + "; only the model input minus its mean, by a constant std per "
                    + "feature ((x - mean) / std) is followed");
        }
        if (featureStd != null) {
            throw refuse("divides the centred input a second time; one normalisation is followed");
        }
        Seq s = new Seq(-1, c.axes(), null);
        featureStd = perFeature(d, s, "the std");
        define(n.getOutput(0), s);
    }

    /** Mul(z, std): a regressor's head output times the target std per output (then Add of the mean). */
    private void mul(Onnx.NodeProto n, Attrs a) throws ModelFileException {
        a.only();
        in(n, 2, 2);
        out(n, 1);
        Val x = value(n.getInput(0)), y = value(n.getInput(1));
        if (x instanceof Floats && y instanceof HeadVal) {   // float multiplication commutes, bit for bit
            Val t = x;
            x = y;
            y = t;
        }
        if (!(x instanceof HeadVal h) || h.biasPending() || h.relu()) {
            throw refuse("multiplies " + describe(x) + " by " + describe(y) + "; only the complete head's output by a constant target "
                    + "std per output (z * std + mean) is followed");
        }
        define(n.getOutput(0), new TargetScale(h, perOutput(y, h.outputs(), "the target std"), null));
    }

    /** A constant of shape (F) for the input's F features: the input normalisation broadcasts on the last axis. */
    private float[] perFeature(Val v, Seq s, String what) throws ModelFileException {
        return vectorOf(v, s.axes()[s.axes().length - 1].width(), what, "feature");
    }

    private float[] perOutput(Val v, long outputs, String what) throws ModelFileException {
        return vectorOf(v, outputs, what, "output");
    }

    private float[] vectorOf(Val v, long width, String what, String per) throws ModelFileException {
        if (v instanceof Floats f && f.data().rank() == 1 && f.data().dims()[0] == width) {
            return f.data().floats().clone();
        }
        throw refuse(what + " is " + describe(v) + "; expected " + width + " constants of shape (" + width + "), one per " + per);
    }

    private void relu(Onnx.NodeProto n, Attrs a) throws ModelFileException {
        a.only();
        in(n, 1, 1);
        out(n, 1);
        Val v = value(n.getInput(0));
        if (v instanceof HeadVal h && !h.biasPending() && !h.relu() && h.weights().size() == 1) {
            define(n.getOutput(0), new HeadVal(h.source(), h.axes(), h.weights(), h.biases(), false, true, h.outputs()));
            return;
        }
        throw refuse("applies Relu to " + describe(v) + "; only between the head's two Linear layers");
    }

    /** A Linear on {@code x} with weight {@code wv}: (out, in) when transposed (Gemm transB=1), else (in, out). */
    private HeadVal linear(Val x, Val wv, boolean transposed, int rank) throws ModelFileException {
        if (!(wv instanceof Floats w) || w.data().rank() != 2) {
            throw refuse("the weight is " + describe(wv) + ", expected a constant matrix");
        }
        int rows = (int) w.data().dims()[0], cols = (int) w.data().dims()[1];
        int in = transposed ? cols : rows, out = transposed ? rows : cols;
        if (in < 1 || out < 1) {
            throw refuse("the weight " + w.data() + " is empty");
        }
        float[][] weight = new float[out][in];   // PyTorch's (out, in)
        float[] v = w.data().floats();
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                weight[o][i] = transposed ? v[o * in + i] : v[i * out + o];
            }
        }
        if (x instanceof StateRow r && !r.cell()) {
            if (directions() != 1) {
                throw refuse("reads one direction's final state of a bidirectional layer; the head reads both (torch.cat([h_n[-2], h_n[-1]], 1))");
            }
            x = new LastState(r.layer());
        }
        if (x instanceof LastState l) {
            int width = layers.get(0).hidden() * directions();
            requireWidth(in, width);
            return new HeadVal(l, null, List.<float[][]>of(weight), List.<float[]>of(), true, false, out);
        }
        if (x instanceof Seq s) {
            if (rank == 2) {
                throw refuse("applies Gemm to a sequence");
            }
            Axis last = s.axes()[s.axes().length - 1];
            if (s.axes().length != 3 || last.label() != Label.F || s.layer() < 0 || s.perm() != null) {
                throw refuse("applies a Linear to " + describe(s) + "; only to the top layer's output [., ., D*H] or its last state");
            }
            requireWidth(in, last.width());
            Axis[] axes = s.axes().clone();
            axes[2] = new Axis(Label.F, out);
            return new HeadVal(s, axes, List.<float[][]>of(weight), List.<float[]>of(), true, false, out);
        }
        if (x instanceof HeadVal h && h.relu() && h.weights().size() == 1) {
            requireWidth(in, h.outputs());
            List<float[][]> ws = new ArrayList<>(h.weights());
            ws.add(weight);
            Axis[] axes = h.axes() == null ? null : h.axes().clone();
            if (axes != null) {
                axes[axes.length - 1] = new Axis(Label.F, out);
            }
            return new HeadVal(h.source(), axes, ws, h.biases(), true, false, out);
        }
        throw refuse("applies a Linear to " + describe(x) + "; not a head the importer follows");
    }

    private void requireWidth(int in, long width) throws ModelFileException {
        if (in != width) {
            throw refuse("the weight reads " + in + " features, its input has " + width);
        }
    }

    private HeadVal bias(HeadVal h, Val b) throws ModelFileException {
        float[] bias = new float[h.outputs()];
        if (b != null) {
            if (!(b instanceof Floats f) || f.data().count() != h.outputs() || f.data().rank() > 2
                    || f.data().rank() == 2 && f.data().dims()[0] != 1) {
                throw refuse("the bias is " + describe(b) + ", expected " + h.outputs() + " constants");
            }
            bias = f.data().floats().clone();
        }
        List<float[]> bs = new ArrayList<>(h.biases());
        bs.add(bias);
        return new HeadVal(h.source(), h.axes(), h.weights(), bs, false, h.relu(), h.outputs());
    }

    // ---- recurrent nodes ----

    private void recurrent(Onnx.NodeProto n, Attrs a) throws ModelFileException {
        String op = n.getOpType();
        boolean lstm = op.equals("LSTM"), gru = op.equals("GRU");
        Set<String> known = new java.util.HashSet<>(List.of("hidden_size", "direction", "activations", "activation_alpha",
                "activation_beta", "clip", "layout"));
        if (lstm) {
            known.add("input_forget");
        }
        if (gru) {
            known.add("linear_before_reset");
        }
        a.only(known.toArray(String[]::new));
        for (String refused : List.of("clip", "activation_alpha", "activation_beta")) {
            if (a.has(refused)) {
                throw refuse("attribute '" + refused + "' is not supported (PyTorch's " + op + " has no " + refused + ")");
            }
        }
        if (lstm && a.i("input_forget", 0) != 0) {
            throw refuse("attribute 'input_forget' is " + a.i("input_forget", 0) + "; coupled input and forget gates are not supported");
        }
        in(n, 3, lstm ? 8 : 6);
        if (n.getOutputCount() > (lstm ? 3 : 2)) {
            throw refuse("has " + n.getOutputCount() + " outputs");
        }
        if (lstm && n.getInputCount() == 8 && !n.getInput(7).isEmpty()) {
            throw refuse("input 'P' (peepholes) is not supported: PyTorch's LSTM has none");
        }
        String direction = a.s("direction", "forward");
        int d = switch (direction) {
            case "forward" -> 1;
            case "bidirectional" -> 2;
            case "reverse" -> throw refuse("attribute 'direction' is 'reverse'; a layer that only runs backwards is not supported "
                    + "(PyTorch has forward and bidirectional layers)");
            default -> throw refuse("attribute 'direction' is '" + OnnxReader.printable(direction) + "'");
        };
        long layout = a.i("layout", 0);
        if (layout != 0 && layout != 1) {
            throw refuse("attribute 'layout' is " + layout + "; expected 0 or 1");
        }
        CellType cell = cellType(op, a, d);
        if (!a.has("hidden_size")) {
            throw refuse("attribute 'hidden_size' is missing");
        }
        long hidden = a.i("hidden_size", 0);
        int g = cell.gates();
        // X: [T, B, I] (layout 0) or [B, T, I] (layout 1)
        Seq x = seq(value(n.getInput(0)), "input 'X'");
        int k = layers.size();
        if (x.layer() != k - 1) {
            throw refuse("input 'X' is " + describe(x) + "; layer " + k + " must read " + (k == 0 ? "the model input" : "layer " + (k - 1) + "'s output"));
        }
        if (x.axes().length != 3 || !isSeqAxis(x.axes()[0]) || !isSeqAxis(x.axes()[1]) || x.axes()[2].label() != Label.F) {
            throw refuse("input 'X' is " + describe(x) + "; expected [T, B, I] (or [B, T, I] with layout=1)");
        }
        Label time = x.axes()[layout == 0 ? 0 : 1].label();
        if (timeLabel == null) {
            timeLabel = time;
        } else if (timeLabel != time) {
            throw refuse("input 'X' has time and batch swapped relative to the first recurrent node");
        }
        long inputWidth = x.axes()[2].width();
        Data w = weight(n, 1, "W", new long[] {d, g * hidden, inputWidth});
        Data r = weight(n, 2, "R", new long[] {d, g * hidden, hidden});
        Data b = n.getInputCount() > 3 && !n.getInput(3).isEmpty() ? weight(n, 3, "B", new long[] {d, 2 * g * hidden}) : null;
        if (hidden < 1 || hidden > Integer.MAX_VALUE / 8) {
            throw refuse("attribute 'hidden_size' is " + hidden);
        }
        boolean lengths = false, sorted = false;
        if (n.getInputCount() > 4 && !n.getInput(4).isEmpty()) {
            Val l = value(n.getInput(4));
            if (l instanceof GraphInput in && (in.elemType() == OnnxReader.INT32 || in.elemType() == OnnxReader.INT64) && in.dims().length == 1) {
                role(in, "lengths");
                l = new Lengths(in.name());
            }
            if (!(l instanceof Lengths) && !(l instanceof SortedLengths)) {
                throw refuse("input 'sequence_lens' is " + describe(l) + "; expected the lengths graph input");
            }
            lengths = true;
            sorted = l instanceof SortedLengths;
        }
        Label batchLabel = time == Label.A0 ? Label.A1 : Label.A0;
        if (x.perm() != (sorted ? batchLabel : null)) {
            throw refuse("input 'X' is " + (x.perm() == null ? "in the batch's order" : "permuted on axis " + x.perm())
                    + " but input 'sequence_lens' is " + (sorted ? "sorted" : "in the batch's order"));
        }
        initialState(n, 5, "initial_h", "h0", k, d, hidden, sorted);
        if (lstm) {
            initialState(n, 6, "initial_c", "c0", k, d, hidden, sorted);
        }
        if (!layers.isEmpty()) {
            Layer first = layers.get(0);
            if (first.cell() != cell || first.directions() != d || first.hidden() != hidden || first.lengths() != lengths) {
                throw refuse("differs from the first recurrent node in cell, direction, hidden_size or sequence_lens; "
                        + "a stack has one of each");
            }
        }
        layers.add(new Layer(n.getName(), cell, d, (int) hidden, (int) inputWidth, perDirection(w.floats(), d), perDirection(r.floats(), d),
                b == null ? new float[d][2 * g * (int) hidden] : perDirection(b.floats(), d), lengths));
        Axis t = new Axis(time, 0), batch = new Axis(time == Label.A0 ? Label.A1 : Label.A0, 0);
        Axis dAxis = new Axis(Label.D, d), hAxis = new Axis(Label.H, hidden);
        if (n.getOutputCount() > 0) {
            define(n.getOutput(0), new Seq(k, layout == 0 ? new Axis[] {t, dAxis, batch, hAxis} : new Axis[] {batch, t, dAxis, hAxis}, x.perm()));
        }
        if (n.getOutputCount() > 1 || n.getOutputCount() > 2) {
            // with one direction [B, 1, H] holds the values of [1, B, H] in the same order
            if (layout == 1 && d > 1
                    && (n.getOutputCount() > 1 && !n.getOutput(1).isEmpty() || n.getOutputCount() > 2 && !n.getOutput(2).isEmpty())) {
                throw refuse("output 'Y_h' of a bidirectional layout=1 node ([B, D, H]) is not followed; use layout=0");
            }
        }
        if (n.getOutputCount() > 1) {
            define(n.getOutput(1), new States(false, k, k + 1, sorted));
        }
        if (n.getOutputCount() > 2) {
            define(n.getOutput(2), new States(true, k, k + 1, sorted));
        }
    }

    /**
     * The cell of a recurrent node: the one place where an ONNX op and its attributes map to a
     * {@link CellType}. GRU's linear_before_reset=1 is PyTorch's GRU, 0 (ONNX's default, the
     * original GRU) the reset-before GRU.
     */
    private CellType cellType(String op, Attrs a, int directions) throws ModelFileException {
        List<String> acts = a.has("activations") ? a.get("activations").getStringsList().stream()
                .map(s -> s.toStringUtf8()).toList() : null;
        switch (op) {
            case "LSTM" -> {
                requireActivations(acts, directions, "Sigmoid", "Tanh", "Tanh");
                return CellType.LSTM;
            }
            case "GRU" -> {
                requireActivations(acts, directions, "Sigmoid", "Tanh");
                long lbr = a.i("linear_before_reset", 0);
                if (lbr == 1) {
                    return CellType.GRU;                // PyTorch's GRU: r * (W_hn h + b_hn)
                }
                if (lbr == 0) {
                    return CellType.GRU_RESET_BEFORE;   // ONNX's default: W_hn (r * h) + b_hn
                }
                throw refuse("attribute 'linear_before_reset' is " + lbr + "; expected 0 or 1");
            }
            default -> {
                if (acts == null || activationsAre(acts, directions, "Tanh")) {
                    return CellType.RNN_TANH;
                }
                if (activationsAre(acts, directions, "Relu")) {
                    return CellType.RNN_RELU;
                }
                throw refuse("attribute 'activations' is " + printable(acts) + "; only Tanh or Relu (for both directions) are supported");
            }
        }
    }

    private static String printable(List<String> acts) {
        return acts.stream().map(OnnxReader::printable).toList().toString();
    }

    private void requireActivations(List<String> acts, int directions, String... expected) throws ModelFileException {
        if (acts != null && !activationsAre(acts, directions, expected)) {
            throw refuse("attribute 'activations' is " + printable(acts) + "; only the defaults " + Arrays.toString(expected)
                    + " per direction are supported");
        }
    }

    private static boolean activationsAre(List<String> acts, int directions, String... expected) {
        if (acts.size() != expected.length * directions) {
            return false;
        }
        for (int i = 0; i < acts.size(); i++) {
            if (!acts.get(i).equalsIgnoreCase(expected[i % expected.length])) {
                return false;
            }
        }
        return true;
    }

    private Data weight(Onnx.NodeProto n, int index, String name, long[] dims) throws ModelFileException {
        Val v = value(n.getInput(index));
        if (!(v instanceof Floats f)) {
            throw refuse("input '" + name + "' is " + describe(v) + ", expected a constant float tensor");
        }
        if (!Arrays.equals(f.data().dims(), dims)) {
            throw refuse("input '" + name + "' " + f.data() + " is not " + Arrays.toString(dims)
                    + " (from hidden_size, direction and the input's width)");
        }
        return f.data();
    }

    private void initialState(Onnx.NodeProto n, int index, String name, String role, int layer, int d, long hidden, boolean sorted)
            throws ModelFileException {
        if (n.getInputCount() <= index || n.getInput(index).isEmpty()) {
            return;   // zeros
        }
        Val v = value(n.getInput(index));
        if (v instanceof Floats f && f.data().allZero() && f.data().rank() == 3) {
            v = new Zeros(new Sym[] {Sym.of(f.data().dims()[0]), Sym.of(f.data().dims()[1]), Sym.of(f.data().dims()[2])});
        }
        if (v instanceof Zeros z) {
            Sym[] s = z.shape();
            Label batch = timeLabel == Label.A0 ? Label.A1 : Label.A0;
            if (s.length != 3 || !s[0].constant() || s[0].value() != d || !s[2].constant() || s[2].value() != hidden
                    || !(s[1].constant() || s[1].axis() == batch)) {
                throw refuse("input '" + name + "' is " + describe(z) + "; expected zeros [" + d + ", B, " + hidden + "]");
            }
            return;
        }
        if (v instanceof GraphInput in && in.elemType() == OnnxReader.FLOAT && in.dims().length == 3) {
            if (in.permAxis() != -1 && in.permAxis() != 1) {
                throw refuse("input '" + name + "' is graph input '" + OnnxReader.printable(in.name()) + "' permuted on axis " + in.permAxis());
            }
            v = new StateIn(in.name(), 0, in.dims()[0] < 1 ? -1 : in.dims()[0], in.permAxis() == 1);
        }
        if (v instanceof StateIn s) {
            if (s.permuted() != sorted) {
                throw refuse("input '" + name + "' is " + (s.permuted() ? "permuted" : "in the batch's order") + " but the rows are "
                        + (sorted ? "sorted by length" : "in the batch's order"));
            }
            GraphInput in = (GraphInput) values.get(s.name());
            role(in, role);
            if (role.equals("h0")) {
                h0Reads++;
            } else {
                c0Reads++;
            }
            if (s.from() != (long) layer * d || s.to() != (long) (layer + 1) * d || in.dims()[2] != hidden) {
                throw refuse("input '" + name + "' is " + describe(s) + " of shape " + Arrays.toString(in.dims()) + "; layer " + layer
                        + " must read rows [" + layer * d + ", " + (layer + 1) * d + ") of [L*" + d + ", B, " + hidden + "]");
            }
            return;
        }
        throw refuse("input '" + name + "' is " + describe(v) + "; expected zeros or a slice of an initial-state graph input");
    }

    private static float[][] perDirection(float[] v, int d) {
        int each = v.length / d;
        float[][] r = new float[d][];
        for (int i = 0; i < d; i++) {
            r[i] = Arrays.copyOfRange(v, i * each, (i + 1) * each);
        }
        return r;
    }

    private static float[][] matrix(Data d, int rows, int cols) {
        float[][] m = new float[rows][];
        for (int i = 0; i < rows; i++) {
            m[i] = Arrays.copyOfRange(d.floats(), i * cols, (i + 1) * cols);
        }
        return m;
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
