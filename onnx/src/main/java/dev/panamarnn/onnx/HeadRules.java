package dev.panamarnn.onnx;

import dev.panamarnn.io.ModelFileException;
import dev.panamarnn.onnx.GraphValues.Axis;
import dev.panamarnn.onnx.GraphValues.Floats;
import dev.panamarnn.onnx.GraphValues.HeadVal;
import dev.panamarnn.onnx.GraphValues.Label;
import dev.panamarnn.onnx.GraphValues.LastState;
import dev.panamarnn.onnx.GraphValues.Seq;
import dev.panamarnn.onnx.GraphValues.StateRow;
import dev.panamarnn.onnx.GraphValues.TargetScale;
import dev.panamarnn.onnx.GraphValues.Val;
import dev.panamarnn.onnx.OnnxGraph.Attrs;
import dev.panamarnn.onnx.proto.Onnx;
import java.util.ArrayList;
import java.util.List;

import static dev.panamarnn.onnx.GraphValues.describe;

/**
 * A SequenceModel's head: nn.Linear as Gemm (on the last state) or MatMul + Add (per step), Relu
 * between two Linears; the Add of a target mean after the head goes to {@link NormalisationRules}.
 */
final class HeadRules extends NodeRules {
    HeadRules(OnnxGraph g) {
        super(g);
    }

    void gemm(Onnx.NodeProto n, Attrs a) throws ModelFileException {
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

    void matMul(Onnx.NodeProto n, Attrs a) throws ModelFileException {
        a.only();
        in(n, 2, 2);
        out(n, 1);
        define(n.getOutput(0), linear(value(n.getInput(0)), value(n.getInput(1)), false, -1));
    }

    void add(Onnx.NodeProto n, Attrs a) throws ModelFileException {
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
            define(n.getOutput(0), g.normalisation.targetMean(t, y));
            return;
        }
        throw refuse("adds " + describe(x) + " and " + describe(y) + "; only the bias of a head's MatMul and the target mean after "
                + "the target std's Mul are followed");
    }

    void relu(Onnx.NodeProto n, Attrs a) throws ModelFileException {
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
            int width = g.layers.get(0).hidden() * directions();
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
}
