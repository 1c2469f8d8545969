package dev.panamarnn.train;

import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.tensor.Slab;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Gradient clipping over a whole gradient slab (every tensor of the model at once, as if
 * concatenated into one vector — the slab's zero padding does not change a norm).
 * <ul>
 * <li>{@link #clipByGlobalNorm}: torch.nn.utils.clip_grad_norm_ — the 2-norm of all gradients
 *     (snrm2 over the slab); when it exceeds {@code maxNorm}, every gradient is multiplied by
 *     {@code maxNorm / (norm + 1e-6)} (evaluated in float as PyTorch does). Returns the norm before
 *     clipping. A non-finite norm is returned without touching the gradients (PyTorch would
 *     multiply them by NaN): let {@link NonFiniteGuard} skip that step.</li>
 * <li>{@link #clipByValue}: torch.nn.utils.clip_grad_value_ — each gradient clamped to
 *     [-clipValue, clipValue]; NaN stays NaN.</li>
 * </ul>
 * Stateless; nothing is allocated.
 */
public final class GradientClipping {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;
    /** Floats per snrm2/sscal call: the BLAS length is an int. */
    private static final long CHUNK = 1L << 30;

    private GradientClipping() {}

    /** sqrt(sum of every gradient squared), over the whole slab. */
    public static float globalNorm(Kernels kernels, Slab gradients) {
        Kernels k = Segments.unchecked(kernels);
        requireSlab(gradients);
        MemorySegment all = gradients.all();
        long n = all.byteSize() / Float.BYTES;
        if (n <= CHUNK) {
            return k.snrm2((int) n, all);
        }
        double sumOfSquares = 0;   // ||x||^2 = sum over chunks of ||chunk||^2
        for (long at = 0; at < n; at += CHUNK) {
            long len = Math.min(CHUNK, n - at);
            double c = k.snrm2((int) len, all.asSlice(at * Float.BYTES, len * Float.BYTES));
            sumOfSquares += c * c;
        }
        return (float) Math.sqrt(sumOfSquares);
    }

    /**
     * Scales all gradients by {@code maxNorm / (norm + 1e-6)} when that is below 1.
     * @param maxNorm finite and > 0
     * @return the global norm before clipping (possibly NaN or infinite: then nothing was changed)
     */
    public static float clipByGlobalNorm(Kernels kernels, Slab gradients, double maxNorm) {
        Segments.finitePositive("maxNorm", maxNorm);
        requireSlab(gradients);
        float norm = globalNorm(kernels, gradients);
        if (!Float.isFinite(norm)) {
            return norm;
        }
        float coefficient = (1f / (norm + 1e-6f)) * (float) maxNorm;   // PyTorch: max_norm / (norm + 1e-6) as reciprocal * max_norm
        if (coefficient < 1f) {
            Kernels k = Segments.unchecked(kernels);
            MemorySegment all = gradients.all();
            long n = all.byteSize() / Float.BYTES;
            for (long at = 0; at < n; at += CHUNK) {
                long len = Math.min(CHUNK, n - at);
                k.sscal((int) len, coefficient, n <= CHUNK ? all : all.asSlice(at * Float.BYTES, len * Float.BYTES));
            }
        }
        return norm;
    }

    private static void requireSlab(Slab gradients) {
        if (gradients == null) {
            throw new IllegalArgumentException("the gradients slab is null");
        }
    }

    /** Clamps every gradient to [-clipValue, clipValue] (clipValue finite and >= 0); NaN stays NaN. */
    public static void clipByValue(Slab gradients, double clipValue) {
        Segments.finiteNonNegative("clipValue", clipValue);
        requireSlab(gradients);
        float c = (float) clipValue;
        MemorySegment all = gradients.all();
        long n = all.byteSize() / Float.BYTES;
        for (long i = 0; i < n; i++) {
            float g = all.getAtIndex(F, i);
            if (g > c) {
                all.setAtIndex(F, i, c);
            } else if (g < -c) {
                all.setAtIndex(F, i, -c);
            }
        }
    }
}
