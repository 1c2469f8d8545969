package dev.panamarnn.infer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panamarnn.CellType;
import dev.panamarnn.Rnn;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Snapshot and restore: a restored stream continues exactly where the saved one was (in another
 * model object with the same weights too); a snapshot of another model, a truncated or a garbled
 * one is refused with a clear message and leaves the state unchanged.
 */
class SnapshotTest {
    static final int I = 3;
    static final int H = 4;
    static final int L = 2;

    private static InferenceModel model(CellType cell, long seed) {
        try (Rnn rnn = InferTesting.rnn(cell, I, H, L, seed, InferTesting.kernels("native"))) {
            return InferenceModel.of(rnn);
        }
    }

    @ParameterizedTest
    @EnumSource(CellType.class)
    void roundTripContinuesExactly(CellType cell) {
        float[][] x = InferTesting.sequence(1, 12, I);
        try (InferenceModel model = model(cell, 1); InferenceModel sameWeights = model(cell, 1);
             StreamState a = model.newStream(); StreamState b = sameWeights.newStream()) {
            for (int t = 0; t < 7; t++) {
                a.step(x[t]);
            }
            byte[] saved = a.snapshot();
            assertEquals(a.snapshotSize(), saved.length);
            assertEquals(52 + 4 * L * H * (cell.hasCellState() ? 2 : 1) + 4, saved.length);
            b.step(x[11]);                          // some other state, to be replaced
            b.restore(saved);                       // another model object, same fingerprint
            assertArrayEquals(a.snapshot(), b.snapshot());
            for (int t = 7; t < 12; t++) {
                assertArrayEquals(a.step(x[t]), b.step(x[t]), "step " + t);
            }
            a.restore(saved);                       // and back in the same stream
            b.restore(saved);
            assertArrayEquals(a.step(x[0]), b.step(x[0]));
        }
    }

    @ParameterizedTest
    @EnumSource(value = CellType.class, names = {"LSTM", "GRU"})
    void restoreIntoAnotherModelIsRefused(CellType cell) {
        try (InferenceModel model = model(cell, 1); InferenceModel other = model(cell, 2);
             StreamState a = model.newStream(); StreamState b = other.newStream()) {
            a.step(InferTesting.sequence(1, 1, I)[0]);
            byte[] before = b.snapshot();
            var e = assertThrows(IllegalArgumentException.class, () -> b.restore(a.snapshot()));
            assertTrue(e.getMessage().contains("taken from another model"), e.getMessage());
            assertTrue(e.getMessage().contains(model.fingerprintHex().substring(0, 12)), e.getMessage());
            assertTrue(e.getMessage().contains(other.fingerprintHex().substring(0, 12)), e.getMessage());
            assertArrayEquals(before, b.snapshot(), "a refused restore changes nothing");
        }
    }

    /** Both GRUs have the same state and parameter shapes: a snapshot of one is refused by the other (the fingerprint names the cell). */
    @org.junit.jupiter.api.Test
    void aSnapshotOfTheOtherGruIsRefused() {
        try (InferenceModel gru = model(CellType.GRU, 1); InferenceModel resetBefore = model(CellType.GRU_RESET_BEFORE, 1);
             StreamState a = gru.newStream(); StreamState b = resetBefore.newStream()) {
            a.step(InferTesting.sequence(1, 1, I)[0]);
            var e = assertThrows(IllegalArgumentException.class, () -> b.restore(a.snapshot()));
            assertTrue(e.getMessage().contains("taken from another model"), e.getMessage());
        }
    }

    @ParameterizedTest
    @EnumSource(value = CellType.class, names = {"LSTM", "RNN_TANH"})
    void everyTruncationIsRefused(CellType cell) {
        try (InferenceModel model = model(cell, 1); StreamState s = model.newStream()) {
            s.step(InferTesting.sequence(1, 1, I)[0]);
            byte[] saved = s.snapshot();
            byte[] before = saved.clone();
            for (int n = 0; n < saved.length; n++) {
                byte[] cut = Arrays.copyOf(saved, n);
                var e = assertThrows(IllegalArgumentException.class, () -> s.restore(cut), "length " + n);
                assertTrue(e.getMessage().contains("truncated") || e.getMessage().contains("garbled"), e.getMessage());
            }
            byte[] longer = Arrays.copyOf(saved, saved.length + 1);
            assertThrows(IllegalArgumentException.class, () -> s.restore(longer));
            assertArrayEquals(before, s.snapshot());
        }
    }

    @ParameterizedTest
    @EnumSource(value = CellType.class, names = {"LSTM", "GRU"})
    void everyFlippedBitIsRefused(CellType cell) {
        try (InferenceModel model = model(cell, 1); StreamState s = model.newStream()) {
            s.step(InferTesting.sequence(1, 1, I)[0]);
            byte[] saved = s.snapshot();
            for (int i = 0; i < saved.length; i++) {
                for (int bit = 0; bit < 8; bit++) {
                    byte[] bad = saved.clone();
                    bad[i] ^= (byte) (1 << bit);
                    int at = i;
                    assertThrows(IllegalArgumentException.class, () -> s.restore(bad), "bit " + bit + " of byte " + at);
                }
            }
            s.restore(saved);
        }
    }

    @ParameterizedTest
    @EnumSource(value = CellType.class, names = {"GRU"})
    void headerProblemsAreNamed(CellType cell) {
        try (InferenceModel model = model(cell, 1); StreamState s = model.newStream()) {
            byte[] saved = s.snapshot();
            var e = assertThrows(IllegalArgumentException.class, () -> s.restore(null));
            assertTrue(e.getMessage().contains("null"), e.getMessage());
            byte[] magic = saved.clone();
            magic[0] = 'X';
            e = assertThrows(IllegalArgumentException.class, () -> s.restore(magic));
            assertTrue(e.getMessage().contains("not a stream snapshot"), e.getMessage());
            byte[] version = saved.clone();
            ByteBuffer.wrap(version).order(ByteOrder.LITTLE_ENDIAN).putInt(4, 99);
            e = assertThrows(IllegalArgumentException.class, () -> s.restore(version));
            assertTrue(e.getMessage().contains("version 99 is not supported"), e.getMessage());
            byte[] checksum = saved.clone();
            checksum[60] ^= 1;
            e = assertThrows(IllegalArgumentException.class, () -> s.restore(checksum));
            assertTrue(e.getMessage().contains("checksum mismatch"), e.getMessage());
            byte[] huge = saved.clone();
            ByteBuffer.wrap(huge).order(ByteOrder.LITTLE_ENDIAN).putInt(44, Integer.MAX_VALUE);
            e = assertThrows(IllegalArgumentException.class, () -> s.restore(huge));
            assertTrue(e.getMessage().contains("truncated or garbled"), e.getMessage());
        }
    }
}
