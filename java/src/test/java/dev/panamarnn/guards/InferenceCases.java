package dev.panamarnn.guards;

import static dev.panamarnn.guards.Guards.check;
import static dev.panamarnn.guards.Guards.expect;
import static dev.panamarnn.guards.Guards.ok;

import dev.panamarnn.CellType;
import dev.panamarnn.Rnn;
import dev.panamarnn.RnnConfig;
import dev.panamarnn.infer.InferenceModel;
import dev.panamarnn.infer.StreamBatcher;
import dev.panamarnn.infer.StreamState;
import dev.panamarnn.tensor.Tensor;
import dev.panamarnn.kernels.Kernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Streaming inference: InferenceModel.of with missing, misshapen or closed parameters; StreamState
 * steps with wrong sizes, closed or read-only buffers, after close of the stream or of the model;
 * states and snapshots of another model; NaN inputs (documented: they propagate, reset recovers).
 */
final class InferenceCases {
    private InferenceCases() {}

    static final RnnConfig LSTM = RnnConfig.builder(CellType.LSTM, 3, 4).layers(2).seed(1).build();
    static final RnnConfig GRU = RnnConfig.builder(CellType.GRU, 3, 4).seed(2).build();

    static List<GuardCase> all(Kernels k) {
        return List.of(
            new GuardCase("inference model construction", () -> {
                RnnConfig bi = RnnConfig.builder(CellType.GRU, 3, 4).bidirectional(true).build();
                try (Rnn rnn = Rnn.create(LSTM, k); Rnn birnn = Rnn.create(bi, k)) {
                    expect(IllegalArgumentException.class, () -> InferenceModel.of(birnn), "needs a unidirectional network");
                    expect(IllegalArgumentException.class, () -> InferenceModel.of(null, rnn.parameters().tensors(), k),
                            "config, parameters and kernels are required");
                    expect(IllegalArgumentException.class, () -> InferenceModel.of(LSTM, rnn.parameters().tensors(), null),
                            "config, parameters and kernels are required");
                    expect(IllegalArgumentException.class, () -> InferenceModel.of((Rnn) null), "rnn is required");
                    Map<String, Tensor> missing = new HashMap<>(rnn.parameters().tensors());
                    missing.remove("bias_hh_l1");
                    expect(IllegalArgumentException.class, () -> InferenceModel.of(LSTM, missing, k), "parameter 'bias_hh_l1' is missing");
                    // parameters of another architecture (H = 5) under the right names
                    try (Rnn wide = Rnn.create(RnnConfig.builder(CellType.LSTM, 3, 5).layers(2).build(), k)) {
                        expect(IllegalArgumentException.class, () -> InferenceModel.of(LSTM, wide.parameters().tensors(), k),
                                "parameter 'weight_ih_l0' must have shape [16, 3], got [20, 3]");
                    }
                }
                // a stream's vector [x | h_0 .. h_{L-1}] is indexed by int: refused before any parameter is read
                RnnConfig wideInput = RnnConfig.builder(CellType.GRU, Integer.MAX_VALUE - 2, 4).build();
                expect(IllegalArgumentException.class, () -> InferenceModel.of(wideInput, Map.of(), k),
                        "streaming needs I + L*H to fit an int", "I=2147483645, L=1, H=4");
                Rnn closed = Rnn.create(GRU, k);
                Map<String, Tensor> stale = closed.parameters().tensors();
                closed.close();
                expect(IllegalStateException.class, () -> InferenceModel.of(closed), "this Rnn is closed");
                expect(IllegalStateException.class, () -> InferenceModel.of(GRU, stale, k), "parameter 'weight_ih_l0' is a tensor whose memory was closed");
            }),
            new GuardCase("stream step sizes", () -> {
                try (Rnn rnn = Rnn.create(LSTM, k); InferenceModel model = InferenceModel.of(rnn, k);
                     StreamState s = model.newStream(); Arena arena = Arena.ofConfined()) {
                    ok(() -> s.step(new float[3], new float[4]));
                    expect(IllegalArgumentException.class, () -> s.step(new float[4], new float[4]), "input must have 3 floats, got 4");
                    expect(IllegalArgumentException.class, () -> s.step(new float[3], new float[3]), "output must have 4 floats, got 3");
                    expect(IllegalArgumentException.class, () -> s.step((float[]) null, new float[4]), "input is null; expected 3 floats");
                    expect(IllegalArgumentException.class, () -> s.step((float[]) null), "input is null; expected 3 floats");
                    MemorySegment in = arena.allocate(12), out = arena.allocate(16);
                    ok(() -> s.step(in, out));
                    ok(() -> s.step(MemorySegment.ofArray(new float[3]), MemorySegment.ofArray(new float[4])));
                    expect(IllegalArgumentException.class, () -> s.step(arena.allocate(16), out), "input must be 3 floats (12 bytes), got a segment of 16 bytes");
                    expect(IllegalArgumentException.class, () -> s.step(in, arena.allocate(12)), "output must be 4 floats (16 bytes), got a segment of 12 bytes");
                    expect(IllegalArgumentException.class, () -> s.step(in, out.asReadOnly()), "output is a read-only segment");
                    expect(IllegalArgumentException.class, () -> s.step((MemorySegment) null), "input is null");
                    MemorySegment closedIn, closedOut;
                    try (Arena gone = Arena.ofConfined()) {
                        closedIn = gone.allocate(12);
                        closedOut = gone.allocate(16);
                    }
                    expect(IllegalStateException.class, () -> s.step(closedIn, out), "input", "closed");
                    expect(IllegalStateException.class, () -> s.step(in, closedOut), "output", "closed");
                    expect(IllegalStateException.class, () -> s.step(closedIn), "input", "closed");
                }
            }),
            new GuardCase("stream state arrays", () -> {
                try (Rnn lstm = Rnn.create(LSTM, k); InferenceModel lm = InferenceModel.of(lstm, k); StreamState ls = lm.newStream();
                     Rnn gru = Rnn.create(GRU, k); InferenceModel gm = InferenceModel.of(gru, k); StreamState gs = gm.newStream()) {
                    ok(() -> ls.setState(new float[8], new float[8]));
                    ok(() -> ls.setState(new float[8], null));
                    expect(IllegalArgumentException.class, () -> ls.setState(new float[4], null), "hidden state (L, H) must have 8 floats, got 4");
                    expect(IllegalArgumentException.class, () -> ls.setState(null, null), "hidden state (L, H) is null; expected 8 floats");
                    expect(IllegalArgumentException.class, () -> ls.setState(new float[8], new float[9]), "cell state (L, H) must have 8 floats, got 9");
                    expect(IllegalArgumentException.class, () -> gs.setState(new float[4], new float[4]), "a cell state is only for LSTM; this model is gru");
                    expect(IllegalArgumentException.class, () -> gs.getState(new float[8], null), "hidden state (L, H) must have 4 floats, got 8");
                    // the state of another model: a snapshot carries the model's fingerprint
                    byte[] lstmSnapshot = ls.snapshot();
                    expect(IllegalArgumentException.class, () -> gs.restore(lstmSnapshot), "stream snapshot");
                    try (Rnn lstm2 = Rnn.create(RnnConfig.builder(CellType.LSTM, 3, 4).layers(2).seed(99).build(), k);
                         InferenceModel other = InferenceModel.of(lstm2, k); StreamState os = other.newStream()) {
                        expect(IllegalArgumentException.class, () -> os.restore(lstmSnapshot), "stream snapshot was taken from another model");
                    }
                    expect(IllegalArgumentException.class, () -> ls.restore(null), "snapshot is null");
                    expect(IllegalArgumentException.class, () -> ls.restore(new byte[3]), "not a stream snapshot");
                }
            }),
            new GuardCase("stream state that is not finite", () -> {
                try (Rnn lstm = Rnn.create(LSTM, k); InferenceModel lm = InferenceModel.of(lstm, k); StreamState ls = lm.newStream()) {
                    float[] h = new float[8], c = new float[8];
                    for (int i = 0; i < 8; i++) {
                        h[i] = 0.1f * i;
                        c[i] = -0.2f * i;
                    }
                    ls.setState(h, c);
                    byte[] good = ls.snapshot();
                    float[] badH = h.clone();
                    badH[5] = Float.NaN;
                    expect(IllegalArgumentException.class, () -> ls.setState(badH, c), "hidden state (L, H) element 5 is NaN; a state must be finite");
                    float[] badC = c.clone();
                    badC[2] = Float.POSITIVE_INFINITY;
                    expect(IllegalArgumentException.class, () -> ls.setState(h, badC), "cell state (L, H) element 2 is Infinity");
                    // a snapshot whose checksum is right but whose cell state (layer 1, unit 2) is infinite
                    byte[] forged = good.clone();
                    java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(forged).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                    b.putFloat(52 + (8 + 4 + 2) * Float.BYTES, Float.POSITIVE_INFINITY);
                    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
                    crc.update(forged, 0, forged.length - 4);
                    b.putInt(forged.length - 4, (int) crc.getValue());
                    expect(IllegalArgumentException.class, () -> ls.restore(forged),
                            "stream snapshot's cell state (layer 1, unit 2) is Infinity; a restored state must be finite");
                    float[] hAfter = new float[8], cAfter = new float[8];
                    ls.getState(hAfter, cAfter);
                    check(java.util.Arrays.equals(h, hAfter) && java.util.Arrays.equals(c, cAfter), "a refused state changes nothing");
                    ok(() -> ls.restore(good));
                }
            }),
            new GuardCase("stream use after close", () -> {
                Rnn rnn = Rnn.create(GRU, k);
                InferenceModel model = InferenceModel.of(rnn, k);
                rnn.close();                       // the model holds its own copy
                StreamState s = model.newStream();
                StreamState t = model.newStream();
                ok(() -> s.step(new float[3], new float[4]));
                s.close();
                s.close();   // idempotent
                expect(IllegalStateException.class, () -> s.step(new float[3], new float[4]), "cannot step: this StreamState is closed");
                expect(IllegalStateException.class, s::reset, "cannot reset: this StreamState is closed");
                expect(IllegalStateException.class, s::snapshot, "this StreamState is closed");
                expect(IllegalStateException.class, () -> s.getState(new float[4], null), "this StreamState is closed");
                model.close();
                expect(IllegalStateException.class, () -> t.step(new float[3], new float[4]), "the InferenceModel of this stream is closed");
                expect(IllegalStateException.class, () -> t.step(MemorySegment.ofArray(new float[3])), "the InferenceModel of this stream is closed");
                expect(IllegalStateException.class, model::newStream, "this InferenceModel is closed");
                t.close();
            }),
            new GuardCase("stream NaN input propagates and reset recovers", () -> {
                try (Rnn rnn = Rnn.create(LSTM, k); InferenceModel model = InferenceModel.of(rnn, k); StreamState s = model.newStream()) {
                    float[] out = new float[4];
                    s.step(new float[] {1, 2, 3}, out);
                    float[] clean = out.clone();
                    s.reset();
                    s.step(new float[] {Float.NaN, 0, 0}, out);
                    check(Float.isNaN(out[0]), "a NaN input gives a NaN output (documented), got " + out[0]);
                    s.step(new float[] {1, 2, 3}, out);
                    check(Float.isNaN(out[0]), "the NaN stays in the state (documented), got " + out[0]);
                    s.reset();
                    s.step(new float[] {1, 2, 3}, out);
                    check(java.util.Arrays.equals(clean, out), "reset recovers from NaN");
                    ok(() -> s.step(new float[] {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0}, out));   // not checked, not a crash
                }
            }),
            new GuardCase("stream batcher mismatched streams", () -> {
                try (Rnn rnn = Rnn.create(GRU, k); InferenceModel model = InferenceModel.of(rnn, k);
                     Rnn rnn2 = Rnn.create(GRU, k); InferenceModel other = InferenceModel.of(rnn2, k);
                     StreamState foreign = other.newStream(); StreamState own = model.newStream();
                     StreamBatcher batcher = StreamBatcher.builder(model).maxBatch(4).build()) {
                    expect(IllegalArgumentException.class, () -> batcher.submit(foreign, new float[3]), "the stream belongs to another InferenceModel");
                    expect(IllegalArgumentException.class, () -> batcher.submit(own, new float[2]), "input must have 3 floats, got 2");
                    expect(IllegalArgumentException.class, () -> batcher.submit(null, new float[3]), "stream is required");
                    ok(() -> batcher.submit(own, new float[3]).get());
                    own.close();
                    expect(IllegalStateException.class, () -> batcher.submit(own, new float[3]), "this StreamState is closed");
                }
            })
        );
    }
}
