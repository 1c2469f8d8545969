package dev.panamarnn.infer;

import dev.panamarnn.internal.kernels.Int8Packing;
import dev.panamarnn.kernels.Kernels;
import java.lang.foreign.MemorySegment;

/**
 * A layer's W_ih or W_hh stored in a reduced precision ({@link Precision#INT8}: {@link Int8Matrix},
 * {@link Precision#BF16}: {@link Bf16Matrix}), and its product with float activation rows, which the
 * product converts into the caller's scratch first.
 */
sealed interface QuantizedMatrix permits Int8Matrix, Bf16Matrix {

    /**
     * Scratch bytes a product over {@code rows} rows of width up to {@code width} needs in either
     * precision: bf16 2 per element, int8 round_up(width, 4) per row ({@link Int8Packing#rowStride}).
     */
    static long scratchBytes(int rows, int width) {
        return rows * Math.max(2L * width, Int8Packing.rowStride(width));
    }

    /** Float slots of a slab that {@code bytes} bytes take (four per float). */
    static int slots(long bytes) {
        return Math.toIntExact((bytes + 3) / 4);
    }

    /**
     * y (batch, rows; row stride ldy) = beta * y + x (batch, cols; row stride ldx) W^T.
     * @param scratch (batch, cols) the converted rows, at least {@link #scratchBytes} bytes
     * @param scales  (batch) floats: int8's row scales (bf16 does not use them)
     */
    void times(Kernels kernels, MemorySegment y, int ldy, float beta, MemorySegment x, int ldx, int batch, MemorySegment scratch,
               MemorySegment scales);
}
