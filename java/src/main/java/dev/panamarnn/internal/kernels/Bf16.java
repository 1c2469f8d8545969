package dev.panamarnn.internal.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * bf16: the upper 16 bits of a float32 (8 exponent bits, 7 stored mantissa bits). Rounding to
 * nearest even, as librnnk's bf16.c does it, so Java and native round weights and activations to the
 * same values; a NaN stays a (quiet) NaN. Stored as native-order 16-bit values.
 */
public final class Bf16 {
    private Bf16() {}

    private static final ValueLayout.OfShort S = ValueLayout.JAVA_SHORT;

    /** f rounded to bf16, nearest even. */
    public static short round(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7fffffff) > 0x7f800000) {
            return (short) ((bits >>> 16) | 0x0040);
        }
        bits += 0x7fff + ((bits >>> 16) & 1);
        return (short) (bits >>> 16);
    }

    /** The float a bf16 value stands for (exact). */
    public static float widen(short h) {
        return Float.intBitsToFloat((h & 0xffff) << 16);
    }

    /** out[outAt + j] = round(x[xAt + j]) for j < k (element indices: shorts in out, floats in x). */
    public static void roundRow(MemorySegment out, long outAt, MemorySegment x, long xAt, int k) {
        for (int j = 0; j < k; j++) {
            out.setAtIndex(S, outAt + j, round(x.getAtIndex(ValueLayout.JAVA_FLOAT, xAt + j)));
        }
    }
}
