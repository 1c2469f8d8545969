package dev.panamarnn.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.panamarnn.CellType;
import dev.panamarnn.Rnn;
import dev.panamarnn.RnnConfig;
import dev.panamarnn.infer.InferenceModel;
import dev.panamarnn.infer.StreamState;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * Fuzzes {@link StreamState#restore(byte[])}, the reader of stream snapshots (docs/streaming.md:
 * magic, version, model fingerprint, L, H, vectors per layer, floats, CRC-32C).
 *
 * <p>Property: a snapshot is either restored — and then {@link StreamState#snapshot()} gives back
 * the very same bytes and the stream can step — or refused with the documented
 * {@link IllegalArgumentException}, and a refused restore leaves the state unchanged. Anything else
 * is a finding.
 *
 * <p>A fuzzer cannot forge a CRC-32C or a SHA-256 fingerprint by mutation, so the first input byte
 * selects the model and says what the harness repairs before restoring, letting the fuzzer reach
 * the checks behind the checksum: bits 0-1 the model ({@link #MODELS}), bit 2 "write this model's
 * fingerprint at bytes 8..40", bit 3 "recompute the trailing CRC-32C". The rest is the snapshot.
 * Seeds: SnapshotFuzzTestInputs/fuzz/ (docs/fuzzing.md).
 */
class SnapshotFuzzTest {
    /** Small models of every state layout: LSTM (h, c), GRU and RNN (h), one and two layers. */
    private static final InferenceModel[] MODELS = {
        model(CellType.LSTM, 3, 4, 2),
        model(CellType.GRU, 2, 3, 1),
        model(CellType.RNN_TANH, 1, 2, 2),
        model(CellType.RNN_RELU, 2, 5, 1),
    };
    private static final int FINGERPRINT_AT = 8;
    private static final int FINGERPRINT_BYTES = 32;
    private static final int MAGIC = 'P' | 'R' << 8 | 'N' << 16 | 'S' << 24;

    private static InferenceModel model(CellType cell, int input, int hidden, int layers) {
        try (Rnn rnn = Rnn.create(RnnConfig.builder(cell, input, hidden).layers(layers).seed(7).build())) {
            return InferenceModel.of(rnn);
        }
    }

    /**
     * True if the header is readable (length, magic, version) and its L, H, S do not give the
     * snapshot's length, computed without overflow: 52 + 4 * S * L * H + 4.
     */
    private static boolean sizeDisagrees(byte[] snapshot) {
        if (snapshot.length < 56) {
            return false;
        }
        ByteBuffer b = ByteBuffer.wrap(snapshot).order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt(0) != MAGIC || b.getInt(4) != 1) {
            return false;
        }
        BigInteger l = BigInteger.valueOf(b.getInt(40)), h = BigInteger.valueOf(b.getInt(44)), s = BigInteger.valueOf(b.getInt(48));
        BigInteger declared = BigInteger.valueOf(56).add(BigInteger.valueOf(4).multiply(s).multiply(l).multiply(h));
        return l.signum() < 0 || h.signum() < 0 || s.signum() < 0 || !declared.equals(BigInteger.valueOf(snapshot.length));
    }

    @FuzzTest(maxDuration = "20s")
    void fuzz(byte[] input) {
        if (input.length == 0) {
            return;
        }
        int control = input[0] & 0xFF;
        InferenceModel model = MODELS[control & 3];
        byte[] snapshot = Arrays.copyOfRange(input, 1, input.length);
        if ((control & 4) != 0 && snapshot.length >= FINGERPRINT_AT + FINGERPRINT_BYTES) {
            System.arraycopy(model.fingerprint(), 0, snapshot, FINGERPRINT_AT, FINGERPRINT_BYTES);
        }
        if ((control & 8) != 0 && snapshot.length >= 4) {
            CRC32C crc = new CRC32C();
            crc.update(snapshot, 0, snapshot.length - 4);
            ByteBuffer.wrap(snapshot).order(ByteOrder.LITTLE_ENDIAN).putInt(snapshot.length - 4, (int) crc.getValue());
        }
        try (StreamState stream = model.newStream()) {
            float[] x = new float[stream.inputSize()];
            Arrays.fill(x, 0.5f);
            stream.step(x);
            byte[] before = stream.snapshot();
            try {
                stream.restore(snapshot);
            } catch (IllegalArgumentException documented) {
                assertArrayEquals(before, stream.snapshot(), "a refused snapshot leaves the state unchanged");
                if (sizeDisagrees(snapshot)) {   // checked before the checksum and the fingerprint (Snapshot's javadoc)
                    assertTrue(documented.getMessage().startsWith("stream snapshot is truncated or garbled"), documented.getMessage());
                }
                return;
            }
            assertArrayEquals(snapshot, stream.snapshot(), "a restored stream saves the bytes it was restored from");
            assertEquals(stream.outputSize(), stream.step(x).length);
        }
    }
}
