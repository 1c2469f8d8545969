package dev.panamarnn.onnx;

import dev.panamarnn.io.ModelFileException;
import dev.panamarnn.onnx.GraphValues.Axis;
import dev.panamarnn.onnx.GraphValues.Floats;
import dev.panamarnn.onnx.GraphValues.GraphInput;
import dev.panamarnn.onnx.GraphValues.HeadVal;
import dev.panamarnn.onnx.GraphValues.IntZeros;
import dev.panamarnn.onnx.GraphValues.Ints;
import dev.panamarnn.onnx.GraphValues.InvPerm;
import dev.panamarnn.onnx.GraphValues.Label;
import dev.panamarnn.onnx.GraphValues.LastState;
import dev.panamarnn.onnx.GraphValues.Lengths;
import dev.panamarnn.onnx.GraphValues.Perm;
import dev.panamarnn.onnx.GraphValues.Seq;
import dev.panamarnn.onnx.GraphValues.SortedLengths;
import dev.panamarnn.onnx.GraphValues.StateIn;
import dev.panamarnn.onnx.GraphValues.StateRow;
import dev.panamarnn.onnx.GraphValues.States;
import dev.panamarnn.onnx.GraphValues.StatesBatchMajor;
import dev.panamarnn.onnx.GraphValues.Sym;
import dev.panamarnn.onnx.GraphValues.Val;
import dev.panamarnn.onnx.GraphValues.Zeros;
import dev.panamarnn.onnx.OnnxGraph.Attrs;
import dev.panamarnn.onnx.OnnxReader.Data;
import dev.panamarnn.onnx.proto.Onnx;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static dev.panamarnn.onnx.GraphValues.describe;

/**
 * The glue torch.onnx.export writes around the recurrent nodes, each only in the forms that keep a
 * value what it is: Constant, Identity, Cast (of the lengths and shape integers), Shape, Gather
 * (an embedding, a shape element, a final state row), Unsqueeze, Squeeze, Concat, ConstantOfShape
 * and Expand (zeros), Slice (a layer's rows of an initial state), Transpose and Reshape (the layout
 * of a layer's output, a per-sequence head's input).
 */
final class GlueRules extends NodeRules {
    GlueRules(OnnxGraph g) {
        super(g);
    }

    void constantNode(Onnx.NodeProto n, Attrs a) throws ModelFileException {
        a.only("value", "value_int", "value_ints");
        out(n, 1);
        if (a.has("value")) {
            g.constant(n.getOutput(0), OnnxReader.decode(g.file, a.get("value").getT(), g.node + "attribute 'value'"));
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

    void identity(Onnx.NodeProto n, Attrs a) throws ModelFileException {
        a.only();
        in(n, 1, 1);
        out(n, 1);
        define(n.getOutput(0), value(n.getInput(0)));
    }

    void cast(Onnx.NodeProto n, Attrs a) throws ModelFileException {
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

    void shape(Onnx.NodeProto n, Attrs a) throws ModelFileException {
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

    void gather(Onnx.NodeProto n, Attrs a) throws ModelFileException {
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
            if (g.embedding != null || g.features > 0) {
                throw refuse("a second input stage is not supported");
            }
            g.embedding = matrix(f.data(), (int) f.data().dims()[0], (int) f.data().dims()[1]);
            define(n.getOutput(0), new Seq(-1, new Axis[] {new Axis(Label.A0, 0), new Axis(Label.A1, 0), new Axis(Label.F, f.data().dims()[1])}, null));
            return;
        }
        if (idx instanceof Perm || idx instanceof InvPerm) {
            g.sort.gatherRows(n, data, idx instanceof Perm, axisAttr);
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

    void unsqueeze(Onnx.NodeProto n, Attrs a) throws ModelFileException {
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

    void squeeze(Onnx.NodeProto n, Attrs a) throws ModelFileException {
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

    void concat(Onnx.NodeProto n, Attrs a) throws ModelFileException {
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
        throw refuse("concatenates " + vs.stream().map(GraphValues::describe).toList() + " on axis " + axisAttr + "; not a pattern the importer follows");
    }

    void constantOfShape(Onnx.NodeProto n, Attrs a) throws ModelFileException {
        a.only("value");
        in(n, 1, 1);
        out(n, 1);
        if (a.has("value")) {
            Data d = OnnxReader.decode(g.file, a.get("value").getT(), g.node + "attribute 'value'");
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

    void expand(Onnx.NodeProto n, Attrs a) throws ModelFileException {
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

    void slice(Onnx.NodeProto n, Attrs a) throws ModelFileException {
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

    void transpose(Onnx.NodeProto n, Attrs a) throws ModelFileException {
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

    void reshape(Onnx.NodeProto n, Attrs a) throws ModelFileException {
        a.only("allowzero");
        in(n, 2, 2);
        out(n, 1);
        if (a.i("allowzero", 0) != 0) {
            throw refuse("attribute 'allowzero' is " + a.i("allowzero", 0) + "; only 0 is followed");
        }
        Val v = value(n.getInput(0));
        if (v instanceof StatesBatchMajor st) {   // [B, D, H] -> [B, D*H]: both directions side by side, forward first
            long[] shape = constants(ints(n.getInput(1), "the shape"), "the shape");
            long width = (long) directions() * g.layers.get(0).hidden();
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

    private static float[][] matrix(Data d, int rows, int cols) {
        float[][] m = new float[rows][];
        for (int i = 0; i < rows; i++) {
            m[i] = Arrays.copyOfRange(d.floats(), i * cols, (i + 1) * cols);
        }
        return m;
    }
}
