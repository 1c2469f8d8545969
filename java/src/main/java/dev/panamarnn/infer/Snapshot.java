package dev.panamarnn.infer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * The byte format of a stream's saved state, so a stream can move between processes. Little-endian:
 * <pre>
 *   offset  size        field
 *   0       4           magic "PRNS"
 *   4       4           format version (1)
 *   8       32          model fingerprint (SHA-256, see InferenceModel#fingerprint)
 *   40      4           L, layers
 *   44      4           H, hidden size
 *   48      4           S, state vectors per layer: 1 (h) or 2 (h, c: LSTM)
 *   52      4*S*L*H     h (L, H), then c (L, H) for LSTM, float32
 *   end-4   4           CRC-32C of every byte before it
 * </pre>
 * Decoding checks, in this order, size, magic, version, declared sizes against the length,
 * checksum, fingerprint, then that every float is finite, and names what is wrong in an
 * {@link IllegalArgumentException}; nothing is written into the stream until all checks passed.
 */
final class Snapshot {
    static final int MAGIC = 'P' | 'R' << 8 | 'N' << 16 | 'S' << 24;   // "PRNS" in little-endian order
    static final int VERSION = 1;
    static final int HEADER_BYTES = 52;
    static final int TRAILER_BYTES = 4;

    private Snapshot() {}

    /** Bytes of a snapshot of L layers of S vectors of H floats. */
    static int size(int layers, int hidden, int vectors) {
        long bytes = HEADER_BYTES + 4L * vectors * layers * hidden + TRAILER_BYTES;
        if (bytes > Integer.MAX_VALUE) {
            throw new IllegalStateException("a snapshot of " + bytes + " bytes does not fit a byte[]");
        }
        return (int) bytes;
    }

    /**
     * Bytes of a snapshot whose header declares L, H and S, or -1 if they are negative or their
     * product overflows (4 * S * L * H can exceed a long: S = L = 2^30, H = 4 wraps to exactly 0).
     */
    static long declaredSize(int layers, int hidden, int vectors) {
        if (layers < 0 || hidden < 0 || vectors < 0) {
            return -1;
        }
        try {
            return Math.addExact(HEADER_BYTES + TRAILER_BYTES,
                    Math.multiplyExact(Math.multiplyExact(4L * vectors, layers), hidden));
        } catch (ArithmeticException overflow) {
            return -1;
        }
    }

    /** Writes the header; the caller then puts the floats and calls {@link #seal}. */
    static ByteBuffer begin(byte[] fingerprint, int layers, int hidden, int vectors) {
        ByteBuffer b = ByteBuffer.allocate(size(layers, hidden, vectors)).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(MAGIC).putInt(VERSION).put(fingerprint).putInt(layers).putInt(hidden).putInt(vectors);
        return b;
    }

    /** Appends the checksum; returns the bytes. */
    static byte[] seal(ByteBuffer b) {
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, b.position());
        b.putInt((int) crc.getValue());
        return b.array();
    }

    /**
     * Checks a snapshot for a model and returns a buffer positioned at the first float.
     * @param vectors 1 (h) or 2 (h, c)
     */
    static ByteBuffer open(byte[] bytes, byte[] fingerprint, int layers, int hidden, int vectors) {
        if (bytes == null) {
            throw new IllegalArgumentException("snapshot is null");
        }
        if (bytes.length < HEADER_BYTES + TRAILER_BYTES) {
            throw new IllegalArgumentException("not a stream snapshot: " + bytes.length + " bytes, shorter than the "
                    + (HEADER_BYTES + TRAILER_BYTES) + "-byte header and checksum (truncated?)");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int magic = b.getInt();
        if (magic != MAGIC) {
            throw new IllegalArgumentException("not a stream snapshot: expected magic \"PRNS\" (0x" + Integer.toHexString(MAGIC)
                    + "), got 0x" + Integer.toHexString(magic));
        }
        int version = b.getInt();
        if (version != VERSION) {
            throw new IllegalArgumentException("stream snapshot format version " + version + " is not supported; this library reads version "
                    + VERSION);
        }
        byte[] theirs = new byte[Fingerprint.BYTES];
        b.get(theirs);
        int l = b.getInt(), h = b.getInt(), s = b.getInt();
        long expected = declaredSize(l, h, s);
        if (expected != bytes.length) {
            throw new IllegalArgumentException("stream snapshot is truncated or garbled: its header declares L=" + l + ", H=" + h
                    + ", " + s + " vector(s) per layer = " + (expected < 0 ? "an impossible size" : expected + " bytes")
                    + ", but it has " + bytes.length + " bytes");
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - TRAILER_BYTES);
        int stored = ByteBuffer.wrap(bytes, bytes.length - TRAILER_BYTES, TRAILER_BYTES).order(ByteOrder.LITTLE_ENDIAN).getInt();
        if (stored != (int) crc.getValue()) {
            throw new IllegalArgumentException("stream snapshot is corrupted: checksum mismatch (stored 0x" + Integer.toHexString(stored)
                    + ", computed 0x" + Integer.toHexString((int) crc.getValue()) + ")");
        }
        if (!java.util.Arrays.equals(theirs, fingerprint)) {
            throw new IllegalArgumentException("stream snapshot was taken from another model: its fingerprint is "
                    + Fingerprint.shortHex(theirs) + "..., this model's is " + Fingerprint.shortHex(fingerprint) + "...");
        }
        if (l != layers || h != hidden || s != vectors) {   // same fingerprint implies same sizes; a forged header is refused here
            throw new IllegalArgumentException("stream snapshot has L=" + l + ", H=" + h + ", " + s + " vector(s) per layer; this model needs L="
                    + layers + ", H=" + hidden + ", " + vectors);
        }
        requireFinite(b, layers, hidden, vectors);
        return b;
    }

    /** Every float after the header is finite (a checksum only proves the bytes were not changed since the snapshot). */
    private static void requireFinite(ByteBuffer b, int layers, int hidden, int vectors) {
        int at = b.position();
        for (int v = 0; v < vectors; v++) {
            for (int l = 0; l < layers; l++) {
                for (int j = 0; j < hidden; j++, at += Float.BYTES) {
                    float x = b.getFloat(at);
                    if (!Float.isFinite(x)) {
                        throw new IllegalArgumentException("stream snapshot's " + (v == 0 ? "hidden" : "cell") + " state (layer " + l
                                + ", unit " + j + ") is " + x + "; a restored state must be finite");
                    }
                }
            }
        }
    }
}
