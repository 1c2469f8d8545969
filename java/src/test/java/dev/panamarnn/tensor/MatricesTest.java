package dev.panamarnn.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** Matrices.transpose against the definition dst[c][r] = src[r][c], on a non-square matrix. */
class MatricesTest {
    @Test
    void transposeSwapsRowsAndColumns() {
        int rows = 3, cols = 5;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment src = arena.allocate((long) rows * cols * Float.BYTES);
            MemorySegment dst = arena.allocate((long) rows * cols * Float.BYTES);
            for (int i = 0; i < rows * cols; i++) {
                src.setAtIndex(Tensor.FLOAT, i, 10f * (i / cols) + i % cols);   // value = 10 * row + column
            }
            Matrices.transpose(src, rows, cols, dst);
            for (int c = 0; c < cols; c++) {
                for (int r = 0; r < rows; r++) {
                    assertEquals(10f * r + c, dst.getAtIndex(Tensor.FLOAT, (long) c * rows + r), "dst[" + c + "][" + r + "]");
                }
            }
        }
    }
}
