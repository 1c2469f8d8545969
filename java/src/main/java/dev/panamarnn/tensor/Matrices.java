package dev.panamarnn.tensor;

import java.lang.foreign.MemorySegment;

/** Whole-matrix copies between row-major layouts of float segments. */
public final class Matrices {
    private Matrices() {}

    /** dst (cols, rows) = src (rows, cols)^T, both contiguous and row-major: dst[c][r] = src[r][c]. */
    public static void transpose(MemorySegment src, int rows, int cols, MemorySegment dst) {
        for (int r = 0; r < rows; r++) {
            long row = (long) r * cols;
            for (int c = 0; c < cols; c++) {
                dst.setAtIndex(Tensor.FLOAT, (long) c * rows + r, src.getAtIndex(Tensor.FLOAT, row + c));
            }
        }
    }
}
