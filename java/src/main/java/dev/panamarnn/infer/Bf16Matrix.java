package dev.panamarnn.infer;

import dev.panamarnn.internal.kernels.Bf16;
import dev.panamarnn.kernels.Kernels;
import java.lang.foreign.MemorySegment;

/**
 * One weight matrix of a bf16 {@link InferenceModel} (W_ih or W_hh of a layer): each weight rounded
 * once to bf16, nearest even ({@link Bf16}). A view of the model's slab.
 */
final class Bf16Matrix implements QuantizedMatrix {
    final int rows;
    final int cols;
    final MemorySegment values;        // (rows, cols) bf16

    private Bf16Matrix(int rows, int cols, MemorySegment values) {
        this.rows = rows;
        this.cols = cols;
        this.values = values;
    }

    /** Rounds w (rows, cols) contiguous floats into {@code values}. */
    static Bf16Matrix round(MemorySegment w, int rows, int cols, MemorySegment values) {
        for (int r = 0; r < rows; r++) {
            Bf16.roundRow(values, (long) r * cols, w, (long) r * cols, cols);
        }
        return new Bf16Matrix(rows, cols, values);
    }

    @Override
    public void times(Kernels kernels, MemorySegment y, int ldy, float beta, MemorySegment x, int ldx, int batch,
                      MemorySegment scratch, MemorySegment scales) {
        kernels.bf16Linear(y, ldy, scratch, x, ldx, values, beta, batch, rows, cols);
    }
}
