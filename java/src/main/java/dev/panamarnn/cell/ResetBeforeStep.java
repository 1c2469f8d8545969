package dev.panamarnn.cell;

import dev.panamarnn.kernels.Kernels;
import java.lang.foreign.MemorySegment;

/**
 * The forward step of the reset-before GRU ({@link dev.panamarnn.CellType#GRU_RESET_BEFORE}) after
 * the input projection, shared by training ({@link GruResetBeforeCell}) and serving (a stream's
 * row, a gathered batch). The reset gate multiplies h_{t-1} before its product with W_hn, so a
 * step is two products with a fused kernel after each:
 * <pre>
 *   hrz = h_{t-1} W_h{r,z}^T                  (rows, 2H)
 *   r, z, rh = r * h_{t-1}                    gates kernel (adds b_ir + b_hr, b_iz + b_hz)
 *   hn  = rh W_hn^T                           (rows, H)
 *   n = tanh(xn + b_in + hn + b_hn), h_t      state kernel
 * </pre>
 * Not the backward (the cell's) and not the input projection (the caller's).
 */
public final class ResetBeforeStep {
    private ResetBeforeStep() {}

    /**
     * @param hNext  (rows, H) h_t, written; not {@code hPrev}
     * @param xg     (rows, 3H) in: x W_ih^T without bias; out: r, z, n
     * @param hrz    (rows, 2H) scratch: h_{t-1} W_h{r,z}^T
     * @param rh     (rows, H) out: r * h_{t-1} (training keeps it for dW_hn)
     * @param hn     (rows, H) scratch: (r * h_{t-1}) W_hn^T
     * @param bIh    (3H) b_ih
     * @param bHh    (3H) b_hh
     * @param hPrev  (rows, H) h_{t-1}
     * @param w      W_h{r,z}, W_hn and their transposes
     */
    public static void forward(Kernels k, MemorySegment hNext, MemorySegment xg, MemorySegment hrz, MemorySegment rh,
                               MemorySegment hn, MemorySegment bIh, MemorySegment bHh, MemorySegment hPrev,
                               ResetBeforeWeights w, int rows, int hidden) {
        int h = hidden;
        // hrz (rows, 2H) = h_{t-1} (rows, H) * W_h{r,z}^T (H, 2H)
        Products.timesTransposed(k, rows, 2 * h, h, hPrev, h, w.wHrz(), h, w.wHrzT(), 0f, hrz);
        // r = sigmoid(xr + b_ir + hr + b_hr), z likewise; rh = r * h_{t-1}
        k.gruResetBeforeGatesForwardStep(xg, rh, hrz, bIh, bHh, hPrev, rows, h);
        // hn (rows, H) = rh (rows, H) * W_hn^T (H, H)
        Products.timesTransposed(k, rows, h, h, rh, h, w.wHn(), h, w.wHnT(), 0f, hn);
        // n = tanh(xn + b_in + hn + b_hn); h_t = (1 - z) n + z h_{t-1}
        k.gruResetBeforeStateForwardStep(hNext, xg, hn, bIh, bHh, hPrev, rows, h);
    }
}
