package dev.panamarnn.internal.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The layouts of the int8 product's operands (rnnk.h {@code rnnk_q8_linear}, native/src/quant.h).
 *
 * <p>Weights (n, k) int8 are packed once for AVX-512 VNNI: the n rows in blocks of {@link #BLOCK}
 * = 64, the k columns in groups of four; block j / 64 holds ceil(k / 4) groups of 256 bytes, and in
 * a group the four bytes of row j follow each other at (j % 64) * 4 — 16 rows per 64 bytes, so one
 * broadcast of an activation row's four bytes meets 16 rows in one instruction. Rows past n and
 * columns past k are zeros. Size: round_up(n, 64) * round_up(k, 4) bytes.
 *
 * <p>Quantized activation rows are stored round_up(k, 4) bytes apart, the bytes past k holding the
 * code 128 (the value 0), so that every group of four is whole.
 */
public final class Int8Packing {
    private Int8Packing() {}

    /** Weight rows per packed block. */
    public static final int BLOCK = 64;

    /** The row stride of the quantized activations: k rounded up to a multiple of 4. */
    public static long rowStride(int k) {
        return (k + 3L) / 4 * 4;
    }

    /** Bytes of an (n, k) weight matrix packed: round_up(n, 64) * round_up(k, 4). */
    public static long packedBytes(int n, int k) {
        return (n + (long) BLOCK - 1) / BLOCK * BLOCK * rowStride(k);
    }

    /** The byte offset of w[j, i] in the packed layout of an (n, k) matrix. */
    public static long at(int j, int i, int k) {
        return (long) (j / BLOCK) * BLOCK * rowStride(k) + (long) (i / 4) * 4 * BLOCK + (j % BLOCK) * 4L + i % 4;
    }

    /** Row j of the packed matrix (k columns) = the bytes row[0 .. k); the padding is left as it is (zeros when allocated). */
    public static void packRow(MemorySegment packed, int j, MemorySegment row, int k) {
        for (int i = 0; i < k; i++) {
            packed.set(ValueLayout.JAVA_BYTE, at(j, i, k), row.get(ValueLayout.JAVA_BYTE, i));
        }
    }
}
