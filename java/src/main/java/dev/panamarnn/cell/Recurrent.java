package dev.panamarnn.cell;

import dev.panamarnn.kernels.Kernels;
import java.lang.foreign.MemorySegment;

/**
 * The two recurrent products of a step, routed to GEMV when the batch is one row: OpenBLAS's
 * M=1 sgemm is several times slower than sgemv for the same product (DESIGN.md "Native libraries").
 * For small steps the forward product uses W_hh^T (CellBuffers.wHhT) so that it is an NN product,
 * which the native kernels run on librnnk's small GEMM; the backward product is NN already.
 */
final class Recurrent {
    private Recurrent() {}

    /** out (B, G*H) = beta * out + h (B, H) * W_hh^T, with W_hh (G*H, H). */
    static void forward(Kernels k, CellBuffers s, MemorySegment h, MemorySegment out, float beta) {
        if (s.batch == 1) {
            k.sgemv(false, s.gateWidth, s.hidden, 1f, s.wHh, s.hidden, h, beta, out);   // W_hh (G*H, H) * h (H)
        } else if (s.wHhT != null) {
            // small step: h (B, H) * W_hh^T (H, G*H) untransposed, on the kernels' small-product path
            k.sgemm(false, false, s.batch, s.gateWidth, s.hidden, 1f, h, s.hidden, s.wHhT, s.gateWidth, beta, out, s.gateWidth);
        } else {
            k.sgemm(false, true, s.batch, s.gateWidth, s.hidden, 1f, h, s.hidden, s.wHh, s.hidden, beta, out, s.gateWidth);
        }
    }

    /** dh (B, H) = beta * dh + dGates (B, G*H) * W_hh (G*H, H). */
    static void backward(Kernels k, CellBuffers s, MemorySegment dGates, MemorySegment dh, float beta) {
        if (s.batch == 1) {
            k.sgemv(true, s.gateWidth, s.hidden, 1f, s.wHh, s.hidden, dGates, beta, dh);   // W_hh^T (H, G*H) * dg (G*H)
        } else {
            k.sgemm(false, false, s.batch, s.hidden, s.gateWidth, 1f, dGates, s.gateWidth, s.wHh, s.hidden, beta, dh, s.hidden);
        }
    }
}
