package dev.panamarnn.cell;

import dev.panamarnn.tensor.Matrices;
import java.lang.foreign.MemorySegment;

/**
 * The recurrent weights of one reset-before GRU direction or layer ({@link dev.panamarnn.CellType#GRU_RESET_BEFORE}),
 * cut for its two recurrent products: h_{t-1} W_h{r,z}^T, then (r h_{t-1}) W_hn^T. Views made once
 * (by the training buffers or the serving model), so a step slices nothing. PyTorch's W_hh (3H, H)
 * has rows r, z, n, so W_h{r,z} is its first 2H rows and W_hn its last H, each contiguous; the
 * transposed copy, when the kernels want one, is the two blocks transposed apart,
 * [W_h{r,z}^T (H, 2H) | W_hn^T (H, H)], so that each is a contiguous (k, n) matrix.
 * @param wHrz  (2H, H) W_h{r,z}: the first 2H rows of W_hh
 * @param wHn   (H, H) W_hn: the last H rows of W_hh
 * @param wHrzT (H, 2H) W_h{r,z}^T, or null
 * @param wHnT  (H, H) W_hn^T, or null
 * @param hidden H
 */
public record ResetBeforeWeights(MemorySegment wHrz, MemorySegment wHn, MemorySegment wHrzT, MemorySegment wHnT, int hidden) {

    /**
     * Views of W_hh (3H, H) and of its block transpose (3H*H floats, see {@link #transpose}), which may be null.
     */
    public static ResetBeforeWeights of(MemorySegment wHh, MemorySegment transposed, int hidden) {
        long h = hidden, rz = 2 * h * h * Float.BYTES, n = h * h * Float.BYTES;
        return new ResetBeforeWeights(wHh.asSlice(0, rz), wHh.asSlice(rz, n),
                transposed == null ? null : transposed.asSlice(0, rz), transposed == null ? null : transposed.asSlice(rz, n), hidden);
    }

    /** The transposes from the weights, through the views (no slicing: training refreshes them every forward scan). */
    public void refreshTransposes() {
        Matrices.transpose(wHrz, 2 * hidden, hidden, wHrzT);                     // W_h{r,z} (2H, H) -> (H, 2H)
        Matrices.transpose(wHn, hidden, hidden, wHnT);                           // W_hn (H, H) -> (H, H)
    }

    /** out (3H*H floats) = [W_h{r,z}^T (H, 2H) | W_hn^T (H, H)] from W_hh (3H, H). */
    public static void transpose(MemorySegment wHh, int hidden, MemorySegment out) {
        long h = hidden, rz = 2 * h * h * Float.BYTES;
        Matrices.transpose(wHh, 2 * hidden, hidden, out);                        // W_h{r,z} (2H, H) -> (H, 2H)
        Matrices.transpose(wHh.asSlice(rz), hidden, hidden, out.asSlice(rz));     // W_hn (H, H) -> (H, H)
    }
}
