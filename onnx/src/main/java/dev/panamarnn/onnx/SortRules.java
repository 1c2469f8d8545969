package dev.panamarnn.onnx;

import dev.panamarnn.io.ModelFileException;
import dev.panamarnn.onnx.GraphValues.Arange;
import dev.panamarnn.onnx.GraphValues.GraphInput;
import dev.panamarnn.onnx.GraphValues.IntZeros;
import dev.panamarnn.onnx.GraphValues.Ints;
import dev.panamarnn.onnx.GraphValues.InvPerm;
import dev.panamarnn.onnx.GraphValues.Label;
import dev.panamarnn.onnx.GraphValues.Lengths;
import dev.panamarnn.onnx.GraphValues.Perm;
import dev.panamarnn.onnx.GraphValues.Seq;
import dev.panamarnn.onnx.GraphValues.SortedLengths;
import dev.panamarnn.onnx.GraphValues.States;
import dev.panamarnn.onnx.GraphValues.Val;
import dev.panamarnn.onnx.OnnxGraph.Attrs;
import dev.panamarnn.onnx.proto.Onnx;
import java.util.Arrays;

import static dev.panamarnn.onnx.GraphValues.describe;

/**
 * pack_padded_sequence(enforce_sorted=False): TopK sorts the lengths (P, the permutation), Gather
 * puts the input's, the initial states' rows in P's order and the outputs' back by P's inverse
 * (ScatterElements(zeros, P, Range(0, N))). Only that one sort, undone exactly, is followed.
 */
final class SortRules extends NodeRules {
    SortRules(OnnxGraph g) {
        super(g);
    }

    /** Rows put in sorted order (P) or back in the batch's order (P's inverse) on {@code axisAttr}. */
    void gatherRows(Onnx.NodeProto n, Val data, boolean sort, long axisAttr) throws ModelFileException {
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

    void topK(Onnx.NodeProto n, Attrs a) throws ModelFileException {
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
        if (g.sortedOnce) {
            throw refuse("sorts the lengths a second time; one sort permutation per graph is followed");
        }
        g.sortedOnce = true;   // so every Perm, InvPerm and SortedLengths of the graph is of this one sort
        define(n.getOutput(0), new SortedLengths(l.name()));
        define(n.getOutput(1), new Perm());
    }

    void reduceProd(Onnx.NodeProto n, Attrs a) throws ModelFileException {
        a.only("keepdims");
        in(n, 1, 1);
        out(n, 1);
        Ints v = ints(n.getInput(0), "its input");
        if (v.scalar() || v.elems().length != 1) {
            throw refuse("multiplies " + describe(v) + "; only a one-element shape is followed");
        }
        define(n.getOutput(0), new Ints(v.elems(), a.i("keepdims", 1) == 0));
    }

    void range(Onnx.NodeProto n, Attrs a) throws ModelFileException {
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

    void scatterElements(Onnx.NodeProto n, Attrs a) throws ModelFileException {
        a.only("axis", "reduction");
        in(n, 3, 3);
        out(n, 1);
        if (!a.s("reduction", "none").equals("none") || a.i("axis", 0) != 0 || !(value(n.getInput(0)) instanceof IntZeros)
                || !(value(n.getInput(1)) instanceof Perm) || !(value(n.getInput(2)) instanceof Arange)) {
            throw refuse("is not ScatterElements(zeros, P, Range(0, N)) on axis 0 (the inverse of the sort permutation)");
        }
        define(n.getOutput(0), new InvPerm());
    }
}
