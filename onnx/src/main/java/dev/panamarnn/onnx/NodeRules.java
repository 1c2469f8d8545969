package dev.panamarnn.onnx;

import dev.panamarnn.io.ModelFileException;
import dev.panamarnn.onnx.GraphValues.Axis;
import dev.panamarnn.onnx.GraphValues.GraphInput;
import dev.panamarnn.onnx.GraphValues.Ints;
import dev.panamarnn.onnx.GraphValues.Label;
import dev.panamarnn.onnx.GraphValues.Seq;
import dev.panamarnn.onnx.GraphValues.Sym;
import dev.panamarnn.onnx.GraphValues.Val;
import dev.panamarnn.onnx.OnnxGraph.Attrs;
import dev.panamarnn.onnx.proto.Onnx;

import static dev.panamarnn.onnx.GraphValues.describe;

/**
 * What every set of op rules shares: the graph being interpreted (its values, roles and layers),
 * and the checks of a node's input and output counts, integer constants and axes.
 */
abstract class NodeRules {
    final OnnxGraph g;

    NodeRules(OnnxGraph g) {
        this.g = g;
    }

    ModelFileException refuse(String problem) {
        return g.refuse(problem);
    }

    Val value(String name) throws ModelFileException {
        return g.value(name);
    }

    void define(String name, Val v) throws ModelFileException {
        g.define(name, v);
    }

    Seq seq(Val v, String what) throws ModelFileException {
        return g.seq(v, what);
    }

    Seq inputSeq(GraphInput in) throws ModelFileException {
        return g.inputSeq(in);
    }

    void role(GraphInput in, String role) throws ModelFileException {
        g.role(in, role);
    }

    int directions() throws ModelFileException {
        return g.directions();
    }

    static boolean isFloatInput(Val v) {
        return OnnxGraph.isFloatInput(v);
    }

    void in(Onnx.NodeProto n, int min, int max) throws ModelFileException {
        if (n.getInputCount() < min || n.getInputCount() > max) {
            throw refuse("has " + n.getInputCount() + " inputs; expected " + (min == max ? "" + min : min + ".." + max));
        }
    }

    void out(Onnx.NodeProto n, int count) throws ModelFileException {
        if (n.getOutputCount() != count) {
            throw refuse("has " + n.getOutputCount() + " outputs; expected " + count);
        }
    }

    Ints ints(String name, String what) throws ModelFileException {
        Val v = value(name);
        if (v instanceof Ints i) {
            return i;
        }
        throw refuse(what + " is " + describe(v) + ", expected integer constants");
    }

    long constantInt(Sym s, String what) throws ModelFileException {
        if (!s.constant()) {
            throw refuse(what + " is not a constant");
        }
        return s.value();
    }

    long[] constants(Ints i, String what) throws ModelFileException {
        long[] r = new long[i.elems().length];
        for (int k = 0; k < r.length; k++) {
            r[k] = constantInt(i.elems()[k], what);
        }
        return r;
    }

    static int axis(long a, int rank) {
        long r = a < 0 ? a + rank : a;
        return r < 0 || r >= rank ? -1 : (int) r;
    }

    int axisOf(long a, int rank, String what) throws ModelFileException {
        int r = axis(a, rank);
        if (r < 0) {
            throw refuse(what + " " + a + " is out of range for rank " + rank);
        }
        return r;
    }

    long[] axesInputOrAttr(Onnx.NodeProto n, Attrs a) throws ModelFileException {
        if (n.getInputCount() >= 2 && !n.getInput(1).isEmpty()) {
            return constants(ints(n.getInput(1), "input 'axes'"), "input 'axes'");
        }
        if (a.has("axes")) {
            return a.get("axes").getIntsList().stream().mapToLong(Long::longValue).toArray();
        }
        return null;
    }

    static boolean isSeqAxis(Axis a) {
        return a.label() == Label.A0 || a.label() == Label.A1;
    }
}
