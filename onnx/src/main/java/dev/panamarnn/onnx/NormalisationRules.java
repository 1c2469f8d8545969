package dev.panamarnn.onnx;

import dev.panamarnn.io.ModelFileException;
import dev.panamarnn.onnx.GraphValues.Centred;
import dev.panamarnn.onnx.GraphValues.Floats;
import dev.panamarnn.onnx.GraphValues.GraphInput;
import dev.panamarnn.onnx.GraphValues.HeadVal;
import dev.panamarnn.onnx.GraphValues.Seq;
import dev.panamarnn.onnx.GraphValues.TargetScale;
import dev.panamarnn.onnx.GraphValues.Val;
import dev.panamarnn.onnx.OnnxGraph.Attrs;
import dev.panamarnn.onnx.proto.Onnx;

import static dev.panamarnn.onnx.GraphValues.describe;

/**
 * The library's normalisations as our export writes them, and only there: the input's
 * (x - mean) / std as Sub then Div by float constants of shape (F), read by the first layer
 * instead of x; a regressor's z * std + mean as Mul then Add by float constants of shape (K) on the
 * complete head's output.
 */
final class NormalisationRules extends NodeRules {
    NormalisationRules(OnnxGraph g) {
        super(g);
    }

    /** Sub(x, mean): the model input minus a constant mean per feature. */
    void sub(Onnx.NodeProto n, Attrs a) throws ModelFileException {
        a.only();
        in(n, 2, 2);
        out(n, 1);
        Val x = value(n.getInput(0)), m = value(n.getInput(1));
        if (!(isFloatInput(x) && x instanceof GraphInput in && in.permAxis() < 0)) {
            throw refuse("subtracts " + describe(m) + " from " + describe(x) + "; only a constant mean per feature from the model input "
                    + "(x - mean) is followed");
        }
        if (g.featureMean != null || g.rawInputRead) {
            throw refuse(g.featureMean != null ? "subtracts a second mean from the model input; one normalisation is followed"
                    : "normalises the model input after the graph read it as it is; the network must read one or the other");
        }
        Seq s = inputSeq(in);
        g.featureMean = perFeature(m, s, "the mean");
        define(n.getOutput(0), new Centred(s.axes()));
    }

    /** Div(x - mean, std): the normalised model input, what the first layer reads. */
    void div(Onnx.NodeProto n, Attrs a) throws ModelFileException {
        a.only();
        in(n, 2, 2);
        out(n, 1);
        Val x = value(n.getInput(0)), d = value(n.getInput(1));
        if (!(x instanceof Centred c)) {
            throw refuse("divides " + describe(x) + " by " + describe(d) + "; only the model input minus its mean, by a constant std per "
                    + "feature ((x - mean) / std) is followed");
        }
        if (g.featureStd != null) {
            throw refuse("divides the centred input a second time; one normalisation is followed");
        }
        Seq s = new Seq(-1, c.axes(), null);
        g.featureStd = perFeature(d, s, "the std");
        define(n.getOutput(0), s);
    }

    /** Mul(z, std): a regressor's head output times the target std per output (then Add of the mean). */
    void mul(Onnx.NodeProto n, Attrs a) throws ModelFileException {
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

    /** Add(z * std, mean): the de-normalised output, once the target std's Mul was seen. */
    TargetScale targetMean(TargetScale t, Val mean) throws ModelFileException {
        return new TargetScale(t.head(), t.std(), perOutput(mean, t.head().outputs(), "the target mean"));
    }

    /** A constant of shape (F) for the input's F features: the input normalisation broadcasts on the last axis. */
    private float[] perFeature(Val v, Seq s, String what) throws ModelFileException {
        return vectorOf(v, s.axes()[s.axes().length - 1].width(), what, "feature");
    }

    float[] perOutput(Val v, long outputs, String what) throws ModelFileException {
        return vectorOf(v, outputs, what, "output");
    }

    private float[] vectorOf(Val v, long width, String what, String per) throws ModelFileException {
        if (v instanceof Floats f && f.data().rank() == 1 && f.data().dims()[0] == width) {
            return f.data().floats().clone();
        }
        throw refuse(what + " is " + describe(v) + "; expected " + width + " constants of shape (" + width + "), one per " + per);
    }
}
