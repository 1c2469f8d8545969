package dev.panamarnn.guards;

import static dev.panamarnn.guards.Guards.check;
import static dev.panamarnn.guards.Guards.expect;
import static dev.panamarnn.guards.Guards.ok;

import dev.panamarnn.CellType;
import dev.panamarnn.Rnn;
import dev.panamarnn.RnnConfig;
import dev.panamarnn.TruncatedBptt;
import dev.panamarnn.Workspace;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.tensor.Slab;
import dev.panamarnn.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * Rnn, Workspace and TruncatedBptt: wrong shapes of x, lengths, h0/c0, dOutput, dh_n/dc_n;
 * sizes whose T*B row count overflows an int; use after close of the network, the workspace, the
 * tensors; states and slabs of another network.
 */
final class UnrollCases {
    private UnrollCases() {}

    static final RnnConfig LSTM = RnnConfig.builder(CellType.LSTM, 3, 4).layers(2).build();
    static final RnnConfig GRU = RnnConfig.builder(CellType.GRU, 3, 4).build();

    static List<GuardCase> all(Kernels k) {
        return List.of(
            new GuardCase("rnn.create arguments", () -> {
                expect(IllegalArgumentException.class, () -> Rnn.create(null), "config is required");
                expect(IllegalArgumentException.class, () -> Rnn.create(null, k), "config is required");
                expect(IllegalArgumentException.class, () -> Rnn.create(LSTM, null), "kernels is required");
                try (Slab p = Slab.allocate("p", Rnn.parameterLayout(GRU))) {
                    expect(IllegalArgumentException.class, () -> Rnn.inSlabs(GRU, null, p, p, ""), "kernels is required");
                    expect(IllegalArgumentException.class, () -> Rnn.inSlabs(GRU, k, null, p, ""), "parameters and gradients");
                }
            }),
            new GuardCase("rnn.inSlabs mismatched slabs", () -> {
                Slab.Layout.Builder other = Slab.Layout.builder();
                Rnn.addParameters(other, RnnConfig.builder(CellType.GRU, 3, 5).build(), "rnn.");
                Slab.Layout.Builder right = Slab.Layout.builder();
                Rnn.addParameters(right, GRU, "rnn.");
                try (Slab good = Slab.allocate("params", right.build()); Slab bad = Slab.allocate("grads", other.build())) {
                    // the gradient slab is the wrong one: the message must name the gradient and its shape
                    expect(IllegalArgumentException.class, () -> Rnn.inSlabs(GRU, k, good, bad, "rnn."),
                            "gradient", "rnn.weight_ih_l0", "[12, 3]", "[15, 3]");
                    expect(IllegalArgumentException.class, () -> Rnn.inSlabs(GRU, k, bad, good, "rnn."),
                            "rnn.weight_ih_l0", "[12, 3]", "[15, 3]");
                    expect(IllegalArgumentException.class, () -> Rnn.inSlabs(GRU, k, good, bad, "net."),
                            "has no tensor 'net.weight_ih_l0'");
                    expect(IllegalArgumentException.class, () -> Rnn.inSlabs(GRU, k, good, good, "rnn."),
                            "the gradient slab must be another slab than the parameters, got 'params' for both");
                }
            }),
            new GuardCase("rnn.parameters by name", () -> {
                try (Rnn rnn = Rnn.create(GRU, k)) {
                    expect(IllegalArgumentException.class, () -> rnn.setParameter("weight_ih_l0", new float[5]),
                            "expected 36 values for shape [12, 3], got 5");
                    expect(IllegalArgumentException.class, () -> rnn.setParameter("weight_ih_l1", new float[36]),
                            "has no tensor 'weight_ih_l1'");
                    expect(IllegalArgumentException.class, () -> rnn.setParameter("weight_ih_l0", null), "values", "null");
                    float[] before = rnn.parameter("bias_hh_l0").toArray();
                    float[] nan = before.clone();
                    nan[7] = Float.NaN;
                    expect(IllegalArgumentException.class, () -> rnn.setParameter("bias_hh_l0", nan),
                            "parameter 'bias_hh_l0' element 7 is NaN; parameters must be finite");
                    float[] infinite = before.clone();
                    infinite[0] = Float.NEGATIVE_INFINITY;
                    expect(IllegalArgumentException.class, () -> rnn.setParameter("bias_hh_l0", infinite), "element 0 is -Infinity");
                    check(java.util.Arrays.equals(before, rnn.parameter("bias_hh_l0").toArray()), "a refused parameter changes nothing");
                }
            }),
            new GuardCase("workspace sizes", () -> {
                try (Rnn rnn = Rnn.create(GRU, k)) {
                    expect(IllegalArgumentException.class, () -> rnn.workspace(0, 1), "T >= 1 and B >= 1, got T=0, B=1");
                    expect(IllegalArgumentException.class, () -> rnn.workspace(3, -1), "T >= 1 and B >= 1, got T=3, B=-1");
                    // T*B rows (the GEMM's m, an int) overflow: must be refused before anything is allocated
                    expect(IllegalArgumentException.class, () -> rnn.workspace(1 << 16, 1 << 16), "T=65536", "B=65536", "2147483647");
                    expect(IllegalArgumentException.class, () -> rnn.workspace(Integer.MAX_VALUE, 1), "T=2147483647", "B=1");
                    expect(IllegalArgumentException.class, () -> rnn.workspace(46341, 46341), "T=46341", "B=46341");
                }
                // B*H, one step's state, is a BLAS length (an int): H = 2048, B = 2^20
                try (Rnn wide = Rnn.create(RnnConfig.builder(CellType.RNN_TANH, 1, 2048).build(), k)) {
                    expect(IllegalArgumentException.class, () -> wide.workspace(1, 1 << 20), "B*H must fit an int", "B=1048576", "H=2048");
                }
            }),
            new GuardCase("workspace.forward shapes", () -> {
                try (Rnn rnn = Rnn.create(LSTM, k); Workspace ws = rnn.workspace(5, 2); Arena arena = Arena.ofConfined()) {
                    Tensor x = Tensor.allocate(arena, 5, 2, 3);
                    ok(() -> ws.forward(x, null, null, null, false));
                    expect(IllegalArgumentException.class, () -> ws.forward(Tensor.allocate(arena, 5, 2, 4), null, null, null, false),
                            "x must have shape [5, 2, 3] (T, B, I), got [5, 2, 4]");
                    expect(IllegalArgumentException.class, () -> ws.forward(Tensor.allocate(arena, 2, 5, 3), null, null, null, false),
                            "x must have shape [5, 2, 3] (T, B, I), got [2, 5, 3]");
                    expect(IllegalArgumentException.class, () -> ws.forward(Tensor.allocate(arena, 30), null, null, null, false),
                            "x must have shape [5, 2, 3] (T, B, I), got [30]");
                    expect(IllegalArgumentException.class, () -> ws.forward(null, null, null, null, false),
                            "x is required, expected shape [5, 2, 3]");
                    expect(IllegalArgumentException.class, () -> ws.forward(x, new int[] {5}, null, null, false),
                            "lengths must have one entry per batch row: expected 2, got 1");
                    expect(IllegalArgumentException.class, () -> ws.forward(x, new int[] {5, -1}, null, null, false),
                            "lengths[1] must be in [1, T=5], got -1");
                    expect(IllegalArgumentException.class, () -> ws.forward(x, new int[] {Integer.MAX_VALUE, 5}, null, null, false),
                            "lengths[0] must be in [1, T=5], got 2147483647");
                    expect(IllegalArgumentException.class, () -> ws.forward(x, null, Tensor.allocate(arena, 1, 2, 4), null, false),
                            "h0 must have shape [2, 2, 4] (L*D, B, H), got [1, 2, 4]");
                    expect(IllegalArgumentException.class, () -> ws.forward(x, null, null, Tensor.allocate(arena, 2, 2, 5), false),
                            "c0 must have shape [2, 2, 4] (L*D, B, H), got [2, 2, 5]");
                }
            }),
            new GuardCase("workspace.forward states of another network", () -> {
                try (Rnn rnn = Rnn.create(GRU, k); Workspace ws = rnn.workspace(2, 1);
                     Rnn other = Rnn.create(LSTM, k); Workspace ows = other.workspace(2, 1); Arena arena = Arena.ofConfined()) {
                    ows.forward(Tensor.allocate(arena, 2, 1, 3), null, null, null, false);
                    Tensor x = Tensor.allocate(arena, 2, 1, 3);
                    expect(IllegalArgumentException.class, () -> ws.forward(x, null, ows.finalHidden(), null, false),
                            "h0 must have shape [1, 1, 4] (L*D, B, H), got [2, 1, 4]");
                    expect(IllegalArgumentException.class, () -> ws.forward(x, null, null, Tensor.allocate(arena, 1, 1, 4), false),
                            "c0 is only for LSTM; this network is gru");
                }
            }),
            new GuardCase("workspace closed tensors", () -> {
                try (Rnn rnn = Rnn.create(LSTM, k); Workspace ws = rnn.workspace(2, 1)) {
                    Tensor x, h0;
                    try (Arena gone = Arena.ofConfined()) {
                        x = Tensor.allocate(gone, 2, 1, 3);
                        h0 = Tensor.allocate(gone, 2, 1, 4);
                    }
                    try (Arena arena = Arena.ofConfined()) {
                        Tensor good = Tensor.allocate(arena, 2, 1, 3);
                        expect(IllegalStateException.class, () -> ws.forward(x, null, null, null, false), "x is a tensor whose memory was closed");
                        expect(IllegalStateException.class, () -> ws.forward(good, null, h0, null, false), "h0 is a tensor whose memory was closed");
                    }
                }
            }),
            new GuardCase("workspace.backward arguments", () -> {
                RnnConfig bi = RnnConfig.builder(CellType.RNN_TANH, 3, 4).bidirectional(true).build();
                try (Rnn rnn = Rnn.create(LSTM, k); Workspace ws = rnn.workspace(3, 2);
                     Rnn birnn = Rnn.create(bi, k); Workspace bws = birnn.workspace(3, 2); Arena arena = Arena.ofConfined()) {
                    Tensor dOut = Tensor.allocate(arena, 3, 2, 4);
                    expect(IllegalStateException.class, () -> ws.backward(dOut, null, null), "backward needs a forward pass on this workspace first");
                    ws.forward(Tensor.allocate(arena, 3, 2, 3), null, null, null, true);
                    expect(IllegalArgumentException.class, () -> ws.backward(Tensor.allocate(arena, 3, 2, 8), null, null),
                            "dOutput must have shape [3, 2, 4] (T, B, D*H), got [3, 2, 8]");
                    expect(IllegalArgumentException.class, () -> ws.backward(null, null, null), "dOutput is required");
                    expect(IllegalArgumentException.class, () -> ws.backwardThroughLast(0, dOut, null, null), "backward depth must be in [1, T=3], got 0");
                    expect(IllegalArgumentException.class, () -> ws.backwardThroughLast(4, dOut, null, null), "backward depth must be in [1, T=3], got 4");
                    expect(IllegalArgumentException.class, () -> ws.backward(dOut, Tensor.allocate(arena, 1, 2, 4), null),
                            "dhN must have shape [2, 2, 4] (L*D, B, H), got [1, 2, 4]");
                    expect(IllegalArgumentException.class, () -> ws.backward(dOut, null, Tensor.allocate(arena, 2, 2, 3)),
                            "dcN must have shape [2, 2, 4] (L*D, B, H), got [2, 2, 3]");
                    ok(() -> ws.backward(dOut, null, null));
                    bws.forward(Tensor.allocate(arena, 3, 2, 3), null, null, null, true);
                    expect(IllegalArgumentException.class, () -> bws.backwardThroughLast(2, Tensor.allocate(arena, 3, 2, 8), null, null),
                            "truncated backpropagation (depth 2 < T 3) is for unidirectional networks");
                    expect(IllegalArgumentException.class, () -> bws.backward(Tensor.allocate(arena, 3, 2, 8), null, Tensor.allocate(arena, 2, 2, 4)),
                            "dcN is only for LSTM; this network is rnn_tanh");
                }
            }),
            new GuardCase("workspace use after close", () -> {
                Rnn rnn = Rnn.create(LSTM, k);
                Workspace ws = rnn.workspace(2, 1);
                try (Arena arena = Arena.ofConfined()) {
                    Tensor x = Tensor.allocate(arena, 2, 1, 3);
                    Tensor out = ws.forward(x, null, null, null, true);
                    ws.close();
                    ws.close();   // idempotent
                    expect(IllegalStateException.class, () -> ws.forward(x, null, null, null, false), "this workspace is closed");
                    expect(IllegalStateException.class, () -> ws.backward(Tensor.allocate(arena, 2, 1, 4), null, null), "this workspace is closed");
                    expect(IllegalStateException.class, ws::output, "this workspace is closed");
                    expect(IllegalStateException.class, ws::finalHidden, "this workspace is closed");
                    expect(IllegalStateException.class, ws::inputGradient, "this workspace is closed");
                    expect(IllegalStateException.class, out::toArray, "used after its memory was closed");
                    expect(IllegalStateException.class, () -> out.get(0), "used after its memory was closed");
                    Workspace other = rnn.workspace(2, 1);
                    other.forward(x, null, null, null, true);
                    rnn.close();
                    expect(IllegalStateException.class, () -> other.forward(x, null, null, null, false), "this Rnn is closed");
                    expect(IllegalStateException.class, () -> other.backward(Tensor.allocate(arena, 2, 1, 4), null, null), "this Rnn is closed");
                    expect(IllegalStateException.class, () -> rnn.workspace(2, 1), "this Rnn is closed");
                    expect(IllegalStateException.class, rnn::zeroGradients, "this Rnn is closed");
                    expect(IllegalStateException.class, () -> rnn.parameter("weight_ih_l0"), "this Rnn is closed");
                    expect(IllegalStateException.class, () -> rnn.setParameter("weight_ih_l0", new float[48]), "this Rnn is closed");
                    other.close();
                }
            }),
            new GuardCase("workspace of a network in a closed slab", () -> {
                Slab.Layout.Builder layout = Slab.Layout.builder();
                Rnn.addParameters(layout, GRU, "rnn.");
                Slab p = Slab.allocate("params", layout.build()), g = Slab.allocate("grads", layout.build());
                Rnn rnn = Rnn.inSlabs(GRU, k, p, g, "rnn.");
                try (Workspace ws = rnn.workspace(2, 1); Arena arena = Arena.ofConfined()) {
                    Tensor x = Tensor.allocate(arena, 2, 1, 3);
                    ws.forward(x, null, null, null, true);
                    g.close();                           // only the gradients: forward still works, backward cannot add into them
                    ok(() -> ws.forward(x, null, null, null, true));
                    expect(IllegalStateException.class, () -> ws.backward(Tensor.allocate(arena, 2, 1, 4), null, null),
                            "the gradient slab 'grads' of this Rnn is closed");
                    p.close();
                    expect(IllegalStateException.class, () -> ws.forward(x, null, null, null, false), "this Rnn is closed");
                    expect(IllegalStateException.class, () -> rnn.workspace(2, 1), "this Rnn is closed");
                }
            }),
            new GuardCase("truncated bptt", () -> {
                RnnConfig bi = RnnConfig.builder(CellType.GRU, 3, 4).bidirectional(true).build();
                try (Rnn rnn = Rnn.create(LSTM, k); Rnn birnn = Rnn.create(bi, k); Arena arena = Arena.ofConfined()) {
                    expect(IllegalArgumentException.class, () -> new TruncatedBptt(birnn, 4, 4, 2), "the network must be unidirectional");
                    expect(IllegalArgumentException.class, () -> new TruncatedBptt(rnn, 4, 5, 2), "need 1 <= k2 <= k1, got k1=4, k2=5");
                    expect(IllegalArgumentException.class, () -> new TruncatedBptt(rnn, 0, 0, 2), "need 1 <= k2 <= k1, got k1=0, k2=0");
                    expect(IllegalArgumentException.class, () -> new TruncatedBptt(rnn, 4, 4, 0), "B >= 1", "B=0");
                    expect(IllegalArgumentException.class, () -> new TruncatedBptt(null, 4, 4, 1), "rnn is required");
                    TruncatedBptt t = new TruncatedBptt(rnn, 4, 2, 2);
                    expect(IllegalArgumentException.class, () -> t.forward(Tensor.allocate(arena, 3, 2, 3)),
                            "x must have shape [4, 2, 3] (T, B, I), got [3, 2, 3]");
                    expect(IllegalStateException.class, () -> t.backward(Tensor.allocate(arena, 4, 2, 4)), "backward needs a forward pass");
                    t.forward(Tensor.allocate(arena, 4, 2, 3));
                    expect(IllegalArgumentException.class, () -> t.backward(Tensor.allocate(arena, 4, 2, 5)),
                            "dOutput must have shape [4, 2, 4] (T, B, D*H), got [4, 2, 5]");
                    t.close();
                    expect(IllegalStateException.class, () -> t.forward(Tensor.allocate(arena, 4, 2, 3)), "closed");
                    expect(IllegalStateException.class, t::resetState, "closed");
                }
                Rnn closed = Rnn.create(LSTM, k);
                closed.close();
                expect(IllegalStateException.class, () -> new TruncatedBptt(closed, 4, 4, 2), "this Rnn is closed");
            }),
            new GuardCase("workspace NaN at padded steps", () -> {
                try (Rnn rnn = Rnn.create(GRU, k); Workspace ws = rnn.workspace(3, 2); Arena arena = Arena.ofConfined()) {
                    Tensor x = Tensor.allocate(arena, 3, 2, 3);
                    float[] clean = ws.forward(x, new int[] {3, 1}, null, null, false).toArray();
                    for (int t = 1; t < 3; t++) {
                        for (int i = 0; i < 3; i++) {
                            x.set(((long) t * 2 + 1) * 3 + i, Float.NaN);   // row 1 is padded after step 0
                        }
                    }
                    float[] padded = ws.forward(x, new int[] {3, 1}, null, null, false).toArray();
                    Guards.check(java.util.Arrays.equals(clean, padded), "NaN at padded steps changed the output");
                    // documented: dOutput values at padded steps are ignored, even NaN
                    Tensor dOut = Tensor.allocate(arena, 3, 2, 4);
                    dOut.fill(1f);
                    rnn.zeroGradients();
                    ws.forward(x, new int[] {3, 1}, null, null, true);
                    ws.backward(dOut, null, null);
                    float[] dW = rnn.gradient("weight_hh_l0").toArray();
                    for (int t = 1; t < 3; t++) {
                        for (int j = 0; j < 4; j++) {
                            dOut.set(((long) t * 2 + 1) * 4 + j, Float.NaN);
                        }
                    }
                    rnn.zeroGradients();
                    ws.forward(x, new int[] {3, 1}, null, null, true);
                    ws.backward(dOut, null, null);
                    Guards.check(java.util.Arrays.equals(dW, rnn.gradient("weight_hh_l0").toArray()),
                            "NaN in dOutput at padded steps changed the gradients");
                    x.set(0, Float.NaN);                                    // a NaN at a real step propagates (not an exception)
                    float first = ws.forward(x, new int[] {3, 1}, null, null, false).get(0);
                    Guards.check(Float.isNaN(first), "NaN in x at a real step must give NaN, got " + first);
                }
            }),
            new GuardCase("workspace batch-first heap tensors", () -> {
                RnnConfig bf = RnnConfig.builder(CellType.RNN_RELU, 3, 4).batchFirst(true).build();
                try (Rnn rnn = Rnn.create(bf, k); Workspace ws = rnn.workspace(5, 2); Arena arena = Arena.ofConfined()) {
                    expect(IllegalArgumentException.class, () -> ws.forward(Tensor.allocate(arena, 5, 2, 3), null, null, null, false),
                            "x must have shape [2, 5, 3] (B, T, I), got [5, 2, 3]");
                    // a heap-backed tensor is a valid input: it is copied into the workspace, never passed to a kernel
                    Tensor heapX = Tensor.of(MemorySegment.ofArray(new float[30]), 2, 5, 3);
                    ok(() -> ws.forward(heapX, null, null, null, true));
                    ok(() -> ws.backward(Tensor.of(MemorySegment.ofArray(new float[40]), 2, 5, 4), null, null));
                }
            })
        );
    }
}
