package dev.panamarnn.cell;

import dev.panamarnn.kernels.Kernels;
import java.lang.foreign.MemorySegment;

/**
 * The two recurrent products of a training step, on a scan's buffers, through {@link Products}
 * (the routing serving uses too). W_hh^T (CellBuffers.wHhT) exists only for batches the kernels
 * multiply faster untransposed, the packed copies (CellBuffers.wHhPacked for h W_hh^T,
 * wHhPackedAsStored for dG W_hh) only for batches they multiply faster packed.
 */
final class Recurrent {
    private Recurrent() {}

    /** out (B, G*H) = beta * out + h (B, H) * W_hh^T, with W_hh (G*H, H). */
    static void forward(Kernels k, CellBuffers s, MemorySegment h, MemorySegment out, float beta) {
        Products.timesTransposed(k, s.batch, s.gateWidth, s.hidden, h, s.hidden, s.wHh, s.hidden, s.wHhT, s.wHhPacked, beta,
                out);
    }

    /** dh (B, H) = beta * dh + dGates (B, G*H) * W_hh (G*H, H). */
    static void backward(Kernels k, CellBuffers s, MemorySegment dGates, MemorySegment dh, float beta) {
        Products.times(k, s.batch, s.hidden, s.gateWidth, dGates, s.gateWidth, s.wHh, s.wHhPackedAsStored, beta, dh);
    }
}
