package dev.panamarnn.internal.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Symmetric 8-bit quantization of float rows, the one rule shared by the weights (quantized once,
 * when a quantized model is built) and the activations (quantized at every step, dynamically):
 * <pre>
 *   s = max_k |x_k| / 127;   v_k = rne(x_k * (127 / max_k |x_k|))  in [-127, 127]   (x_k ~ v_k * s)
 * </pre>
 * rne rounds to the nearest integer, ties to even, by adding and subtracting 1.5 * 2^23 in float —
 * the same float operations as librnnk's quant.c, so Java and native quantize to the same bytes.
 * A row with a NaN or an infinity gets s = NaN (and v = 0); a row whose largest |x| is below
 * 2^-120 gets s = 0 (and v = 0). Activations are stored as v + 128 (uint8, for AVX-512 VNNI's
 * unsigned-by-signed product), weights as v (int8).
 */
public final class Int8Rows {
    private Int8Rows() {}

    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;
    /** 1.5 * 2^23: (v + ROUNDER) - ROUNDER rounds |v| < 2^22 to an integer, ties to even. */
    private static final float ROUNDER = 12582912f;
    /** Bits of 2^-120: 127 / 2^-120 still fits a float. */
    private static final int TINY_BITS = 0x03800000;
    /** The offset of a stored activation: uint8 = v + 128. */
    public static final int ACTIVATION_OFFSET = 128;
    /** The longest row whose int8 dot product fits an int32 exactly: K * 127^2 <= 2^31 - 1. */
    public static final int MAX_LENGTH = Integer.MAX_VALUE / (127 * 127);

    /**
     * Quantizes x[xAt .. xAt + k) (float index) into bytes q[qAt .. qAt + k) as v + offset.
     * @return the row's scale s
     */
    public static float quantize(MemorySegment q, long qAt, int offset, MemorySegment x, long xAt, int k) {
        int maxBits = 0;                                   // max |x| as bits: ordered like the magnitudes
        for (int j = 0; j < k; j++) {
            maxBits = Math.max(maxBits, Float.floatToRawIntBits(x.getAtIndex(F, xAt + j)) & 0x7fffffff);
        }
        boolean finite = maxBits < 0x7f800000;
        if (!finite || maxBits < TINY_BITS) {
            for (int j = 0; j < k; j++) {
                q.set(ValueLayout.JAVA_BYTE, qAt + j, (byte) offset);
            }
            return finite ? 0f : Float.NaN;
        }
        float maxAbs = Float.intBitsToFloat(maxBits);
        float inverse = 127f / maxAbs;
        for (int j = 0; j < k; j++) {
            float v = x.getAtIndex(F, xAt + j) * inverse;
            v = (v + ROUNDER) - ROUNDER;
            v = Math.max(-127f, Math.min(127f, v));
            q.set(ValueLayout.JAVA_BYTE, qAt + j, (byte) ((int) v + offset));
        }
        return maxAbs / 127f;
    }

    /** The correction AVX-512 VNNI's unsigned product needs for weight row w[wAt .. wAt + k): 128 * sum_k w_k. */
    public static int compensation(MemorySegment w, long wAt, int k) {
        int sum = 0;
        for (int j = 0; j < k; j++) {
            sum += w.get(ValueLayout.JAVA_BYTE, wAt + j);
        }
        return ACTIVATION_OFFSET * sum;
    }
}
