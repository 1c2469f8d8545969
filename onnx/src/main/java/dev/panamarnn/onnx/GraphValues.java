package dev.panamarnn.onnx;

import dev.panamarnn.CellType;
import dev.panamarnn.onnx.OnnxReader.Data;
import java.util.Arrays;
import java.util.List;

/**
 * What a value of an ONNX graph IS, for {@link OnnxGraph}'s abstract interpretation: the axes of a
 * sequence (which is time, batch, directions, hidden, features), small integer shape constants,
 * zeros, slices of initial states, final states, the head's output, the normalisations, and the
 * values of the length sort of pack_padded_sequence(enforce_sorted=False). Records only; the rules
 * that make them are the *Rules classes.
 */
final class GraphValues {
    private GraphValues() {}

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
}
