package dev.panamarnn.infer;

import dev.panamarnn.internal.kernels.Int8Packing;
import dev.panamarnn.internal.kernels.Int8Rows;
import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One weight matrix of an int8 {@link InferenceModel} (W_ih or W_hh of a layer), quantized once:
 * row r is W[r] ~ values[r] * scales[r] with values in [-127, 127] ({@link Int8Rows}), plus the
 * row's 128 * sum, which the AVX-512 VNNI product subtracts; the values packed once for the
 * product ({@link Int8Packing}). Views of the model's slab.
 */
final class Int8Matrix implements QuantizedMatrix {
    final int rows;
    final int cols;
    final MemorySegment values;        // (rows, cols) int8, packed: round_up(rows, 64) * round_up(cols, 4) bytes
    final MemorySegment scales;        // (rows) float: W[r] ~ values[r] * scales[r]
    final MemorySegment compensation;  // (rows) int32: 128 * sum_k values[r, k]

    private Int8Matrix(int rows, int cols, MemorySegment values, MemorySegment scales, MemorySegment compensation) {
        this.rows = rows;
        this.cols = cols;
        this.values = values;
        this.scales = scales;
        this.compensation = compensation;
    }

    /** Quantizes w (rows, cols) contiguous floats into the given slab segments (values zeroed, as allocated). */
    static Int8Matrix quantize(MemorySegment w, int rows, int cols, MemorySegment values, MemorySegment scales,
                               MemorySegment compensation) {
        MemorySegment row = MemorySegment.ofArray(new byte[cols]);  // (cols) int8: row r before packing
        for (int r = 0; r < rows; r++) {
            scales.setAtIndex(Tensor.FLOAT, r, Int8Rows.quantize(row, 0, 0, w, (long) r * cols, cols));
            compensation.setAtIndex(ValueLayout.JAVA_INT, r, Int8Rows.compensation(row, 0, cols));
            Int8Packing.packRow(values, r, row, cols);
        }
        return new Int8Matrix(rows, cols, values, scales, compensation);
    }

    /** x quantized per row into xq (batch, cols) bytes and xScale (batch) floats, then the int8 product. */
    @Override
    public void times(Kernels kernels, MemorySegment y, int ldy, float beta, MemorySegment x, int ldx, int batch,
                      MemorySegment xq, MemorySegment xScale) {
        kernels.int8Linear(y, ldy, xq, xScale, x, ldx, values, scales, compensation, beta, batch, rows, cols);
    }
}
