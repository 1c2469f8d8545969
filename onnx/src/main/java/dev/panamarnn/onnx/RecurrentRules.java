package dev.panamarnn.onnx;

import dev.panamarnn.CellType;
import dev.panamarnn.io.ModelFileException;
import dev.panamarnn.onnx.GraphValues.Axis;
import dev.panamarnn.onnx.GraphValues.Floats;
import dev.panamarnn.onnx.GraphValues.GraphInput;
import dev.panamarnn.onnx.GraphValues.Label;
import dev.panamarnn.onnx.GraphValues.Layer;
import dev.panamarnn.onnx.GraphValues.Lengths;
import dev.panamarnn.onnx.GraphValues.Seq;
import dev.panamarnn.onnx.GraphValues.SortedLengths;
import dev.panamarnn.onnx.GraphValues.StateIn;
import dev.panamarnn.onnx.GraphValues.States;
import dev.panamarnn.onnx.GraphValues.Sym;
import dev.panamarnn.onnx.GraphValues.Val;
import dev.panamarnn.onnx.GraphValues.Zeros;
import dev.panamarnn.onnx.OnnxGraph.Attrs;
import dev.panamarnn.onnx.OnnxReader.Data;
import dev.panamarnn.onnx.proto.Onnx;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import static dev.panamarnn.onnx.GraphValues.describe;

/**
 * LSTM, GRU and RNN nodes as layers of one stack: attributes PyTorch's layers have (anything else
 * refused by name), weights as constants of the shapes hidden_size and the input imply, each layer
 * reading the previous one's output, initial states zeros or the layer's rows of h0/c0.
 */
final class RecurrentRules extends NodeRules {
    RecurrentRules(OnnxGraph g) {
        super(g);
    }

    void recurrent(Onnx.NodeProto n, Attrs a) throws ModelFileException {
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
        int gates = cell.gates();
        // X: [T, B, I] (layout 0) or [B, T, I] (layout 1)
        Seq x = seq(value(n.getInput(0)), "input 'X'");
        int k = g.layers.size();
        if (x.layer() != k - 1) {
            throw refuse("input 'X' is " + describe(x) + "; layer " + k + " must read " + (k == 0 ? "the model input" : "layer " + (k - 1) + "'s output"));
        }
        if (x.axes().length != 3 || !isSeqAxis(x.axes()[0]) || !isSeqAxis(x.axes()[1]) || x.axes()[2].label() != Label.F) {
            throw refuse("input 'X' is " + describe(x) + "; expected [T, B, I] (or [B, T, I] with layout=1)");
        }
        Label time = x.axes()[layout == 0 ? 0 : 1].label();
        if (g.timeLabel == null) {
            g.timeLabel = time;
        } else if (g.timeLabel != time) {
            throw refuse("input 'X' has time and batch swapped relative to the first recurrent node");
        }
        long inputWidth = x.axes()[2].width();
        Data w = weight(n, 1, "W", new long[] {d, gates * hidden, inputWidth});
        Data r = weight(n, 2, "R", new long[] {d, gates * hidden, hidden});
        Data b = n.getInputCount() > 3 && !n.getInput(3).isEmpty() ? weight(n, 3, "B", new long[] {d, 2 * gates * hidden}) : null;
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
        if (!g.layers.isEmpty()) {
            Layer first = g.layers.get(0);
            if (first.cell() != cell || first.directions() != d || first.hidden() != hidden || first.lengths() != lengths) {
                throw refuse("differs from the first recurrent node in cell, direction, hidden_size or sequence_lens; "
                        + "a stack has one of each");
            }
        }
        g.layers.add(new Layer(n.getName(), cell, d, (int) hidden, (int) inputWidth, perDirection(w.floats(), d), perDirection(r.floats(), d),
                b == null ? new float[d][2 * gates * (int) hidden] : perDirection(b.floats(), d), lengths));
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
            Label batch = g.timeLabel == Label.A0 ? Label.A1 : Label.A0;
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
            GraphInput in = (GraphInput) value(s.name());
            role(in, role);
            if (role.equals("h0")) {
                g.h0Reads++;
            } else {
                g.c0Reads++;
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
}
