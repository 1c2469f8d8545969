package dev.panamarnn.infer;

import dev.panamarnn.RnnConfig;
import dev.panamarnn.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * SHA-256 of what determines a model's outputs: cell type, sizes, layers, and every parameter's
 * state_dict name, shape and float32 bits (little-endian), in state_dict order. Training-only
 * settings (dropout, seed, batchFirst) are left out, so a network and the same weights loaded
 * from a file have the same fingerprint. A whole model adds its input stage and head to the
 * description and their tensors (embedding, normalisation, head) after the stack's.
 */
final class Fingerprint {
    static final int BYTES = 32;
    private static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int CHUNK_FLOATS = 16 * 1024;

    private Fingerprint() {}

    /** @param names the parameters in state_dict order, each present in {@code parameters} */
    static byte[] of(RnnConfig config, List<String> names, Map<String, Tensor> parameters) {
        return of(describe(config), names, parameters);
    }

    /** The stack's part of the description. */
    static String describe(RnnConfig config) {
        return "panama-rnn inference model 1;" + config.cell().id() + ";I=" + config.inputSize()
                + ";H=" + config.hiddenSize() + ";L=" + config.numLayers() + ";D=" + config.directions();
    }

    /** @param names the tensors in order, each present in {@code parameters} */
    static byte[] of(String description, List<String> names, Map<String, Tensor> parameters) {
        MessageDigest sha = sha256();
        text(sha, description);
        byte[] chunk = new byte[CHUNK_FLOATS * Float.BYTES];
        MemorySegment chunkSegment = MemorySegment.ofArray(chunk);
        for (String name : names) {
            Tensor t = parameters.get(name);
            StringBuilder header = new StringBuilder(";").append(name);
            for (int d : t.shape()) {
                header.append(',').append(d);
            }
            text(sha, header.append(';').toString());
            MemorySegment s = t.segment();
            for (long i = 0; i < t.size(); i += CHUNK_FLOATS) {
                int n = (int) Math.min(CHUNK_FLOATS, t.size() - i);
                MemorySegment.copy(s, Tensor.FLOAT, i * Float.BYTES, chunkSegment, LE_FLOAT, 0, n);
                sha.update(chunk, 0, n * Float.BYTES);
            }
        }
        return sha.digest();
    }

    static String hex(byte[] fingerprint) {
        return HexFormat.of().formatHex(fingerprint);
    }

    /** The first 12 hex digits, for messages. */
    static String shortHex(byte[] fingerprint) {
        return hex(fingerprint).substring(0, 12);
    }

    private static void text(MessageDigest sha, String s) {
        sha.update(s.getBytes(StandardCharsets.UTF_8));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256, which every Java SE platform must provide", e);
        }
    }
}
