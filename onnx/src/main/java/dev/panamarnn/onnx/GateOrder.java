package dev.panamarnn.onnx;

import dev.panamarnn.CellType;

/**
 * PyTorch and ONNX stack a cell's gate blocks in different orders. PyTorch: LSTM i,f,g,o; GRU r,z,n.
 * ONNX: LSTM i,o,f,c (c is PyTorch's g); GRU z,r,n. The vanilla RNN has one block.
 */
final class GateOrder {
    private GateOrder() {}

    /** For each ONNX block position, the PyTorch block it comes from. */
    static int[] onnxFromPyTorch(CellType cell) {
        return switch (cell) {
            case LSTM -> new int[] {0, 3, 1, 2};          // i <- i, o <- o, f <- f, c <- g
            case GRU, GRU_RESET_BEFORE -> new int[] {1, 0, 2};   // z <- z, r <- r, n <- n
            case RNN_TANH, RNN_RELU -> new int[] {0};
        };
    }

    /** For each PyTorch block position, the ONNX block it comes from (the inverse permutation). */
    static int[] pyTorchFromOnnx(CellType cell) {
        int[] forward = onnxFromPyTorch(cell);
        int[] inverse = new int[forward.length];
        for (int onnx = 0; onnx < forward.length; onnx++) {
            inverse[forward[onnx]] = onnx;
        }
        return inverse;
    }

    /**
     * Reorders the gate blocks of a (G*H, cols) matrix or a (G*H) vector (cols = 1), each block H
     * rows: block j of the result is block {@code from[j]} of {@code source}.
     */
    static float[] permuteBlocks(float[] source, int[] from, int hidden, int cols) {
        return permuteBlocks(source, 0, from, hidden, cols);
    }

    /** The same for the G blocks that start at {@code offset} in {@code source} (ONNX's B holds [Wb; Rb]). */
    static float[] permuteBlocks(float[] source, int offset, int[] from, int hidden, int cols) {
        int block = hidden * cols;
        float[] result = new float[from.length * block];
        for (int j = 0; j < from.length; j++) {
            System.arraycopy(source, offset + from[j] * block, result, j * block, block);
        }
        return result;
    }
}
