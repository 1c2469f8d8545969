package dev.panamarnn.model;

import dev.panamarnn.kernels.Kernels;
import dev.panamarnn.tensor.Slab;
import dev.panamarnn.train.GradientClipping;
import dev.panamarnn.train.NonFiniteGuard;
import dev.panamarnn.train.Optimizer;

/**
 * What one training step did: its number, the loss, the gradient norm before clipping, and whether
 * the optimizer step was skipped because the loss or the norm was not finite.
 */
public record TrainingStep(long step, double loss, double gradientNorm, boolean skipped) {

    /** The optimizer must update exactly this model's slabs (else training silently changes another model). */
    static void requireOptimizerOf(Optimizer optimizer, Slab parameters, Slab gradients) {
        if (optimizer == null) {
            throw new IllegalArgumentException("the optimizer is null");
        }
        if (optimizer.parameters() != parameters || optimizer.gradients() != gradients) {
            throw new IllegalArgumentException("the optimizer updates another model's slabs ('" + optimizer.parameters().name() + "', '"
                    + optimizer.gradients().name() + "'), not this model's ('" + parameters.name() + "', '" + gradients.name() + "')");
        }
    }

    /** clipNorm: 0 (off) or a finite positive norm. */
    static void requireClipNorm(double clipNorm) {
        if (!(clipNorm >= 0 && clipNorm < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("clipNorm must be finite and >= 0 (0 = no clipping), got " + clipNorm);
        }
    }

    /**
     * The end every trainer's step shares, after backward: clip the gradients to {@code clipNorm}
     * (0: only measure their norm), ask the guard, and take the optimizer step unless it says skip.
     */
    static TrainingStep finish(Kernels kernels, Slab gradients, double clipNorm, NonFiniteGuard guard,
                               Optimizer optimizer, double loss, long step) {
        double norm = clipNorm > 0 ? GradientClipping.clipByGlobalNorm(kernels, gradients, clipNorm)
                : GradientClipping.globalNorm(kernels, gradients);
        if (!guard.check(loss, norm, step)) {
            return new TrainingStep(step, loss, norm, true);
        }
        optimizer.step();
        return new TrainingStep(step, loss, norm, false);
    }
}
